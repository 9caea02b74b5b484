"""Scratch folders: a grader sweeps what ended graders left, never what a live one (or one starting) uses."""

from __future__ import annotations

import fcntl
import os
import time

from autograder.student_process import scratch


def folder(root, name, *, lock: str | None = None, age: float = 0.0):
    path = root / f"{scratch.PREFIX}{name}"
    path.mkdir()
    fd = None
    if lock is not None:
        fd = os.open(path / "lock", os.O_RDWR | os.O_CREAT, 0o600)
        if lock == "held":
            fcntl.flock(fd, fcntl.LOCK_EX)
        else:
            os.close(fd)
            fd = None
    if age:
        then = time.time() - age
        os.utime(path, (then, then))
    return path, fd


def test_sweep_removes_ended_graders_folders_only(tmp_path):
    ended, _ = folder(tmp_path, "ended", lock="free")
    live, fd = folder(tmp_path, "live", lock="held")
    starting, _ = folder(tmp_path, "starting")  # made by mkdtemp, its lock not made yet
    killed_early, _ = folder(tmp_path, "killed", age=scratch.UNLOCKED_GRACE + 5)
    try:
        removed = scratch.sweep(tmp_path)
    finally:
        os.close(fd)
    assert sorted(removed) == sorted([ended, killed_early])
    assert live.is_dir() and starting.is_dir()
