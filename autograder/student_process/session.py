"""The grader's handle on one student process: start it, run the cells, ask probes, end it.

Everything the student side says arrives as plain JSON; timeouts are enforced from here with
SIGINT (the cell or probe is interrupted, grading goes on) and then SIGKILL on the whole process
group (nothing the submission started outlives it). Every time limit counts the CPU time of the
submission's own processes, with a wall-clock backstop (:mod:`autograder.student_process.cputime`):
a busy neighbour cannot push a submission into its limits.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder import protocol
from autograder.protocol import (MAX_CELL_MESSAGE_BYTES, MAX_CELL_OUTPUT_CHARS, MAX_ERROR_CHARS, MAX_ERROR_FRAMES,
                                 MAX_IMAGE_BYTES, MAX_IMAGE_BYTES_TOTAL, MAX_IMAGES_PER_CELL, Channel,
                                 ChannelClosed, ChannelTimeout, ProbeFailed, ProtocolError, encode)
from autograder.student_process.cputime import Allowance, Meter
from autograder.student_process.sandbox import NAMESPACED, ResourceLimits, Sandbox, notebook_process

INTERRUPT_GRACE = 5.0  # seconds (wall) a cell or probe gets to stop after SIGINT before the process is killed
START_TIMEOUT = 120.0  # seconds of CPU time for the student process to import torch and say hello
# a student process started from scratch confines itself before anything that may start a thread
BOOTSTRAP = ("import sys; from autograder.student_process.sandbox import enter_from_environment; "
             "fds = [int(a) for a in sys.argv[1:3]]; enter_from_environment(fds); "
             "from autograder.student_process.runner import main; main(*fds); sys.stdout.flush()")


class LimitReached(Exception):
    """An allowance ran out while waiting for the student process: ``kind`` is ``cpu`` or ``wall``."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class SessionDead(Exception):
    """The student process is gone (it exited, crashed or was killed)."""

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


_live: set["StudentSession"] = set()
_live_lock = threading.Lock()
_stopping = threading.Event()


def kill_all() -> None:
    """Stop the batch: kill every student process of this grader, and start no new one."""
    _stopping.set()
    with _live_lock:
        sessions = list(_live)
    for session in sessions:
        session.dead = SessionDead("timeout", "grading was stopped by the grader")
        session._kill()


def allow_new() -> None:
    """Let sessions start again after :func:`kill_all` (a new batch)."""
    _stopping.clear()


