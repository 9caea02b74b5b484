"""Confinement of the student process: one process tree the grader can always end, a read-only
view of the machine with the grader's files hidden, nothing shared with other submissions, limits.

What applies depends on what the platform allows; each result records the level in ``sandbox``:

- ``full``: the grader runs as root and Linux namespaces work (CI, Gradescope, a root container).
- ``userns``: an ordinary user (a TA's laptop) whose kernel lets unprivileged users make user
  namespaces (most current distributions): the same confinement, without a user id of its own.
- ``user``: root, but namespaces are refused: a throw-away user id, limits, cleanup by that id.
- ``none``: an ordinary user and the kernel refuses namespaces: limits, a clean environment and
  process-group cleanup only; ``nncourse grade`` says so loudly.

In ``full`` and ``userns`` the student process is built in three steps (:func:`enter`):

1. The process the grader started (or the fork server forked) makes new PID, IPC, mount,
   network and UTS namespaces (``userns``: inside a new user namespace mapping the TA's user id to
   itself) and forks. It stays outside as the grader's handle: it passes SIGINT on and exits the
   way the notebook's process ended (code or signal).
2. The child is process 1 of the new PID namespace. It builds the view: every mount private,
   secret paths and everything outside the system folders and what the process needs covered,
   the whole tree made read-only, then one tmpfs with a size quota mounted on ``/tmp`` and also
   giving ``/var/tmp``, ``/dev/shm``, ``/run/lock`` and the work folders, and a ``/proc`` that
   shows only this namespace. It forks the notebook's process and reaps whatever is orphaned.
   When it ends, the kernel kills every process left in the namespace: whatever names, sessions
   or process groups a submission used, killing the first process ends them all.
3. The notebook's process drops every privilege (``full``: the throw-away user id; ``userns``:
   all capabilities) and sets ``no_new_privs``.

Memory, processes and CPU share come from a control group where the grader may make one
(:mod:`autograder.student_process.cgroups`); resource limits (``RLIMIT_AS`` over what the process
holds when its code starts, which counts shared mappings; ``RLIMIT_NPROC`` where it counts per
sandbox) are applied in every mode by the runner before any student code runs.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
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
NAMESPACED = ("full", "userns")
PRIVATE_DIRS = ("/var/tmp", "/dev/shm", "/run/lock")  # besides /tmp: given from the private tmpfs
_lock = threading.Lock()
_in_use: set[int] = set()


@dataclass(frozen=True)
class ResourceLimits:
    """Limits for the student process; 0 means no limit."""

    memory_mb: int = 4096       # cgroup memory cap; RLIMIT_DATA, and RLIMIT_AS on top of the preloaded libraries
    processes: int = 64         # pids cgroup; RLIMIT_NPROC where it counts this sandbox alone
    file_mb: int = 256          # RLIMIT_FSIZE: the largest file the notebook may write
    disk_mb: int = 1024         # the private tmpfs: work folder, /tmp, /var/tmp, /dev/shm, /run/lock
    open_files: int = 256       # RLIMIT_NOFILE
    cpu_seconds: int = 0        # RLIMIT_CPU: 0 = the wall-clock limits alone

    def to_env(self, own_user: bool) -> str:
        """The limits as the runner reads them; ``own_user``: whether RLIMIT_NPROC counts this
        sandbox alone (a throw-away user id, or a user namespace of its own)."""
        data = asdict(self)
        if not own_user:
            data["processes"] = 0
        return json.dumps(data)


def _address_space() -> int:
    """Bytes of address space this process holds now (``/proc/self/statm``, read as bytes)."""
    try:
        return int(Path("/proc/self/statm").read_bytes().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def apply_limits(spec: str) -> None:
    """Set the limits described by ``spec`` (JSON of ResourceLimits) on this process.

    ``RLIMIT_AS`` is the address space held now (torch and friends, mostly mapped files) plus the
    memory cap: unlike ``RLIMIT_DATA`` it counts ``MAP_SHARED`` mappings too.
    """
    import resource

    data = json.loads(spec)
    memory = data.get("memory_mb", 0) * 2**20
    pairs = [(resource.RLIMIT_DATA, memory),
             (resource.RLIMIT_AS, memory and _address_space() + memory),
             (resource.RLIMIT_NPROC, data.get("processes", 0)),
             (resource.RLIMIT_FSIZE, data.get("file_mb", 0) * 2**20),
             (resource.RLIMIT_NOFILE, data.get("open_files", 0)),
             (resource.RLIMIT_CPU, data.get("cpu_seconds", 0))]
    for kind, value in pairs:
        if value:
            resource.setrlimit(kind, (int(value), int(value)))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crash writes no core file
    if data.get("file_mb"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-large write raises OSError instead


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


@lru_cache(maxsize=1)
def level() -> str:
    """The confinement student processes get here: ``full``, ``userns``, ``user`` or ``none``.

    Decided by entering a namespaced sandbox once, in a throw-away process (:func:`_self_test`).
    """
    if is_root():
        return "full" if _self_test("full") else "user"
    return "userns" if _self_test("userns") else "none"


def namespaces_available() -> bool:
    """True when student processes get their own namespaces here (levels ``full`` and ``userns``)."""
    return level() in NAMESPACED


def describe_level() -> str:
    """What the TA is told about the sandbox before grading (several lines for ``none``)."""
    mode = level()
    if mode == "full":
        return ("Sandbox: full (own user id and PID/IPC/mount/network namespaces, read-only view "
                "with grader files hidden, private /tmp, limits).")
    if mode == "userns":
        return ("Sandbox: userns (own user/PID/IPC/mount/network namespaces, read-only view with grader "
                "files hidden, private /tmp, limits; not root, so no user id of its own).")
    if mode == "user":
        return "Sandbox: user (own user id and resource limits; namespaces are not available here)."
    return ("\n" + "!" * 78 + "\n"
            "!! WARNING: Sandbox: none. This kernel refuses user namespaces to ordinary users, so\n"
            "!! submissions run as YOU: they can read and change your files (the hidden tests,\n"
            "!! the grader's code, other submissions, the gradebook), reach the network, signal\n"
            "!! and trace your processes, and leave processes running. Grade untrusted work as\n"
            "!! root in a container or VM, or enable unprivileged user namespaces (see README).\n"
            + "!" * 78)


SYSTEM_DIRS = frozenset({"bin", "boot", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc", "run",
                         "sbin", "sys", "usr", "var"})
MAX_HIDDEN = 4000  # entries covered at most (each is one mount)


def outside(needed: list[Path], root: Path = Path("/"), skip: frozenset[str] = frozenset()) -> list[Path]:
    """Every file and folder outside the system folders that the student process does not need.

    Walks from ``root`` down the paths leading to ``needed`` (the submission's folder, Python,
    the course's libraries) and returns each sibling met on the way: other checkouts of the
    course, home folders, other graders' temporary files. Symbolic links and special files are
    left alone (a link leads somewhere this walk covers; a special file holds no readable text).
    Top-level names in ``skip`` are left out (``tmp``, which the sandbox replaces as a whole).
    """
    wanted = [Path(p).resolve() for p in needed]
    hidden: list[Path] = []

    def walk(folder: Path, top: bool) -> None:
        try:
            children = sorted(folder.iterdir())
        except OSError:
            return
        for child in children:
            if (top and (child.name in SYSTEM_DIRS or child.name in skip)) or child.is_symlink():
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
    Python, the course's libraries), read-only, and nothing else: every other path,
    ``secret_paths`` included, is covered. ``writable`` (its working folder and TMPDIR) are
    fresh folders in its private tmpfs; the files already in ``workdir`` are copied there.
    """

    def __init__(self, workdir: Path, secret_paths: list[Path], limits: ResourceLimits,
                 needed: list[Path] | None = None, writable: list[Path] | None = None) -> None:
        self.workdir = workdir
        self.limits = limits
        self.uid: int | None = None
        self._lock_fd: int | None = None
        self.group: Any = None
        self.mode = level()
        if is_root():
            self.uid = self._allocate()
        self.needed = [Path(p).resolve() for p in (needed or [])]
        self.writable = [Path(p).absolute() for p in (writable or [workdir])]
        if self.mode in NAMESPACED and needed is not None:
            secret_paths = [*secret_paths, *outside([workdir, *self.writable, *needed], skip=frozenset({"tmp"}))]
        paths = [p for p in dict.fromkeys(Path(p).resolve() for p in secret_paths) if p.exists()]
        if self.mode in NAMESPACED:  # /tmp is replaced as a whole
            paths = [p for p in paths if not p.is_relative_to("/tmp")]
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

    @property
    def own_user(self) -> bool:
        """Whether RLIMIT_NPROC counts this sandbox alone (its own user id or user namespace)."""
        return self.uid is not None or self.mode == "userns"

    def prepare(self, scratch: Path | None = None) -> None:
        """Make the student's control group; without namespaces, give the throw-away user its
        working folder (and ``scratch``, its TMPDIR), and only those."""
        from autograder.student_process import cgroups

        if self.uid is not None:
            self._kill_all()  # leftovers of a grader that died while holding this id
        self.group = cgroups.create(f"{self.workdir.parent.name}-{os.urandom(4).hex()}",
                                    self.limits.memory_mb, self.limits.processes)
        if self.uid is None or self.mode != "user":
            return
        os.chmod(self.workdir.parent, 0o711)  # it may pass through, not list
        for path in [self.workdir, *self.workdir.rglob("*"), *([scratch] if scratch else [])]:
            os.chown(path, self.uid, self.uid, follow_symlinks=False)
        os.chmod(self.workdir, 0o700)

    def spec(self) -> dict:
        """What :func:`enter` needs to confine a process (plain JSON)."""
        spec: dict[str, Any] = {"mode": self.mode, "uid": self.uid,
                                "cgroup_procs": self.group.procs_files if self.group else []}
        if self.mode in NAMESPACED:
            spec.update(hide=[[str(p), p.is_dir()] for p in self.secret_paths],
                        expose=[str(p) for p in self.needed], writable=[str(p) for p in self.writable],
                        copy_from=str(self.workdir), disk_mb=self.limits.disk_mb)
        return spec

    def env(self) -> dict[str, str]:
        """Variables for a student process started from scratch: its limits, and the confinement
        it enters (:func:`enter_from_environment`) before anything else."""
        env = {"NNCOURSE_RLIMITS": self.limits.to_env(own_user=self.own_user)}
        if self.mode != "none":
            env["NNCOURSE_SANDBOX"] = json.dumps(self.spec())
        return env

    def popen_user(self) -> dict:
        """Extra ``subprocess.Popen`` arguments (none: every level confines the process itself)."""
        return {}

    @property
    def forkable(self) -> bool:
        """Whether a process forked from the fork server can run here: without namespaces, only if
        the throw-away user can reach Python and the course's libraries by itself."""
        return self.mode != "user" or all(_reachable_by_others(p) for p in self.needed)

    def out_of_memory(self) -> bool:
        """Whether the kernel killed one of the student's processes for going past the memory cap."""
        return bool(self.group and self.group.out_of_memory())

    def release(self) -> None:
        """Kill whatever the student process left (its group, its user id), then free them."""
        if self.group is not None:
            self.group.remove()
            self.group = None
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
        for _ in range(20):
            pids = processes_of(self.uid)
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.02)


