"""A fork server for student processes: import torch once, fork a fresh process per submission.

Starting a student process costs seconds (the interpreter, torch, IPython, matplotlib and its
font cache) while a small notebook's own work can take less than a second. The fork server is a
process that has imported all of that and then waits; for each submission it forks a child
that enters the sandbox (its own user id, namespaces, hidden paths, limits) and runs
:func:`autograder.student_process.runner.main`, exactly as a freshly started runner would. Every submission
still gets its own process, and nothing one submission does reaches the fork server or another
submission: the child's memory is a copy, and the fork server never runs student code.

The fork server never runs a torch operation itself, so no thread pool exists when it forks.
Grader side: :class:`ForkServer` (``spawn`` returns a :class:`ForkedProcess`, which behaves like
``subprocess.Popen`` for the session). ForkServer side: ``python -P -m autograder.student_process.fork_server FD``.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

READY_TIMEOUT = 180.0  # seconds for the fork server to import everything
PRELOAD = ("numpy", "torch", "IPython.core.interactiveshell", "matplotlib", "matplotlib.pyplot",
           "autograder.student_process.runner", "autograder.probes", "autograder.protocol", "autograder.student_process.sandbox",
           "student_lib", "student_lib.datasets", "student_lib.plotting", "student_lib.device",
           "torch._dynamo",  # imported by an optimizer's first step: seconds, with sympy
           "contourpy", "PIL.PngImagePlugin", "matplotlib.backends.backend_agg")
_IMPORT = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import\b|import\s+([\w.]+))", re.MULTILINE)


def preload_for(notebook: Path, extra: list[str]) -> list[str]:
    """Modules worth importing once: those the student ``notebook`` imports at the top level of a
    cell (when it is here) and ``extra`` (the assignment config's ``preload`` list)."""
    from importlib.util import find_spec

    names: list[str] = []
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        cells = []
    for cell in cells:
        if cell.get("cell_type") == "code":
            source = "".join(cell.get("source", ""))
            names += [a or b for a, b in _IMPORT.findall(source)]
    names += list(extra)
    found = []
    for name in dict.fromkeys(names):
        top = name.split(".")[0]
        if top in ("otter", "autograder") or name in PRELOAD:
            continue
        try:
            # the top-level package only: find_spec("sklearn.linear_model") would import sklearn here,
            # in the grader's process, seconds before the fork server starts (a submodule that does not
            # exist costs nothing there: serve() skips what fails to import)
            if find_spec(top) is not None:
                found.append(name)
        except (ImportError, ValueError):
            continue
    return found


class ForkedProcess:
    """A child of the fork server, seen from the grader: the parts of ``Popen`` the session uses."""

    def __init__(self, server: "ForkServer", pid: int) -> None:
        self.server = server
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self.server._exit_status(self.pid)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        end = None if timeout is None else time.monotonic() + timeout
        with self.server._cond:
            while self.poll() is None:
                left = None if end is None else end - time.monotonic()
                if left is not None and left <= 0:
                    raise subprocess.TimeoutExpired(f"student process {self.pid}", timeout or 0)
                if not self.server._alive:
                    # the fork server is gone; its orphaned children are no longer ours to wait for
                    raise subprocess.TimeoutExpired(f"student process {self.pid}", timeout or 0)
                self.server._cond.wait(left if left is not None else 1.0)
        return self.returncode  # type: ignore[return-value]


class ForkServer:
    """The grader's handle on one fork server; thread-safe ``spawn``."""

    def __init__(self, env: dict[str, str], preload: list[str] | None = None, *, wait: bool = True) -> None:
        """Start the fork server; ``wait=False`` returns at once, and :meth:`ready` waits for its imports."""
        self._cond = threading.Condition()
        self._send_lock = threading.Lock()
        self._exits: dict[int, int] = {}
        self._replies: dict[int, dict] = {}
        self._next = 0
        self._alive = False
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._sock = parent
        from autograder.student_process.scratch import scratch_dir

        # no one's settings or caches; removed with the scratch folder if this grader is killed
        self._home = tempfile.mkdtemp(prefix="server-home-", dir=scratch_dir())
        self._log = tempfile.NamedTemporaryFile(prefix="server-", suffix=".log", delete=False, dir=scratch_dir())
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-P", "-m", "autograder.student_process.fork_server", str(child.fileno()), json.dumps(preload or [])],
                env={**env, "HOME": self._home}, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                pass_fds=(child.fileno(),), start_new_session=True, cwd=tempfile.gettempdir(),
            )
        finally:
            child.close()
        self._started = False
        if wait:
            self.ready()

    def ready(self) -> None:
        """Wait until the fork server has imported everything (once); RuntimeError if it never does."""
        if self._started:
            return
        self._started = True
        ready, _, _ = select.select([self._sock], [], [], READY_TIMEOUT)
        hello = self._read() if ready else None
        if not hello or not hello.get("ready"):
            self.close()
            raise RuntimeError(f"the fork server did not start: {self.log_tail()}")
        self._alive = True
        self._reader = threading.Thread(target=self._read_loop, name="nncourse-server", daemon=True)
        self._reader.start()

    def _read(self) -> dict | None:
        try:
            data = self._sock.recv(65536)
        except OSError:
            return None
        return json.loads(data) if data else None

    def _read_loop(self) -> None:
        while True:
            message = self._read()
            with self._cond:
                if message is None:
                    self._alive = False
                    self._cond.notify_all()
                    return
                if "exited" in message:
                    self._exits[int(message["exited"])] = int(message["status"])
                elif "request" in message:
                    self._replies[int(message["request"])] = message
                self._cond.notify_all()

    def _exit_status(self, pid: int) -> int | None:
        with self._cond:
            return self._exits.get(pid)

    @property
    def alive(self) -> bool:
        return self._alive and self.process.poll() is None

    def spawn(self, spec: dict[str, Any], fds: list[int], timeout: float = 30.0) -> ForkedProcess:
        """Fork a student process described by ``spec`` (env, cwd, sandbox) given ``fds``
        (the runner's read end, write end and its output file). Raises RuntimeError on failure."""
        with self._cond:
            self._next += 1
            request = self._next
        data = json.dumps({"request": request, **spec}).encode()
        with self._send_lock:
            try:
                socket.send_fds(self._sock, [data], fds)
            except OSError as exc:
                raise RuntimeError(f"the fork server is gone ({exc})") from None
        end = time.monotonic() + timeout
        with self._cond:
            while request not in self._replies:
                if not self._alive or time.monotonic() > end:
                    raise RuntimeError("the fork server did not answer")
                self._cond.wait(0.5)
            reply = self._replies.pop(request)
        if "pid" not in reply:
            raise RuntimeError(f"the fork server could not start a process: {reply.get('error')}")
        return ForkedProcess(self, int(reply["pid"]))

    def log_tail(self, limit: int = 2000) -> str:
        try:
            return Path(self._log.name).read_text(errors="replace")[-limit:]
        except OSError:
            return ""

    def close(self) -> None:
        self._alive = False
        try:
            self._sock.close()
        except OSError:
            pass
        if getattr(self, "process", None) is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.process.wait(timeout=10)
        self._log.close()
        Path(self._log.name).unlink(missing_ok=True)
        shutil.rmtree(self._home, ignore_errors=True)
        with self._cond:
            self._cond.notify_all()


