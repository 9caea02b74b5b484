"""The grader's handle on one student process: start it, run the cells, ask probes, end it.

Everything the student side says arrives as plain JSON; timeouts are enforced from here with
SIGINT (the cell or probe is interrupted, grading goes on) and then SIGKILL on the whole process
group (nothing the submission started outlives it).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder import protocol
from autograder.protocol import Channel, ChannelClosed, ChannelTimeout, ProbeFailed, ProtocolError, encode
from autograder.student_process.sandbox import ResourceLimits, Sandbox

INTERRUPT_GRACE = 5.0  # seconds a cell or probe gets to stop after SIGINT before the process is killed
MAX_IMAGES = 4  # a cell's plots kept for the student's feedback
START_TIMEOUT = 120.0  # seconds for the student process to import torch and say hello


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


@dataclass
class CellReport:
    index: int
    seconds: float = 0.0
    error: dict | None = None
    output: str = ""
    timed_out: bool = False
    images: list = field(default_factory=list)


@dataclass
class Limits:
    """Time limits for one submission (seconds)."""

    total: float = 600.0
    cell: float = 120.0
    probe: float = 60.0


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
    deadline: float = 0.0
    cells: list[CellReport] = field(default_factory=list)
    dead: SessionDead | None = None
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
        self.sandbox = Sandbox(self.workdir, self._paths_to_hide(), self.resources, needed=self._needed_paths())
        self.sandbox.prepare(self.tmpdir)
        confinement = self.sandbox.env()
        argv = [sys.executable, "-P", "-m", "autograder.student_process.runner", str(to_child_r), str(from_child_w)]
        self.output_path = self.workdir.parent / f"{self.workdir.name}.stdout"
        try:
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
                        argv, cwd=self.workdir, env={**env, **confinement}, stdin=subprocess.DEVNULL,
                        stdout=output, stderr=subprocess.STDOUT, pass_fds=(to_child_r, from_child_w),
                        start_new_session=True, **self.sandbox.popen_user(),
                    )
        except BaseException:
            self.sandbox.release()
            raise
        os.close(to_child_r)
        os.close(from_child_w)
        with _live_lock:
            _live.add(self)
        self.channel = Channel(from_child_r, to_child_w)
        self.deadline = time.monotonic() + self.limits.total

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

    def _remaining(self) -> float:
        return self.deadline - time.monotonic()

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
        try:
            os.kill(self.process.pid, signal.SIGINT)
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
        elif code is not None:
            reason = f"it exited with code {code}"
        else:
            reason = "it stopped answering"
        self.dead = SessionDead("kernel_died", f"the notebook's process died {where}: {reason}")
        self._kill()
        return self.dead

    def _timed_out(self, where: str) -> SessionDead:
        self._kill()
        self.dead = SessionDead("timeout", f"grading stopped {where}: the submission's time limit "
                                           f"of {self.limits.total:.0f} s ran out")
        return self.dead

    def _recv(self, timeout: float, where: str, *expected: type) -> Any:
        """The next message, one of the ``expected`` protocol types; anything else kills the process."""
        if self.dead:
            raise self.dead
        try:
            message = self.channel.recv(timeout=max(0.0, min(timeout, self._remaining())))
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
        """Run ``cells`` ({index, source}) in order; returns one report per cell that ran."""
        try:
            self.channel.send(protocol.Setup(cells=cells, seed=self.seed, threads=self.threads,
                                             cwd=str(self.workdir)).wire())
        except ChannelClosed:
            raise self._died("before its first cell") from None
        current: CellReport | None = None
        started = time.monotonic()
        wait_limit = START_TIMEOUT
        while True:
            where = "before its first cell" if current is None else f"in cell {current.index}"
            remaining_cell = wait_limit - (time.monotonic() - started)
            try:
                message = self._recv(max(0.0, remaining_cell), where, protocol.CellStarted,
                                     protocol.CellDone, protocol.Ready)
            except ChannelTimeout:
                if self._remaining() <= 0:
                    raise self._timed_out(where) from None
                if current is None:
                    raise self._timed_out(where) from None
                if current.timed_out:  # already interrupted once and still running
                    self._kill()
                    self.dead = SessionDead("timeout", f"cell {current.index} ran past its "
                                            f"{self.limits.cell:.0f} s limit and could not be stopped")
                    raise self.dead from None
                current.timed_out = True
                self._interrupt()
                started, wait_limit = time.monotonic(), INTERRUPT_GRACE
                continue
            if isinstance(message, protocol.CellStarted):
                current = CellReport(index=int(message.cell))
                self.cells.append(current)
                started, wait_limit = time.monotonic(), self.limits.cell
            elif isinstance(message, protocol.CellDone) and current is not None:
                current.seconds = float(message.seconds or 0.0)
                current.error = message.error if isinstance(message.error, dict) else None
                current.output = str(message.output)[:50_000]
                images = message.images
                current.images = [i for i in images[:MAX_IMAGES] if isinstance(i, str)] if isinstance(images, list) else []
                current = None
                started, wait_limit = time.monotonic(), self.limits.cell
            elif isinstance(message, protocol.Ready):
                return self.cells

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
        interrupted = False
        started = time.monotonic()
        while True:
            try:
                reply = self._recv(limit - (time.monotonic() - started), where, protocol.ProbeReply)
            except ChannelTimeout:
                if self._remaining() <= 0:
                    raise self._timed_out(where) from None
                if interrupted:
                    self._kill()
                    self.dead = SessionDead("timeout", f"your code ran past the {limit:.0f} s limit "
                                            "for this check and could not be stopped")
                    raise self.dead from None
                interrupted = True
                self._interrupt()
                started, limit = time.monotonic(), INTERRUPT_GRACE
                continue
            if reply.nonce != nonce or reply.id != request_id:  # only student code writes a second reply
                self.interfered = self.interfered or f"a second or stray reply {where}"
                continue
            if interrupted or reply.kind == protocol.TIMEOUT:
                raise ProbeFailed({"kind": protocol.TIMEOUT, "message": f"your code ran past the "
                                   f"{timeout or self.limits.probe:.0f} s limit for this check"})
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