# ------------------------------------------------------------------ inside the student process

_CLONE_NEWNS, _CLONE_NEWUTS, _CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
_CLONE_NEWUSER, _CLONE_NEWPID, _CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 1, 2, 4, 8
_MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 32, 4096, 16384, 1 << 18
_PR_SET_PDEATHSIG, _PR_SET_DUMPABLE, _PR_CAPBSET_DROP = 1, 4, 24
_PR_SET_NO_NEW_PRIVS, _PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL = 38, 47, 4
_SYS_MOUNT_SETATTR = {"x86_64": 442, "aarch64": 442, "riscv64": 442}
_AT_FDCWD, _AT_RECURSIVE, _MOUNT_ATTR_RDONLY = -100, 0x8000, 0x1


class _Libc:
    """The few system calls :func:`enter` makes, raising OSError with what failed."""

    def __init__(self) -> None:
        import ctypes

        self.ctypes = ctypes
        self.libc = ctypes.CDLL(None, use_errno=True)

    def check(self, result: int, what: str, gone_is_fine: bool = False) -> None:
        if result != 0:
            err = self.ctypes.get_errno()
            if gone_is_fine and err == errno.ENOENT:
                return  # removed since it was listed (another submission's folder): nothing to hide
            raise OSError(err, f"sandbox: {what}: {os.strerror(err)}")

    def mount(self, source: bytes | None, target: str | bytes, kind: bytes | None, flags: int,
              data: bytes | None, what: str, gone_is_fine: bool = False) -> None:
        target = os.fsencode(target)
        self.check(self.libc.mount(source, target, kind, flags, data), what, gone_is_fine)

    def prctl(self, option: int, value: int, what: str) -> None:
        self.check(self.libc.prctl(option, value, 0, 0, 0), what)

    def read_only_tree(self) -> None:
        """Make every mount of this namespace read-only (mount_setattr, or a remount per mount)."""
        number = _SYS_MOUNT_SETATTR.get(os.uname().machine)
        if number is not None:
            attr = (self.ctypes.c_uint64 * 4)(_MOUNT_ATTR_RDONLY, 0, 0, 0)  # set, clear, propagation, userns
            result = self.libc.syscall(number, _AT_FDCWD, b"/", _AT_RECURSIVE, self.ctypes.byref(attr),
                                       self.ctypes.sizeof(attr))
            if result == 0:
                return
            if self.ctypes.get_errno() != errno.ENOSYS:
                self.check(result, "read-only view")
        for point in reversed(_mount_points()):  # kernels before 5.12
            flags = _MS_REMOUNT | _MS_BIND | _MS_RDONLY | _locked_flags(point)
            self.mount(None, point, None, flags, None, f"read-only {os.fsdecode(point)}", gone_is_fine=True)


