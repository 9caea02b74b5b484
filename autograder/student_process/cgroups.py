"""Control groups for student processes: memory that counts shared pages, a process count, a CPU share.

Where the grader runs as root and the kernel's control groups can be written (cgroup v1's
``memory``, ``pids`` and ``cpu`` hierarchies, or a cgroup v2 hierarchy whose root delegates
those controllers), each student process gets its own group under the grader's own one:

- ``memory``: the submission's cap. Unlike ``RLIMIT_DATA`` it counts shared memory
  (``MAP_SHARED``, files in its tmpfs); the kernel kills the process that goes past it.
- ``pids``: the number of processes (threads included) it may have at once.
- ``cpu``: an equal share per submission, so one that starts 60 busy processes gets the CPU time
  of one submission, not of 60, and its neighbours do not run into their time limits.

Every group a grader makes is recorded in a lock file it holds (``/run/nncourse-runs``); the
next grader removes the groups of a grader that was killed (:func:`sweep`). Elsewhere (no root,
or no writable hierarchy) :func:`create` returns None and the sandbox's resource limits apply.
"""

from __future__ import annotations

import atexit
import fcntl
import os
import signal
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
RUN_LOCKS = Path("/run/nncourse-runs" if Path("/run").is_dir() else "/var/tmp/nncourse-runs")
V1_CONTROLLERS = ("memory", "pids", "cpu")
_lock = threading.Lock()
_run: dict[int, tuple[str, int]] = {}  # pid -> (run name, descriptor of its locked record)


@dataclass(frozen=True)
class Layout:
    """Where this grader's groups go: one folder per hierarchy, and the cgroup version."""

    version: int
    bases: dict[str, Path]  # controller ("memory", "pids", "cpu"; "" for v2) -> parent folder


def _own_paths() -> dict[str, str]:
    """This process's group per v1 controller, and its v2 group under the key ``""``."""
    paths = {}
    for line in Path("/proc/self/cgroup").read_bytes().splitlines():
        parts = line.split(b":", 2)
        if len(parts) != 3:
            continue
        path = os.fsdecode(parts[2])
        if parts[1] == b"":
            paths[""] = path
        for name in os.fsdecode(parts[1]).split(","):
            paths[name] = path
    return paths


@lru_cache(maxsize=1)
def layout() -> Layout | None:
    """The hierarchies this grader may use, or None (not root, or nothing writable)."""
    if os.geteuid() != 0:
        return None
    try:
        own = _own_paths()
    except OSError:
        return None
    bases = {}
    for controller in V1_CONTROLLERS:
        folder = ROOT / controller
        if controller in own and (folder / "cgroup.procs").is_file():
            base = folder / own[controller].lstrip("/")
            if os.access(base, os.W_OK):
                bases[controller] = base
    if "memory" in bases and "pids" in bases:
        return Layout(1, bases)
    if (ROOT / "cgroup.controllers").is_file():  # unified hierarchy at /sys/fs/cgroup
        try:
            enabled = (ROOT / "cgroup.subtree_control").read_text().split()
        except OSError:
            return None
        if {"memory", "pids"} <= set(enabled) and os.access(ROOT, os.W_OK):
            return Layout(2, {"": ROOT})
    return None


