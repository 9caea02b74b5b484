"""Control groups and the scratch folder: caps that count shared memory, and what a killed grader left.

The group tests need a root grader with a writable cgroup hierarchy (CI); elsewhere they skip.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.student_process import cgroups, scratch

needs_groups = pytest.mark.skipif(cgroups.layout() is None, reason="no writable control groups here")

JOIN = "import sys; [open(p, 'w').write(str(__import__('os').getpid())) for p in sys.argv[1:]]\n"


def run_in(group: cgroups.Group, code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", JOIN + code, *group.procs_files], capture_output=True,
                          text=True, timeout=120)


@needs_groups
def test_a_group_caps_shared_memory_and_says_so():
    """MAP_SHARED memory counts against the group's cap: the hog is killed and the group knows why."""
    group = cgroups.create("test-memory", memory_mb=64, processes=16)
    assert group is not None
    try:
        done = run_in(group, "import mmap\nm = mmap.mmap(-1, 256 * 2**20, flags=mmap.MAP_SHARED | mmap.MAP_ANONYMOUS)\n"
                             "for i in range(0, len(m), 4096):\n    m[i] = 1\nprint('survived')")
        assert done.returncode == -signal.SIGKILL and "survived" not in done.stdout
        assert group.out_of_memory()
    finally:
        assert group.remove()
    assert not any(Path(f).parent.exists() for f in group.procs_files)


@needs_groups
def test_a_group_caps_the_number_of_processes():
    group = cgroups.create("test-pids", memory_mb=0, processes=8)
    try:
        done = run_in(group, "import os, time\nmade = 0\nfor _ in range(30):\n    try:\n"
                             "        if os.fork() == 0:\n            os.close(1)\n            os.close(2)\n            time.sleep(30)\n            os._exit(0)\n"
                             "        made += 1\n    except OSError:\n        break\nprint(made)")
        assert int(done.stdout) < 8
    finally:
        assert group.remove()  # kills the sleeping children too


def test_the_next_grader_removes_what_a_killed_one_left():
    """A grader killed with SIGKILL leaves its scratch folder (and groups); the next one removes them."""
    code = ("import json, os, signal; from autograder.student_process import cgroups, scratch\n"
            "folder = scratch.scratch_dir(); (folder / 'work.ipynb').write_text('{}')\n"
            "group = cgroups.create('left', memory_mb=64, processes=8)\n"
            "print(json.dumps([str(folder), group.procs_files if group else []]), flush=True)\n"
            "os.kill(os.getpid(), signal.SIGKILL)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == -signal.SIGKILL, done.stderr
    folder, procs = json.loads(done.stdout)
    assert Path(folder, "work.ipynb").exists() and all(Path(p).exists() for p in procs)
    scratch.sweep()
    assert not Path(folder).exists()
    assert not any(Path(p).parent.exists() for p in procs)
    assert scratch.scratch_dir().is_dir(), "this grader's own folder is made and kept"


def test_a_living_graders_folder_is_left_alone(tmp_path):
    code = "import sys, time; from autograder.student_process import scratch; print(scratch.scratch_dir(), flush=True); time.sleep(60)"
    other = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        folder = Path(other.stdout.readline().strip())
        scratch.sweep()
        assert folder.is_dir()
    finally:
        other.kill()
        other.wait()
    scratch.sweep()
    assert not folder.exists()