def _mount_points() -> list[bytes]:
    """Mount points of this namespace, from /proc/self/mountinfo read as bytes (octal escapes undone)."""
    points = []
    for line in Path("/proc/self/mountinfo").read_bytes().splitlines():
        fields = line.split(b" ")
        if len(fields) > 4:
            raw = fields[4]
            points.append(bytes(_unescape_octal(raw)))
    return points


def _unescape_octal(raw: bytes) -> bytearray:
    out, i = bytearray(), 0
    while i < len(raw):
        if raw[i:i + 1] == b"\\" and raw[i + 1:i + 4].isdigit():
            out.append(int(raw[i + 1:i + 4], 8))
            i += 4
        else:
            out.append(raw[i])
            i += 1
    return out


def _locked_flags(point: bytes) -> int:
    """A mount's nosuid/nodev/noexec/atime flags, which a remount must repeat (they may be locked)."""
    try:
        flag = os.statvfs(point).f_flag
    except OSError:
        return 0
    pairs = ((os.ST_NOSUID, _MS_NOSUID), (os.ST_NODEV, _MS_NODEV), (os.ST_NOEXEC, _MS_NOEXEC),
             (1024, 1024), (2048, 2048), (4096, 1 << 21))  # noatime, nodiratime, relatime
    return sum(ms for st, ms in pairs if flag & st)