def _record(path: Path) -> None:
    """Note ``path`` in this grader's locked record, so a later grader can remove it."""
    with _lock:
        entry = _run.get(os.getpid())
        if entry is None:
            RUN_LOCKS.mkdir(mode=0o700, parents=True, exist_ok=True)
            from autograder.student_process.scratch import scratch_dir

            name = scratch_dir().name
            fd = os.open(RUN_LOCKS / f"{name}.lock", os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.set_inheritable(fd, False)
            entry = _run[os.getpid()] = (name, fd)
        os.write(entry[1], os.fsencode(str(path)) + b"\n")


class Group:
    """One student process's group (a folder per hierarchy); ``remove`` kills what is left in it."""

    def __init__(self, folders: list[Path], version: int) -> None:
        self.folders = folders
        self.version = version

    @property
    def procs_files(self) -> list[str]:
        """The files the student process writes its pid into, before it confines itself."""
        return [str(f / "cgroup.procs") for f in self.folders]

    def pids(self) -> list[int]:
        found: set[int] = set()
        for folder in self.folders:
            try:
                found.update(int(p) for p in (folder / "cgroup.procs").read_bytes().split())
            except (OSError, ValueError):
                continue
        return sorted(found)

    def out_of_memory(self) -> bool:
        """Whether the kernel killed a process of this group for going past its memory cap."""
        for folder in self.folders:
            try:
                if self.version == 2:
                    events = dict(line.split() for line in (folder / "memory.events").read_text().splitlines())
                    return int(events.get("oom_kill", 0)) > 0
                if (folder / "memory.oom_control").is_file():
                    for line in (folder / "memory.oom_control").read_text().splitlines():
                        if line.startswith("oom_kill "):
                            return int(line.split()[1]) > 0
            except (OSError, ValueError):
                continue
        return False

    def cpu_seconds(self) -> float | None:
        """CPU time used by every process ever in the group (None where no controller counts it:
        cgroup v2's ``cpu.stat``, v1's ``cpuacct.usage``)."""
        for folder in self.folders:
            try:
                if self.version == 2:
                    for line in (folder / "cpu.stat").read_text().splitlines():
                        if line.startswith("usage_usec "):
                            return int(line.split()[1]) / 1e6
                elif (folder / "cpuacct.usage").is_file():
                    return int((folder / "cpuacct.usage").read_text()) / 1e9
            except (OSError, ValueError):
                continue
        return None

    def kill(self) -> None:
        """SIGKILL every process of the group (cgroup.kill where the kernel has it)."""
        for folder in self.folders:
            if self.version == 2 and (folder / "cgroup.kill").is_file():
                try:
                    (folder / "cgroup.kill").write_text("1")
                except OSError:
                    pass
        for pid in self.pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def remove(self, wait: float = 10.0) -> bool:
        """Kill what is left and remove the group's folders; False if some could not be removed."""
        end = time.monotonic() + wait
        left = list(self.folders)
        while left:
            self.kill()
            for folder in list(left):
                try:
                    folder.rmdir()
                    left.remove(folder)
                except FileNotFoundError:
                    left.remove(folder)
                except OSError:
                    pass
            if left and time.monotonic() > end:
                return False
            if left:
                time.sleep(0.02)
        return True


def _write(path: Path, value: str) -> bool:
    try:
        path.write_text(value)
        return True
    except OSError:
        return False


def create(name: str, memory_mb: int, processes: int) -> Group | None:
    """A group for one student process with its caps (0: none), or None where groups are not usable."""
    found = layout()
    if found is None:
        return None
    from autograder.student_process.scratch import scratch_dir

    run = scratch_dir().name
    folders = []
    try:
        for controller, base in found.bases.items():
            parent = base / run
            if not parent.is_dir():
                parent.mkdir()
                _record(parent)
                # the grader's submissions together weigh as much as one busy process per core
                # (what they weighed as plain processes), shared equally among them below
                cores = os.cpu_count() or 1
                if controller == "cpu":
                    _write(parent / "cpu.shares", str(min(1024 * cores, 262144)))
                if controller == "" and (parent / "cpu.weight").is_file():
                    _write(parent / "cpu.weight", str(min(100 * cores, 10000)))
                if found.version == 2:
                    controllers = " ".join(f"+{c}" for c in ("memory", "pids", "cpu")
                                           if c in (base / "cgroup.subtree_control").read_text().split())
                    (parent / "cgroup.subtree_control").write_text(controllers)
            folder = parent / name
            folder.mkdir()
            _record(folder)
            folders.append(folder)
            if controller in ("memory", ""):
                _memory(folder, memory_mb, found.version)
            if controller in ("pids", "") and processes:
                (folder / "pids.max").write_text(str(processes))
            if controller == "cpu":
                _write(folder / "cpu.shares", "1024")  # every submission the same share
            if controller == "" and (folder / "cpu.weight").is_file():
                _write(folder / "cpu.weight", "100")
    except OSError:
        Group(folders, found.version).remove(wait=1.0)
        return None
    return Group(folders, found.version)


def _memory(folder: Path, memory_mb: int, version: int) -> None:
    if not memory_mb:
        return
    limit = str(memory_mb * 2**20)
    if version == 2:
        (folder / "memory.max").write_text(limit)
        _write(folder / "memory.swap.max", "0")
    else:
        (folder / "memory.limit_in_bytes").write_text(limit)
        _write(folder / "memory.memsw.limit_in_bytes", limit)  # no swapping past the cap either


def sweep() -> list[str]:
    """Remove the groups recorded by graders that have ended; returns the folders removed."""
    removed: list[str] = []
    if os.geteuid() != 0 or not RUN_LOCKS.is_dir():
        return removed
    for record in sorted(RUN_LOCKS.glob("*.lock")):
        try:
            fd = os.open(record, os.O_RDWR | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue  # its grader is running
        try:
            folders = [Path(os.fsdecode(line)) for line in record.read_bytes().splitlines() if line]
            folders = [f for f in folders if f.is_relative_to(ROOT) and f.name]
            # children before their parent
            for folder in sorted(set(folders), key=lambda f: len(f.parts), reverse=True):
                if Group([folder], 2 if (folder / "cgroup.kill").exists() else 1).remove(wait=5.0):
                    removed.append(str(folder))
            record.unlink(missing_ok=True)
        finally:
            os.close(fd)
    return removed


def close() -> None:
    """Remove this grader's run groups (its students' groups are removed as they end)."""
    with _lock:
        entry = _run.pop(os.getpid(), None)
    if entry is None:
        return
    name, fd = entry
    found = layout()
    for base in (found.bases.values() if found else []):
        try:
            (base / name).rmdir()
        except OSError:
            pass
    try:
        (RUN_LOCKS / f"{name}.lock").unlink(missing_ok=True)
    finally:
        os.close(fd)


atexit.register(close)