_shared: dict[str, ForkServer] = {}
_shared_lock = threading.Lock()
_failed: set[str] = set()


def enabled() -> bool:
    """Off when NNCOURSE_FORK_SERVER=0 (every student process then starts from scratch)."""
    return os.environ.get("NNCOURSE_FORK_SERVER", "1") != "0"


def shared(env: dict[str, str], preload: list[str] | None = None, *, wait: bool = True) -> ForkServer | None:
    """This process's fork server for ``env`` (started on first use), or None if it cannot run.

    ``wait=False`` starts it and returns at once (the grader imports its own modules meanwhile); a
    later call waits for it. The fork server dies with the thread that started it: start it from a
    thread that lives as long as the grading.
    """
    if not enabled():
        return None
    key = json.dumps([env, preload or []], sort_keys=True)
    with _shared_lock:
        server = _shared.get(key)
        if server is not None and not server._started:
            if not wait:
                return server
            try:
                server.ready()
            except (RuntimeError, OSError) as exc:
                return _give_up(key, exc)
        if server is not None and server.alive:
            return server
        if server is not None:
            server.close()
            del _shared[key]
        if key in _failed:
            return None
        try:
            server = ForkServer(env, preload, wait=wait)
        except (RuntimeError, OSError) as exc:
            return _give_up(key, exc)
        _shared[key] = server
        return server


