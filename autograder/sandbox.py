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

import json
import os
import shlex
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

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


class Sandbox:
    """Sets up one student process's confinement; ``release`` undoes it and kills leftovers."""

    def __init__(self, workdir: Path, secret_paths: list[Path], limits: ResourceLimits) -> None:
        self.workdir = workdir
        paths = [p for p in dict.fromkeys(Path(p).resolve() for p in secret_paths) if p.exists()]
        # a path inside another hidden path is hidden with it (and cannot be a mount point then)
        self.secret_paths = [p for p in paths if not any(q in p.parents for q in paths)]
        self.limits = limits
        self.uid: int | None = None
        self._lock_fd: int | None = None
        self.mode = "none"
        if is_root():
            self.uid = self._allocate()
            self.mode = "full" if namespaces_available() else "user"

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

    def prepare(self) -> None:
        """Give the throw-away user its working folder, and only that."""
        if self.uid is None:
            return
        self._kill_all()  # leftovers of a grader that died while holding this id
        os.chmod(self.workdir.parent, 0o711)  # it may pass through, not list
        for path in [self.workdir, *self.workdir.rglob("*")]:
            os.chown(path, self.uid, self.uid, follow_symlinks=False)
        os.chmod(self.workdir, 0o700)

    def env(self) -> dict[str, str]:
        return {"NNCOURSE_RLIMITS": self.limits.to_env(own_user=self.uid is not None)}

    def command(self, argv: list[str]) -> list[str]:
        """``argv`` wrapped so that it starts inside the sandbox."""
        if self.mode != "full":
            return argv
        script = ["set -e"]
        for path in self.secret_paths:
            target = shlex.quote(str(path))
            if path.is_dir():
                script.append(f"mount -t tmpfs -o ro,size=4k,mode=0555 nncourse-hidden {target}")
            else:
                script.append(f"mount --bind /dev/null {target}")
        script.append("exec setpriv --reuid={0} --regid={0} --clear-groups --no-new-privs --inh-caps=-all -- {1}"
                      .format(self.uid, " ".join(shlex.quote(a) for a in argv)))
        return ["unshare", "--net", "--mount", "--propagation", "private", "--", "sh", "-c", "\n".join(script)]

    def popen_user(self) -> dict:
        """Extra ``subprocess.Popen`` arguments (the user switch when namespaces are refused)."""
        if self.mode == "user":
            return {"user": self.uid, "group": self.uid, "extra_groups": []}
        return {}

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
