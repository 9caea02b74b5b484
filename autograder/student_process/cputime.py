"""What a submission's time limits are charged on: the CPU time of its own process tree.

A limit counted in wall time lets a neighbour decide a grade: one submission running 60 busy
processes slows every concurrent submission many times over, and without a cgroup CPU share (the
``userns`` level) it pushed them into their time limits. So the cell, submission and probe limits
count the CPU time (user + system) of the submission's processes, which a neighbour cannot spend,
and wall time only as a backstop (:data:`WALL_FACTOR` times the limit) that ends a notebook that
waits (``time.sleep``, ``input()``, a lock) instead of computing.

Grader side. The CPU time is read from the submission's cgroup where it has one that counts it
(every process ever in it, cgroup v2's ``cpu.stat`` or v1's ``cpuacct.usage``), else from
``/proc``: the sum, over every live process under the one the grader started, of its own times
and those of the children it reaped (``/proc/<pid>/stat`` fields 14-17). In a PID namespace an
orphan is reparented to the namespace's process 1, inside the tree, so nothing escapes the walk;
a child reaped automatically (``SIGCHLD`` ignored) takes its time with it, which the wall
backstop bounds.

Each reading also lowers the priority of every process of the tree but the notebook's own one
to :data:`EXTRA_NICE`: a submission's extra processes then take CPU from each other, hardly from
the notebook processes of its neighbours (a process cannot raise its priority again without a
capability, which no sandboxed process has). Where the kernel shares CPU per session
(``sched_autogroup``), a process that makes its own session escapes that lowering; the limits,
charged on CPU time, still keep its neighbours' grades.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable
from typing import Any

WALL_FACTOR = 4.0  # a limit of N s of CPU time also ends its wait after WALL_FACTOR x N s of wall time
EXTRA_NICE: int | None = 19  # the priority of a submission's processes other than the notebook's own
MAX_PROCESSES = 4096  # processes read per reading at most (the pids limit is far lower)
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat_fields(path: str) -> list[bytes] | None:
    """The fields after the command name of a ``/proc/.../stat`` file (field 3 is index 0)."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    return data[data.rfind(b")") + 2:].split()


def _children(pid: int, nice: int | None) -> list[int]:
    """The children of every thread of ``pid``; with ``nice``, each thread is also given at
    least that niceness (``setpriority`` applies to one thread on Linux)."""
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tasks:
        if nice is not None:
            fields = _stat_fields(f"/proc/{pid}/task/{tid}/stat")
            if fields and len(fields) > 16 and int(fields[16]) < nice:
                try:
                    os.setpriority(os.PRIO_PROCESS, int(tid), nice)
                except OSError:
                    pass
        try:
            found += [int(c) for c in Path(f"/proc/{pid}/task/{tid}/children").read_bytes().split()]
        except (OSError, ValueError):
            continue
    return found


def tree_cpu_seconds(root: int, spare: int | None = None, nice: int | None = None) -> float:
    """CPU seconds used by ``root`` and every process under it, the reaped ones included.

    With ``nice``, every process of the tree but ``root`` and ``spare`` (the notebook's own
    process) is given at least that niceness on the way."""
    total = 0.0
    seen: set[int] = set()
    todo = [root]
    while todo and len(seen) < MAX_PROCESSES:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        fields = _stat_fields(f"/proc/{pid}/stat")
        if not fields or len(fields) < 15:
            continue
        try:  # utime, stime, cutime, cstime: fields 14-17
            total += sum(int(f) for f in fields[11:15]) / _TICKS
        except ValueError:
            continue
        todo += _children(pid, None if pid in (root, spare) else nice)
    return total


@dataclass
class Meter:
    """The CPU time of one submission so far (seconds; it never goes down between readings).

    ``root``: the process the grader started; ``group``: its cgroup (None without one);
    ``notebook``: gives the notebook's process when asked (None while unknown), spared the
    lower priority (:data:`EXTRA_NICE`) its other processes get; ``renice``: whether they get it."""

    root: int
    group: Any = None
    notebook: Callable[[], int | None] = lambda: None
    renice: bool = True
    _last: float = 0.0
    _read_at: float = -1.0
    _spare: int | None = None
    _started: bytes | None = None  # the root's start time: a pid used again is not walked

    def seconds(self) -> float:
        if time.monotonic() - self._read_at < 0.01:  # several limits checked at once: one reading
            return self._last
        from_group = self.group.cpu_seconds() if self.group is not None else None
        fields = _stat_fields(f"/proc/{self.root}/stat")
        started = fields[19] if fields and len(fields) > 19 else None
        self._started = self._started or started
        if started is None or started != self._started:  # gone (its last reading stays)
            self._read_at = time.monotonic()
            self._last = max(self._last, from_group or 0.0)
            return self._last
        if self._spare is None:
            self._spare = self.notebook()
        nice = EXTRA_NICE if self.renice and self._spare else None  # not before the notebook exists
        from_tree = tree_cpu_seconds(self.root, self._spare, nice)
        self._last = max(self._last, from_group if from_group is not None else from_tree)
        self._read_at = time.monotonic()
        return self._last


@dataclass
class Allowance:
    """One limit: ``cpu`` seconds of the submission's CPU time from now, and a wall-clock
    backstop of ``wall`` seconds (:data:`WALL_FACTOR` x ``cpu`` unless given)."""

    meter: Meter
    cpu: float
    wall: float = 0.0
    cpu_start: float = 0.0
    wall_start: float = 0.0

    def __post_init__(self) -> None:
        self.wall = self.wall or WALL_FACTOR * self.cpu
        self.cpu_start = self.meter.seconds()
        self.wall_start = time.monotonic()

    def used(self) -> tuple[float, float]:
        """(CPU seconds, wall seconds) since the allowance began."""
        return self.meter.seconds() - self.cpu_start, time.monotonic() - self.wall_start

    def exceeded(self) -> str | None:
        """``"cpu"`` or ``"wall"`` once that limit is reached, else None."""
        cpu, wall = self.used()
        return "cpu" if cpu >= self.cpu else "wall" if wall >= self.wall else None

    def next_check(self, cores: int | None = None, most: float = 1.0, least: float = 0.05) -> float:
        """Seconds to wait before reading the meter again: the soonest the CPU limit can be
        reached (the tree runs on at most ``cores`` CPUs at once), at most ``most`` (so the
        priority of new processes is lowered soon), and never past the wall backstop."""
        cpu, wall = self.used()
        cores = cores or os.cpu_count() or 1
        soonest = max(least, (self.cpu - cpu) / cores)
        return max(0.0, min(soonest, most, self.wall - wall))

    def describe(self, kind: str) -> str:
        """Which limit was reached (``kind``: ``"cpu"`` or ``"wall"``), to follow a subject:
        "cell 5 " + "used 120 s of CPU time, its limit"."""
        if kind == "cpu":
            return f"used {_s(self.cpu)} s of CPU time, its limit"
        backstop = (f"{WALL_FACTOR:g} x its limit of {_s(self.cpu)} s of CPU time"
                    if abs(self.wall - WALL_FACTOR * self.cpu) < 0.5 else "its limit on wall time")
        return (f"ran {_s(self.wall)} s of wall time ({backstop}) without using that CPU time: it was "
                "probably waiting (sleep, input(), a lock), or the machine was overloaded")


def _s(seconds: float) -> str:
    """Seconds as a message shows them: 120, 2.5."""
    return f"{round(seconds, 1):g}"