def _give_up(key: str, exc: BaseException) -> None:
    """Note that no fork server can run for ``key``: every submission then starts from scratch."""
    print(f"nncourse: starting each submission from scratch: {exc}", file=sys.stderr)
    _shared.pop(key, None)
    _failed.add(key)
    return None


def close_all() -> None:
    with _shared_lock:
        for server in _shared.values():
            server.close()
        _shared.clear()


atexit.register(close_all)


# ---------------------------------------------------------------- the fork server process itself


def _set_parent_death_signal() -> None:
    """Die with the parent (the grader for the fork server, the fork server for a child), where Linux allows."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _child(spec: dict, fds: list[int], close_fds: list[int]) -> None:
    """In the forked child: become the submission's process, then run the notebook. Never returns."""
    code = 70
    try:
        for fd in close_fds:
            os.close(fd)
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
        os.setsid()
        read_fd, write_fd, out_fd = fds
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out_fd, 1)
        os.dup2(out_fd, 2)
        for fd in (null, out_fd):
            os.close(fd)
        from autograder.student_process.sandbox import enter

        enter(spec["sandbox"], [read_fd, write_fd])  # returns in the process that runs the notebook
        _set_parent_death_signal()
        os.environ.clear()
        os.environ.update(spec["env"])
        import tempfile as _tempfile

        _tempfile.tempdir = None  # computed again from TMPDIR (the fork server may have cached its own)
        os.chdir(spec["cwd"])
        from autograder.student_process import runner

        runner.main(read_fd, write_fd)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - report anything, then exit with a code the grader reads
        import traceback

        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def serve(sock_fd: int, preload: list[str]) -> None:
    """The fork server's loop: preload, say ready, then fork on request and report exits."""
    import importlib

    _set_parent_death_signal()
    sock = socket.socket(fileno=sock_fd)
    for name in PRELOAD:
        importlib.import_module(name)
    for name in preload:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a missing optional library only costs start-up time
            pass
    import matplotlib.font_manager  # noqa: F401 - builds the font cache once, here

    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    sock.send(json.dumps({"ready": True, "pid": os.getpid()}).encode())
    while True:
        ready, _, _ = select.select([sock, wake_r], [], [])
        if wake_r in ready:
            os.read(wake_r, 4096)
        while True:  # reap every child that has ended
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            sock.send(json.dumps({"exited": pid, "status": os.waitstatus_to_exitcode(status)}).encode())
        if sock in ready:
            try:
                data, fds, _, _ = socket.recv_fds(sock, 65536, 3)
            except OSError:
                return
            if not data:
                return  # the grader closed its end
            request = json.loads(data)
            try:
                if len(fds) != 3:
                    raise RuntimeError(f"expected 3 descriptors, got {len(fds)}")
                pid = os.fork()
            except Exception as exc:  # noqa: BLE001
                for fd in fds:
                    os.close(fd)
                sock.send(json.dumps({"request": request["request"], "error": str(exc)}).encode())
                continue
            if pid == 0:
                _child(request, fds, [sock.fileno(), wake_r, wake_w])
            for fd in fds:
                os.close(fd)
            sock.send(json.dumps({"request": request["request"], "pid": pid}).encode())


if __name__ == "__main__":
    serve(int(sys.argv[1]), json.loads(sys.argv[2]) if len(sys.argv) > 2 else [])
