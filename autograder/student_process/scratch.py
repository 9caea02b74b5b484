"""The grader's scratch folder: every temporary file of one grader process, and what a killed one left.

A grader process keeps its temporary files (the fork server's home and log, each submission's
work folder) in one folder, ``nncourse-run-XXXXXXXX`` in the system's temporary folder, holding a
lock on ``lock`` inside it for as long as it lives. The lock goes with the process, however it
ends: the next grader that starts finds folders whose lock is free and removes them, and the
control groups such a grader left (:func:`autograder.student_process.cgroups.sweep`). Only folders
owned by the user running the grader are touched, and links are never followed.
"""

from __future__ import annotations

import atexit
import fcntl
import os
import shutil
import stat
import tempfile
import threading
import time
from pathlib import Path

PREFIX = "nncourse-run-"
UNLOCKED_GRACE = 60.0  # seconds a scratch folder may exist before its grader has locked it
_lock = threading.Lock()
_current: tuple[int, Path, int] | None = None  # (pid, folder, locked descriptor)


def scratch_dir() -> Path:
    """This grader process's scratch folder (made, locked and leftovers swept on first use)."""
    global _current
    with _lock:
        if _current is not None and _current[0] == os.getpid() and _current[1].is_dir():
            return _current[1]
        sweep()
        folder = Path(tempfile.mkdtemp(prefix=PREFIX))
        folder.chmod(0o711)  # a throw-away user id may pass through to its own folder, not list
        fd = os.open(folder / "lock", os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.set_inheritable(fd, False)
        _current = (os.getpid(), folder, fd)
        return folder


def _close() -> None:
    global _current
    with _lock:
        if _current is None or _current[0] != os.getpid():
            return
        _, folder, fd = _current
        _current = None
    shutil.rmtree(folder, ignore_errors=True)
    os.close(fd)


atexit.register(_close)


def stale(folder: Path) -> bool:
    """Whether ``folder`` is a scratch folder of a grader that has ended (its lock is free)."""
    try:
        info = folder.lstat()
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
        return False
    try:
        fd = os.open(folder / "lock", os.O_RDWR | os.O_NOFOLLOW)
    except FileNotFoundError:
        # killed between making the folder and locking it, or a grader starting right now (two
        # graders on one machine): only a folder that stayed without a lock is left over
        return time.time() - info.st_mtime > UNLOCKED_GRACE
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # a grader holds it
    finally:
        os.close(fd)
    return True


def sweep(root: Path | None = None) -> list[Path]:
    """Remove the scratch folders and control groups of graders that have ended."""
    from autograder.student_process import cgroups

    root = Path(root or tempfile.gettempdir())
    removed = []
    try:
        candidates = [p for p in root.iterdir() if p.name.startswith(PREFIX)]
    except OSError:
        return removed
    for folder in candidates:
        if stale(folder):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    cgroups.sweep()
    return removed