def enter_from_environment(keep_fds: list[int]) -> None:
    """For a runner started from scratch: enter ``NNCOURSE_SANDBOX`` (set by :meth:`Sandbox.env`),
    before anything that might start a thread is imported."""
    spec = os.environ.pop("NNCOURSE_SANDBOX", None)
    if spec:
        enter(json.loads(spec), keep_fds)


def enter(spec: dict, keep_fds: list[int] = ()) -> None:  # type: ignore[assignment]
    """Confine the calling process as ``spec`` (:meth:`Sandbox.spec`) says; returns in the process
    that runs the notebook. ``keep_fds`` are descriptors only that process keeps (the channel to
    the grader): the two processes in between close them, so the grader sees the channel close
    when the notebook's process ends. Raises OSError if a step fails."""
    mode, uid = spec.get("mode", "none"), spec.get("uid")
    if mode == "none":
        return
    libc = _Libc()
    for procs in spec.get("cgroup_procs", []):  # before any namespace: children inherit the group
        Path(procs).write_text(str(os.getpid()))
    if mode == "user":
        _drop_to(uid, libc)
        return
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, "die with the grader")
    flags = _CLONE_NEWNS | _CLONE_NEWPID | _CLONE_NEWIPC | _CLONE_NEWNET | _CLONE_NEWUTS
    if mode == "userns":
        outer_uid, outer_gid = os.getuid(), os.getgid()
        libc.prctl(_PR_SET_DUMPABLE, 1, "own /proc/self")  # after a switch from root it is not
        libc.check(libc.libc.unshare(_CLONE_NEWUSER | flags), "unshare")
        Path("/proc/self/setgroups").write_text("deny")
        Path("/proc/self/uid_map").write_text(f"{outer_uid} {outer_uid} 1")
        Path("/proc/self/gid_map").write_text(f"{outer_gid} {outer_gid} 1")
    else:
        libc.check(libc.libc.unshare(flags), "unshare")
    status_r, status_w = os.pipe()  # process 1 tells the handle how the notebook's process ended
    alive_r, alive_w = os.pipe()    # the handle holds alive_w: process 1 sees EOF once it is gone
    first = os.fork()
    if first:
        for fd in (status_w, alive_r, *keep_fds):
            os.close(fd)
        _handle(first, status_r)  # never returns
    os.close(status_r)
    os.close(alive_w)
    try:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, "die with the handle")
        if _ended(alive_r):
            os._exit(70)
        libc.prctl(_PR_SET_DUMPABLE, 0, "not traceable")  # the notebook's process cannot trace process 1
        _build_view(spec, libc)
        notebook = os.fork()
    except BaseException:  # noqa: BLE001 - report, then end: the handle exits with code 70
        import traceback

        traceback.print_exc()
        sys.stderr.flush()
        os._exit(70)
    if notebook:
        for fd in (alive_r, *keep_fds):
            os.close(fd)
        _reap(notebook, status_w)  # never returns
    os.close(status_w)
    os.close(alive_r)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, "die with process 1")
    libc.prctl(_PR_SET_DUMPABLE, 1, "dumpable")  # its own /proc/self stays readable to it
    if mode == "full":
        _drop_to(uid, libc)
    else:
        _drop_capabilities(libc)