def base_env(threads: int) -> dict[str, str]:
    """The environment every student process starts from (the session adds HOME and its own)."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "OMP_NUM_THREADS": str(threads),
        "MKL_NUM_THREADS": str(threads),
        "OPENBLAS_NUM_THREADS": str(threads),
        "NNCOURSE_DEVICE": "cpu",
        "CUDA_VISIBLE_DEVICES": "",
    }


def _text(value: Any, limit: int) -> str:
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    return text[:limit]


def _cell_error(error: Any) -> dict | None:
    """A cell's error as the runner describes it (name, message, the student's frames), capped."""
    if not error:
        return None
    if not isinstance(error, dict):
        return {"ename": "Error", "evalue": _text(error, MAX_ERROR_CHARS), "frames": []}
    frames = [{"cell": f.get("cell") if isinstance(f.get("cell"), int) else None,
               "line": f.get("line") if isinstance(f.get("line"), int) else None,
               "code": _text(f.get("code"), 200)}
              for f in (error.get("frames") if isinstance(error.get("frames"), list) else [])[-MAX_ERROR_FRAMES:]
              if isinstance(f, dict)]
    return {"ename": _text(error.get("ename"), 200) or "Error", "evalue": _text(error.get("evalue"), MAX_ERROR_CHARS),
            "frames": frames}


@dataclass
class CellReport:
    index: int
    seconds: float = 0.0
    error: dict | None = None
    output: str = ""
    timed_out: bool = False
    images: list = field(default_factory=list)
    limit_reached: str = ""  # which limit stopped it: "used 120 s of CPU time, its limit", ...


@dataclass
class Limits:
    """Time limits for one submission: seconds of the submission's CPU time, each with a wall-clock
    backstop of ``cputime.WALL_FACTOR`` times as long (``total_wall``, when set, for the whole)."""

    total: float = 600.0
    cell: float = 120.0
    probe: float = 60.0
    total_wall: float = 0.0  # the whole submission's wall-clock limit; 0: WALL_FACTOR x total


@dataclass(eq=False)
class StudentSession:
    """One student process. Use as a context manager; ``close`` always kills its process group."""

    workdir: Path
    seed: int = 0
    threads: int = 1
    limits: Limits = field(default_factory=Limits)
    env: dict[str, str] = field(default_factory=dict)
    hidden_paths: list[Path] = field(default_factory=list)
    resources: ResourceLimits = field(default_factory=ResourceLimits)
    answers: int = 0
    _outputs: Any = field(default_factory=hashlib.sha256, repr=False, init=False)
    fork_server: Any = None  # an autograder.student_process.fork_server.ForkServer to fork from; None starts a new interpreter
    total: Allowance | None = field(default=None, init=False)
    cells: list[CellReport] = field(default_factory=list)
    dead: SessionDead | None = None
    image_bytes: int = 0
    interfered: str = ""  # why the channel shows that student code wrote on it (a second reply, garbage)

    def __enter__(self) -> "StudentSession":
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def start(self) -> None:
        if _stopping.is_set():
            raise SessionDead("timeout", "grading was stopped by the grader")
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        # a private temporary folder: nothing one submission leaves in /tmp reaches another
        self.tmpdir = self.workdir.parent / f"{self.workdir.name}-tmp"
        self.tmpdir.mkdir(mode=0o700, exist_ok=True)
        env = {**base_env(self.threads), "HOME": str(self.workdir), "TMPDIR": str(self.tmpdir), **self.env}
        self.sandbox = Sandbox(self.workdir, self._paths_to_hide(), self.resources, needed=self._needed_paths(),
                               writable=[self.workdir, self.tmpdir])
        try:
            self.sandbox.prepare(self.tmpdir)
            confinement = self.sandbox.env()
            self.output_path = self.workdir.parent / f"{self.workdir.name}.stdout"
            fd = os.open(self.output_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with open(fd, "wb") as output:
                self.process = None
                if self.fork_server is not None and self.sandbox.forkable:
                    try:
                        self.process = self.fork_server.spawn(
                            {"env": {**env, "NNCOURSE_RLIMITS": confinement["NNCOURSE_RLIMITS"]},
                             "cwd": str(self.workdir), "sandbox": self.sandbox.spec()},
                            [to_child_r, from_child_w, output.fileno()])
                    except RuntimeError:
                        self.process = None  # the fork server is gone: start this one from scratch
                if self.process is None:
                    self.process = subprocess.Popen(
                        [sys.executable, "-P", "-c", BOOTSTRAP, str(to_child_r), str(from_child_w)],
                        cwd="/", env={**env, **confinement}, stdin=subprocess.DEVNULL, stdout=output,
                        stderr=subprocess.STDOUT, pass_fds=(to_child_r, from_child_w), start_new_session=True,
                    )
        except BaseException:
            self.sandbox.release()
            for fd in (to_child_r, to_child_w, from_child_r, from_child_w):
                try:
                    os.close(fd)
                except OSError:
                    pass
            raise
        os.close(to_child_r)
        os.close(from_child_w)
        with _live_lock:
            _live.add(self)
        self.channel = Channel(from_child_r, to_child_w)
        self.meter = Meter(self.process.pid, self.sandbox.group, notebook=self._notebook_pid)
        self.total = Allowance(self.meter, self.limits.total, wall=self.limits.total_wall)

    def _needed_paths(self) -> list[Path]:
        """What the student process must see: its folders, Python and the course's libraries."""
        import autograder
        import student_lib

        return [p.resolve() for p in (self.workdir, self.tmpdir, Path(sys.prefix), Path(sys.base_prefix),
                                      Path(sys.executable).resolve().parent,
                                      Path(autograder.__file__).parent, Path(student_lib.__file__).parent)]

    def _paths_to_hide(self) -> list[Path]:
        """Secret paths to hide, less any that holds what the student process needs to run."""
        needed = self._needed_paths()
        return [p for p in (Path(q).resolve() for q in self.hidden_paths)
                if not any(n == p or p in n.parents for n in needed)]

    def _notebook_pid(self) -> int | None:
        """The pid of the process that runs the notebook (None until it exists)."""
        if self.sandbox.mode in NAMESPACED:
            return notebook_process(self.process.pid)
        return self.process.pid

    def _kill(self) -> None:
        # the whole group (a group id is never reused while members live), and the process
        # itself while it runs, in case a forked child has not made its own group yet
        kills = [os.killpg] + ([os.kill] if self.process.poll() is None else [])
        for kill in kills:
            try:
                kill(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass

    def _interrupt(self) -> None:
        """SIGINT to the notebook's process: straight to it when it runs in a PID namespace (the
        processes in between would pass it on, later), else to the process the grader started."""
        target = notebook_process(self.process.pid) if self.sandbox.mode in NAMESPACED else None
        try:
            os.kill(target or self.process.pid, signal.SIGINT)
        except ProcessLookupError:
            pass

    def _died(self, where: str) -> SessionDead:
        code = self.process.poll()
        if code is None:
            try:
                code = self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                code = None
        if code is not None and code < 0:
            reason = f"it was killed by signal {signal.Signals(-code).name}"
            if self.sandbox.out_of_memory():
                reason += (f" after going past its memory cap of {self.resources.memory_mb:,} MB "
                           "(check the sizes of your tensors and lists)")
        elif code is not None:
            reason = f"it exited with code {code}"
        else:
            reason = "it stopped answering"
        self.dead = SessionDead("kernel_died", f"the notebook's process died {where}: {reason}")
        self._kill()
        return self.dead

    def _timed_out(self, where: str, why: str) -> SessionDead:
        self._kill()
        self.dead = SessionDead("timeout", f"grading stopped {where}: {why}")
        return self.dead

    def _wait(self, allowance: Allowance, where: str, *expected: type, limit: int | None = None) -> Any:
        """The next message, as :meth:`_recv`; raises :class:`LimitReached` when ``allowance`` runs
        out first, and ends the session when the submission's own allowance does."""
        assert self.total is not None
        while True:
            try:
                return self._recv(min(allowance.next_check(), self.total.next_check()), where, *expected,
                                  limit=limit)
            except ChannelTimeout:
                pass
            kind = self.total.exceeded()
            if kind:
                raise self._timed_out(where, f"the submission {self.total.describe(kind)}") from None
            kind = allowance.exceeded()
            if kind:
                raise LimitReached(kind) from None

    def _recv(self, timeout: float, where: str, *expected: type, limit: int | None = None) -> Any:
        """The next message (at most ``limit`` bytes), one of the ``expected`` protocol types;
        anything else kills the process."""
        if self.dead:
            raise self.dead
        try:
            message = self.channel.recv(timeout=max(0.0, timeout), **({"limit": limit} if limit else {}))
        except ChannelClosed:
            raise self._died(where) from None
        except ProtocolError as exc:
            self._kill()
            self.interfered = self.interfered or f"a malformed message {where}"
            self.dead = SessionDead("kernel_died", f"the notebook's process sent garbage {where} ({exc})")
            raise self.dead from None
        try:
            return protocol.parse(message, *expected)
        except ProtocolError:
            self._kill()
            self.interfered = self.interfered or f"a message of the wrong kind {where}"
            self.dead = SessionDead("kernel_died", f"the notebook's process sent garbage {where}")
            raise self.dead from None

    def run_notebook(self, cells: list[dict]) -> list[CellReport]:
        """Run ``cells`` ({index, source}) in order; returns one report per cell that ran.

        The student process reports each cell with a ``start`` and a ``done`` event. Its code can
        write forged events too, so only the next cell's ``start`` and the running cell's ``done``
        are taken, each event is capped in bytes, and what a ``done`` carries is cleaned and capped
        (output, error, images: :mod:`autograder.protocol`'s caps, images also per submission)."""
        expected = [int(c["index"]) for c in cells]
        try:
            self.channel.send(protocol.Setup(cells=cells, seed=self.seed, threads=self.threads,
                                             cwd=str(self.workdir)).wire())
        except ChannelClosed:
            raise self._died("before its first cell") from None
        current: CellReport | None = None
        allowance = Allowance(self.meter, START_TIMEOUT)
        while True:
            where = (f"in cell {current.index}" if current is not None else
                     f"after cell {self.cells[-1].index}" if self.cells else "before its first cell")
            try:
                message = self._wait(allowance, where, protocol.CellStarted, protocol.CellDone, protocol.Ready,
                                     limit=MAX_CELL_MESSAGE_BYTES)
            except LimitReached as reached:
                if current is None:
                    raise self._timed_out(where, "the notebook's process, outside any cell, "
                                                 + allowance.describe(reached.kind)) from None
                if current.timed_out:  # already interrupted once and still running
                    self._kill()
                    self.dead = SessionDead("timeout", f"cell {current.index} was killed: it {current.limit_reached}"
                                                       ", and did not stop when interrupted")
                    raise self.dead from None
                current.timed_out = True
                current.limit_reached = allowance.describe(reached.kind)
                self._interrupt()
                allowance = Allowance(self.meter, INTERRUPT_GRACE, wall=INTERRUPT_GRACE)
                continue
            if isinstance(message, protocol.CellStarted) and current is None \
                    and len(self.cells) < len(expected) and message.cell == expected[len(self.cells)]:
                current = CellReport(index=expected[len(self.cells)])
                self.cells.append(current)
                allowance = Allowance(self.meter, self.limits.cell)
            elif isinstance(message, protocol.CellDone) and current is not None and message.cell == current.index:
                seconds = message.seconds
                current.seconds = float(seconds) if isinstance(seconds, (int, float)) else 0.0
                current.error = _cell_error(message.error)
                current.output = _text(message.output, MAX_CELL_OUTPUT_CHARS)
                current.images = self._images(message.images)
                current = None
                allowance = Allowance(self.meter, self.limits.cell)
            elif isinstance(message, protocol.Ready):
                return self.cells

    def _images(self, images: Any) -> list[str]:
        """The base64 PNGs of a ``done`` event that fit the caps (per cell, and for the submission)."""
        kept: list[str] = []
        for image in images if isinstance(images, list) else []:
            if len(kept) >= MAX_IMAGES_PER_CELL:
                break
            if not isinstance(image, str) or not image.isascii():
                continue
            size = len(image) * 3 // 4
            if size > MAX_IMAGE_BYTES or self.image_bytes + size > MAX_IMAGE_BYTES_TOTAL:
                continue
            kept.append(image)
            self.image_bytes += size
        return kept

    def probe(self, name: str, *args: Any, seed: int = 0, timeout: float | None = None,
              **kwargs: Any) -> Any:
        """Ask the student process to run probe ``name``; returns its plain value or raises ProbeFailed."""
        if self.dead:
            raise self.dead
        if self.interfered:
            raise ProbeFailed({"kind": protocol.TAMPERED, "message": f"the notebook interfered with grading "
                                                                      f"({self.interfered})"})
        nonce = secrets.token_hex(16)
        request_id = secrets.randbelow(2**31)
        where = f"while the grader ran probe {name}"
        try:
            self.channel.send(protocol.ProbeRequest(id=request_id, nonce=nonce, probe=name, args=list(args),
                                                    kwargs=kwargs, seed=seed).wire())
        except ChannelClosed:
            raise self._died(where) from None
        limit = timeout or self.limits.probe
        allowance = Allowance(self.meter, limit)
        reason = f"ran past the {limit:.0f} s limit"  # also when it raised KeyboardInterrupt itself
        interrupted = False
        while True:
            try:
                reply = self._wait(allowance, where, protocol.ProbeReply)
            except LimitReached as reached:
                if interrupted:
                    self._kill()
                    self.dead = SessionDead("timeout", f"this check killed your code: it {reason}, and it "
                                                       "did not stop when interrupted")
                    raise self.dead from None
                interrupted = True
                reason = allowance.describe(reached.kind)
                self._interrupt()
                allowance = Allowance(self.meter, INTERRUPT_GRACE, wall=INTERRUPT_GRACE)
                continue
            if reply.nonce != nonce or reply.id != request_id:  # only student code writes a second reply
                self.interfered = self.interfered or f"a second or stray reply {where}"
                continue
            if interrupted or reply.kind == protocol.TIMEOUT:
                raise ProbeFailed({"kind": protocol.TIMEOUT, "message": f"this check stopped your code: it {reason}"})
            if not reply.ok:
                raise ProbeFailed(reply.explain())
            self._outputs.update(encode([name, reply.value]))
            self.answers += 1
            return reply.value

    def fingerprint(self) -> str | None:
        """A hash of everything the student's code returned to the probes (None if nothing did):
        two submissions with the same fingerprint gave identical outputs on the grader's inputs."""
        return self._outputs.hexdigest() if self.answers else None

    def close(self) -> None:
        with _live_lock:
            _live.discard(self)
        if getattr(self, "process", None) is None:
            if getattr(self, "sandbox", None) is not None:
                self.sandbox.release()
            return
        if self.process.poll() is None and not self.dead:
            try:
                self.channel.send(protocol.Exit().wire())
                self.process.wait(timeout=3)
            except (ChannelClosed, subprocess.TimeoutExpired, OSError):
                pass
        self._kill()
        self.channel.close()
        self.sandbox.release()

    def process_output(self, limit: int = 4000) -> str:
        """The tail of what the process wrote outside any cell (crash messages, for example)."""
        try:
            data = self.output_path.read_bytes()
        except OSError:
            return ""
        return data[-limit:].decode("utf-8", "replace")
