"""Confinement of the student process: its own user, no network, grader files hidden, limits.

What applies depends on what the platform allows, and the result records it:

- ``full``: the grader runs as root (CI, Gradescope) and Linux namespaces are available. The
  student process runs as a throw-away user id (one per concurrent submission) in new network
  and mount namespaces: no network interface but loopback, and every secret path (hidden tests,
  master notebooks, the git history, the grading bundle) covered by an empty read-only tmpfs.
- ``user``: root, but namespaces are refused: the throw-away user id only. Secret paths stay
  hidden only if they are not readable by other users.
- ``none``: the grader is an ordinary user (a TA's laptop): resource limits, a clean
  environment and a private working folder only.

Resource limits (memory, processes, file size, open files, CPU time) are applied by the
runner itself before any student code runs, so they hold in every mode.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

UID_BASE = 61000
UID_COUNT = 1000
# one lock file per id in use, shared by every grader on the machine; /run is not world-writable
LOCK_DIR = Path("/run/nncourse-sandbox-uids" if Path("/run").is_dir() else "/var/tmp/nncourse-sandbox-uids")
_lock = threading.Lock()
_in_use: set[int] = set()


@dataclass(frozen=True)
class ResourceLimits:
    """Limits for the student process; 0 means no limit."""

    memory_mb: int = 4096       # RLIMIT_DATA: heap and private mappings (torch alone needs ~1 GB)
    processes: int = 64         # RLIMIT_NPROC, only with a throw-away user id (it counts per user)
    file_mb: int = 256          # RLIMIT_FSIZE: the largest file the notebook may write
    open_files: int = 256       # RLIMIT_NOFILE
    cpu_seconds: int = 0        # RLIMIT_CPU: 0 = the wall-clock limits alone

    def to_env(self, own_user: bool) -> str:
        data = asdict(self)
        if not own_user:
            data["processes"] = 0
        return json.dumps(data)


def apply_limits(spec: str) -> None:
    """Set the limits described by ``spec`` (JSON of ResourceLimits) on this process."""
    import resource

    data = json.loads(spec)
    pairs = [(resource.RLIMIT_DATA, data.get("memory_mb", 0) * 2**20),
             (resource.RLIMIT_NPROC, data.get("processes", 0)),
             (resource.RLIMIT_FSIZE, data.get("file_mb", 0) * 2**20),
             (resource.RLIMIT_NOFILE, data.get("open_files", 0)),
             (resource.RLIMIT_CPU, data.get("cpu_seconds", 0))]
    for kind, value in pairs:
        if value:
            resource.setrlimit(kind, (int(value), int(value)))
    if data.get("file_mb"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-large write raises OSError instead


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


@lru_cache(maxsize=1)
def namespaces_available() -> bool:
    """True when ``unshare`` can make network and mount namespaces here."""
    if not (is_root() and shutil.which("unshare") and shutil.which("setpriv")):
        return False
    try:
        done = subprocess.run(["unshare", "--net", "--mount", "--", "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def describe_level() -> str:
    """One line for the TA: which sandbox level submissions will get here, and what it means."""
    if is_root() and namespaces_available():
        return "Sandbox: full (own user id, no network, grader files hidden, resource limits)."
    if is_root():
        return "Sandbox: user (own user id and resource limits; namespaces are not available here)."
    return ("Sandbox: none (not root): resource limits only; submissions can read what you can read. "
            "Grade untrusted work as root in a container or VM (see README).")


SYSTEM_DIRS = frozenset({"bin", "boot", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc", "run",
                         "sbin", "sys", "usr", "var"})
MAX_HIDDEN = 4000  # entries covered at most (each is one mount)


def outside(needed: list[Path], root: Path = Path("/")) -> list[Path]:
    """Every file and folder outside the system folders that the student process does not need.

    Walks from ``root`` down the paths leading to ``needed`` (the submission's folder, Python,
    the course's libraries) and returns each sibling met on the way: other checkouts of the
    course, home folders, other graders' temporary files. Symbolic links and special files are
    left alone (a link leads somewhere this walk covers; a special file holds no readable text).
    """
    wanted = [Path(p).resolve() for p in needed]
    hidden: list[Path] = []

    def walk(folder: Path, top: bool) -> None:
        try:
            children = sorted(folder.iterdir())
        except OSError:
            return
        for child in children:
            if (top and child.name in SYSTEM_DIRS) or child.is_symlink():
                continue
            if any(n == child for n in wanted):
                continue
            if any(child in n.parents for n in wanted):
                walk(child, False)
            elif child.is_dir() or child.is_file():
                hidden.append(child)
            if len(hidden) >= MAX_HIDDEN:
                return

    walk(root, True)
    return hidden


class Sandbox:
    """Sets up one student process's confinement; ``release`` undoes it and kills leftovers.

    With namespaces, the process sees the system folders and ``needed`` (its working folder,
    Python, the course's libraries) and nothing else: every other path, ``secret_paths``
    included, is covered.
    """

    def __init__(self, workdir: Path, secret_paths: list[Path], limits: ResourceLimits,
                 needed: list[Path] | None = None) -> None:
        self.workdir = workdir
        self.limits = limits
        self.uid: int | None = None
        self._lock_fd: int | None = None
        self.mode = "none"
        if is_root():
            self.uid = self._allocate()
            self.mode = "full" if namespaces_available() else "user"
        self.needed = [Path(p).resolve() for p in (needed or [])]
        if self.mode == "full" and needed is not None:
            secret_paths = [*secret_paths, *outside([workdir, *needed])]
        paths = [p for p in dict.fromkeys(Path(p).resolve() for p in secret_paths) if p.exists()]
        # a path inside another hidden path is hidden with it (and cannot be a mount point then)
        self.secret_paths = [p for p in paths if not any(q in p.parents for q in paths)]

    def _allocate(self) -> int:
        """A user id no other grading process on this machine holds (a lock file per id)."""
        import fcntl

        LOCK_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
        if LOCK_DIR.stat().st_uid != 0:
            raise RuntimeError(f"{LOCK_DIR} is not owned by root: refusing to use it")
        with _lock:
            for uid in range(UID_BASE, UID_BASE + UID_COUNT):
                if uid in _in_use:
                    continue
                fd = os.open(LOCK_DIR / f"{uid}.lock", os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    os.close(fd)
                    continue
                _in_use.add(uid)
                self._lock_fd = fd
                return uid
        raise RuntimeError("no free sandbox user id")

    def prepare(self, scratch: Path | None = None) -> None:
        """Give the throw-away user its working folder (and ``scratch``, its TMPDIR), and only those."""
        if self.uid is None:
            return
        self._kill_all()  # leftovers of a grader that died while holding this id
        os.chmod(self.workdir.parent, 0o711)  # it may pass through, not list
        for path in [self.workdir, *self.workdir.rglob("*"), *([scratch] if scratch else [])]:
            os.chown(path, self.uid, self.uid, follow_symlinks=False)
        os.chmod(self.workdir, 0o700)

    def spec(self) -> dict:
        """What :func:`enter` needs to confine a process (plain JSON)."""
        full = self.mode == "full"
        return {"mode": self.mode, "uid": self.uid,
                "hide": [[str(p), p.is_dir()] for p in self.secret_paths] if full else [],
                "expose": [str(p) for p in self.needed] if full else []}

    def env(self) -> dict[str, str]:
        """Variables for a student process started from scratch: its limits, and the confinement
        ``autograder.student_process.runner`` enters (:func:`enter`) before anything else."""
        env = {"NNCOURSE_RLIMITS": self.limits.to_env(own_user=self.uid is not None)}
        if self.mode == "full":
            env["NNCOURSE_SANDBOX"] = json.dumps(self.spec())
        return env

    def popen_user(self) -> dict:
        """Extra ``subprocess.Popen`` arguments: the user switch when namespaces are refused."""
        if self.mode == "user":
            return {"user": self.uid, "group": self.uid, "extra_groups": []}
        return {}

    @property
    def forkable(self) -> bool:
        """Whether a process forked from the fork server can run here: without namespaces, only if
        the throw-away user can reach Python and the course's libraries by itself."""
        return self.mode != "user" or all(_reachable_by_others(p) for p in self.needed)

    def release(self) -> None:
        """Kill every process still running as the throw-away user, then free the id."""
        if self.uid is None:
            return
        self._kill_all()
        with _lock:
            _in_use.discard(self.uid)
            if self._lock_fd is not None:
                os.close(self._lock_fd)  # closing the descriptor frees the id for other graders
                self._lock_fd = None
        self.uid = None

    def _kill_all(self) -> None:
        for _ in range(5):
            pids = processes_of(self.uid)
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.05)


_CLONE_NEWNS, _CLONE_NEWNET = 0x00020000, 0x40000000
_MS_RDONLY, _MS_BIND, _MS_REC, _MS_PRIVATE = 1, 4096, 16384, 1 << 18
_PR_SET_NO_NEW_PRIVS = 38


def enter(spec: dict) -> None:
    """Confine the calling process as :meth:`Sandbox.command` does for a new one (forked children).

    ``full``: new network and mount namespaces, secret paths covered, then the throw-away user;
    ``user``: the user switch only; ``none``: nothing. Raises OSError if a step fails.
    """
    import ctypes

    mode, uid = spec.get("mode", "none"), spec.get("uid")
    if mode == "none" or uid is None:
        return
    libc = ctypes.CDLL(None, use_errno=True)

    def call(result: int, what: str, gone_is_fine: bool = False) -> None:
        if result != 0:
            err = ctypes.get_errno()
            if gone_is_fine and err == errno.ENOENT:
                return  # removed since it was listed (another submission's folder): nothing to hide
            raise OSError(err, f"sandbox: {what}: {os.strerror(err)}")

    if mode == "full":
        call(libc.unshare(_CLONE_NEWNS | _CLONE_NEWNET), "unshare")
        call(libc.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None), "private mounts")
        for path, is_dir in spec.get("hide", []):
            target = os.fsencode(path)
            if is_dir:
                call(libc.mount(b"nncourse-hidden", target, b"tmpfs", _MS_RDONLY, b"size=4k,mode=0555"),
                     f"hide {path}", gone_is_fine=True)
            else:
                call(libc.mount(b"/dev/null", target, None, _MS_BIND, None), f"hide {path}", gone_is_fine=True)
        _expose([Path(p) for p in spec.get("expose", [])], call, libc)
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)  # from root to another user: every capability is dropped
    call(libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no new privileges")


def _reachable_by_others(path: Path) -> bool:
    """Whether a user other than the owner may pass through every folder above ``path``."""
    return all(p.stat().st_mode & 0o001 for p in path.parents if p != Path("/"))


def _expose(needed: list[Path], call: Any, libc: Any) -> None:
    """Make each needed path reachable for the throw-away user inside the mount namespace.

    A folder above it that others may not pass through (``/root`` holding a pyenv or uv Python,
    say) is covered with a fresh tmpfs that others may pass through, holding only the needed
    path, bind-mounted back where it was. Nothing else of that folder becomes visible.
    """
    blocked: dict[Path, list[Path]] = {}
    for path in needed:
        tops = [p for p in reversed(path.parents) if p != Path("/") and not p.stat().st_mode & 0o001]
        if tops:
            blocked.setdefault(tops[0], []).append(path)
    for top, paths in sorted(blocked.items()):
        if any(other in top.parents for other in blocked):
            continue  # inside another blocked folder: handled with it
        inner = sorted({p for t, ps in blocked.items() if t == top or top in t.parents for p in ps})
        handles = {p: os.open(p, os.O_PATH | os.O_DIRECTORY) for p in inner}
        try:
            call(libc.mount(b"nncourse-path", os.fsencode(top), b"tmpfs", 0, b"size=64k,mode=0755"),
                 f"cover {top}")
            for path, fd in handles.items():
                os.makedirs(path, mode=0o755, exist_ok=True)
                call(libc.mount(os.fsencode(f"/proc/self/fd/{fd}"), os.fsencode(path), None,
                                _MS_BIND | _MS_REC, None), f"expose {path}")
        finally:
            for fd in handles.values():
                os.close(fd)


def processes_of(uid: int) -> list[int]:
    """PIDs of the processes whose real user id is ``uid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("Uid:"):
                    if int(line.split()[1]) == uid:
                        found.append(int(entry.name))
                    break
        except (OSError, ValueError):
            continue
    return found