def _ended(alive_r: int) -> bool:
    """Whether the handle (holder of the other end) has exited."""
    import select

    ready, _, _ = select.select([alive_r], [], [], 0)
    return bool(ready) and os.read(alive_r, 1) == b""


def _forward_interrupt(to: int) -> None:
    """SIGINT (the grader interrupting a cell) is passed on to ``to``."""
    def forward(*_: Any) -> None:
        try:
            os.kill(to, signal.SIGINT)
        except ProcessLookupError:
            pass

    signal.signal(signal.SIGINT, forward)


def _handle(first: int, status_r: int) -> None:
    """Outside the namespaces: wait for process 1, then end as the notebook's process ended."""
    _forward_interrupt(first)
    status = None
    while status is None:
        try:
            _, status = os.waitpid(first, 0)
        except ChildProcessError:
            break
    try:
        data = os.read(status_r, 64)
    except OSError:
        data = b""
    code = os.waitstatus_to_exitcode(int(data)) if data.strip().isdigit() else (
        os.waitstatus_to_exitcode(status) if status is not None else 70)
    if code == 0 and not data:
        code = 70  # process 1 ended without a report: the sandbox could not be built
    if code < 0:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if -code not in (signal.SIGKILL, signal.SIGSTOP):
            signal.signal(-code, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [-code])
        os.kill(os.getpid(), -code)
        code = 128 - code
    os._exit(code)


def _reap(notebook: int, status_w: int) -> None:
    """Process 1: reap every orphan until the notebook's process ends, report how, and exit (the
    kernel then kills whatever is left in the namespace)."""
    _forward_interrupt(notebook)
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            os._exit(70)
        if pid == notebook:
            os.write(status_w, str(status).encode())
            os._exit(0)


def _build_view(spec: dict, libc: _Libc) -> None:
    """Process 1, still privileged in its namespaces: the student's view of the file system."""
    uid = spec.get("uid")
    libc.mount(b"none", "/", None, _MS_REC | _MS_PRIVATE, None, "private mounts")
    source = os.open(spec["copy_from"], os.O_RDONLY | os.O_DIRECTORY) if spec.get("copy_from") else None
    for path, is_dir in spec.get("hide", []):
        if is_dir:
            libc.mount(b"nncourse-hidden", path, b"tmpfs", _MS_RDONLY | _MS_NOSUID | _MS_NODEV,
                       b"size=4k,mode=0555", f"hide {path}", gone_is_fine=True)
        else:
            libc.mount(b"/dev/null", path, None, _MS_BIND, None, f"hide {path}", gone_is_fine=True)
    _expose([Path(p) for p in spec.get("expose", [])], libc)
    libc.read_only_tree()
    size = max(1, int(spec.get("disk_mb") or 1024))
    libc.mount(b"nncourse-tmp", "/tmp", b"tmpfs", _MS_NOSUID | _MS_NODEV, f"size={size}m,mode=1777,nr_inodes="
               f"{max(1024, size * 64)}".encode(), "private /tmp")
    private = Path("/tmp/.sandbox")
    private.mkdir(mode=0o755)
    for n, target in enumerate(PRIVATE_DIRS):
        if os.path.isdir(target) and not os.path.islink(target):
            folder = private / f"d{n}"
            folder.mkdir()
            folder.chmod(0o1777)
            libc.mount(os.fsencode(folder), target, None, _MS_BIND, None, f"private {target}")
    for n, path in enumerate(Path(p) for p in spec.get("writable", [])):
        if path.is_relative_to("/tmp"):
            _makedirs(path)
        else:
            folder = private / f"w{n}"
            folder.mkdir(mode=0o700)
            libc.mount(os.fsencode(folder), str(path), None, _MS_BIND, None, f"writable {path}")
            path = folder
        if uid is not None:
            os.chown(path, uid, uid)
        path.chmod(0o700)
    if source is not None:
        _copy_files(source, Path(spec["writable"][0]), uid)
    libc.mount(b"proc", "/proc", b"proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC, None, "private /proc")


def _makedirs(path: Path) -> None:
    for parent in reversed(path.parents):
        if not parent.exists():
            parent.mkdir(mode=0o755)
    path.mkdir(mode=0o700, exist_ok=True)


def _copy_files(source: int, target: Path, uid: int | None) -> None:
    """The regular files of the grader's work folder (the notebook), copied into the student's."""
    try:
        for name in os.listdir(source):
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=source)
            try:
                if not os.path.isfile(f"/proc/self/fd/{fd}"):
                    continue
                with open(target / name, "wb") as out, os.fdopen(os.dup(fd), "rb") as data:
                    shutil.copyfileobj(data, out)
                if uid is not None:
                    os.chown(target / name, uid, uid)
            finally:
                os.close(fd)
    finally:
        os.close(source)


def _drop_to(uid: int | None, libc: _Libc) -> None:
    """From root to the throw-away user id: every capability goes with it."""
    if uid is None:
        return
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, "no new privileges")


def _drop_capabilities(libc: _Libc) -> None:
    """In its own user namespace, as the TA's user id: no capability left, none to gain."""
    ctypes = libc.ctypes
    for cap in range(64):
        if libc.libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 and ctypes.get_errno() == errno.EINVAL:
            break
    libc.libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)   # _LINUX_CAPABILITY_VERSION_3, this process
    data = (ctypes.c_uint32 * 6)()                    # effective, permitted, inheritable x 2: none
    libc.check(libc.libc.capset(ctypes.byref(header), ctypes.byref(data)), "drop capabilities")
    libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, "no new privileges")


def _reachable_by_others(path: Path) -> bool:
    """Whether a user other than the owner may pass through every folder above ``path``."""
    return all(p.stat().st_mode & 0o001 for p in path.parents if p != Path("/"))


def _expose(needed: list[Path], libc: _Libc) -> None:
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
            libc.mount(b"nncourse-path", top, b"tmpfs", 0, b"size=64k,mode=0755", f"cover {top}")
            for path, fd in handles.items():
                os.makedirs(path, mode=0o755, exist_ok=True)
                libc.mount(os.fsencode(f"/proc/self/fd/{fd}"), path, None, _MS_BIND | _MS_REC, None,
                           f"expose {path}")
        finally:
            for fd in handles.values():
                os.close(fd)


def processes_of(uid: int) -> list[int]:
    """PIDs of the processes whose real, effective or saved user id is ``uid``.

    ``/proc/<pid>/status`` is read as bytes: a process can name itself with bytes that are not
    UTF-8, and decoding them once let such a process survive every cleanup.
    """
    found = []
    wanted = str(uid).encode()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status", "rb") as handle:
                for line in handle:
                    if line.startswith(b"Uid:"):
                        if wanted in line.split()[1:4]:
                            found.append(int(entry.name))
                        break
        except OSError:
            continue
    return found


def notebook_process(handle: int) -> int | None:
    """The pid, as this process sees it, of the notebook's process under ``handle`` (the process
    the grader started): process 2 of the PID namespace that ``handle``'s child leads. Read from
    ``/proc`` as bytes; None if it is not (or no longer) there."""
    def children(pid: int) -> list[int]:
        try:
            return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_bytes().split()]
        except (OSError, ValueError):
            return []

    for first in children(handle):
        for pid in children(first):
            try:
                with open(f"/proc/{pid}/status", "rb") as handle_file:
                    for line in handle_file:
                        if line.startswith(b"NSpid:"):
                            if line.split()[-1] == b"2":
                                return pid
                            break
            except OSError:
                continue
    return None


# ------------------------------------------------------------------ is a level usable here?

def _self_test(mode: str) -> bool:
    """Enter a ``mode`` sandbox in a throw-away process and check it from inside."""
    folder = Path(tempfile.mkdtemp(prefix="nncourse-selftest-"))
    try:
        work = folder / "work"
        work.mkdir()
        (work / "note.txt").write_text("copied")
        spec = {"mode": mode, "uid": 65534 if mode == "full" else None, "hide": [], "expose": [],
                "writable": [str(work)], "copy_from": str(work), "disk_mb": 8, "cgroup_procs": []}
        code = ("import json, sys; from autograder.student_process import sandbox;"
                "sandbox._self_test_inside(json.loads(sys.argv[1]))")
        done = subprocess.run([sys.executable, "-P", "-c", code, json.dumps(spec)], capture_output=True,
                              text=True, timeout=60, cwd="/", env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                                                                   "LANG": "C.UTF-8"})
        return done.returncode == 0 and done.stdout.strip() == "sandboxed"
    except (OSError, subprocess.SubprocessError):
        return False
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _self_test_inside(spec: dict) -> None:
    """In the throw-away process: enter, then check the PID namespace, the view and the tmpfs."""
    enter(spec)
    work = Path(spec["writable"][0])
    checks = {
        "process 2 of its own PID namespace": os.getpid() == 2,
        "only its namespace in /proc": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()) == [1, 2],
        "the work folder copied": (work / "note.txt").read_text() == "copied",
        "the tree read-only": all(os.statvfs(p).f_flag & os.ST_RDONLY for p in ("/", sys.prefix, "/etc")),
        "/tmp writable": not os.statvfs("/tmp").f_flag & os.ST_RDONLY,
    }
    (work / "written.txt").write_text("ok")
    failed = [name for name, ok in checks.items() if not ok]
    print("sandboxed" if not failed else f"not confined: {', '.join(failed)}")
