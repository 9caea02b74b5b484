"""The CPU time a submission's limits are charged on, read from /proc for a real process tree.

Each tree is a small Python process (no torch) that spins for a known amount of its own CPU time
(``time.process_time``), so the figures are exact up to Python's start-up and the clock tick.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import pytest

from autograder.student_process.cputime import WALL_FACTOR, Allowance, Meter, tree_cpu_seconds

SPIN = "import time\ndef spin(s):\n    end = time.process_time() + s\n    while time.process_time() < end: pass\n"


def tree(code: str) -> subprocess.Popen:
    """A process running ``code`` (with ``spin``) that prints "ready" when done, then waits for stdin."""
    return subprocess.Popen([sys.executable, "-c", SPIN + textwrap.dedent(code) + "\nprint('ready', flush=True)\n"
                             "import sys; sys.stdin.read()"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def end(process: subprocess.Popen) -> None:
    process.stdin.close()
    process.wait(timeout=10)


def test_reaped_children_count_with_the_parent():
    """A child that spun and was reaped still counts (the parent's cutime), as does the parent."""
    process = tree("""
        import os
        child = os.fork()
        if child == 0:
            spin(0.6)
            os._exit(0)
        os.waitpid(child, 0)
        spin(0.3)
    """)
    try:
        assert process.stdout.readline().strip() == "ready"
        seconds = tree_cpu_seconds(process.pid)
    finally:
        end(process)
    assert 0.9 - 0.05 <= seconds < 0.9 + 1.0  # clock ticks; plus Python's start-up


def test_live_grandchildren_count_while_they_run():
    """A busy grandchild two levels down is found through every thread's children and counted."""
    process = tree("""
        import os
        if os.fork() == 0:
            if os.fork() == 0:
                while True: pass
            import time; time.sleep(60); os._exit(0)
    """)
    try:
        assert process.stdout.readline().strip() == "ready"
        first = tree_cpu_seconds(process.pid)
        time.sleep(0.5)
        second = tree_cpu_seconds(process.pid)
    finally:
        for pid in _descendants(process.pid):
            os.kill(pid, 9)
        end(process)
    assert second - first >= 0.2  # on a busy machine the spinner gets part of a core


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        for tid in os.listdir(f"/proc/{current}/task"):
            with open(f"/proc/{current}/task/{tid}/children") as handle:
                kids = [int(c) for c in handle.read().split()]
            found += kids
            todo += kids
    return found


def test_extra_processes_get_the_lowest_priority_and_the_notebook_keeps_its_own():
    """Every process under the root but the spared one (the notebook's) is given niceness 19."""
    process = tree("""
        import os, time
        if os.fork() == 0:
            time.sleep(60); os._exit(0)
    """)
    try:
        assert process.stdout.readline().strip() == "ready"
        [child] = _descendants(process.pid)
        tree_cpu_seconds(process.pid, spare=process.pid, nice=19)
        assert os.getpriority(os.PRIO_PROCESS, child) == 19
        assert os.getpriority(os.PRIO_PROCESS, process.pid) == os.getpriority(os.PRIO_PROCESS, 0)
    finally:
        os.kill(child, 9)
        end(process)


def test_a_spinning_tree_runs_out_of_cpu_time_not_wall_time():
    process = tree("while True: pass")
    try:
        allowance = Allowance(Meter(process.pid), 0.3)
        while not allowance.exceeded():
            time.sleep(allowance.next_check())
        cpu, _ = allowance.used()
        assert allowance.exceeded() == "cpu" and 0.3 <= cpu < 0.3 + 0.5
        assert allowance.describe("cpu") == "used 0.3 s of CPU time, its limit"
    finally:
        process.kill()
        process.wait()


def test_a_sleeping_tree_runs_into_the_wall_backstop():
    process = tree("")
    try:
        assert process.stdout.readline().strip() == "ready"
        allowance = Allowance(Meter(process.pid), 0.2)
        while not allowance.exceeded():
            time.sleep(allowance.next_check())
        cpu, wall = allowance.used()
        assert allowance.exceeded() == "wall" and cpu < 0.05 and wall >= WALL_FACTOR * 0.2
        assert allowance.describe("wall").startswith(f"ran 0.8 s of wall time ({WALL_FACTOR:g} x its limit of 0.2 s")
    finally:
        end(process)


def test_the_meter_never_goes_back_when_processes_end():
    """A busy child that ends unreaped-then-reaped never makes the reading drop."""
    process = tree("""
        import os
        child = os.fork()
        if child == 0:
            spin(0.3); os._exit(0)
        os.waitpid(child, 0)
    """)
    meter = Meter(process.pid)
    try:
        assert process.stdout.readline().strip() == "ready"
        before = meter.seconds()
    finally:
        end(process)
    time.sleep(0.02)
    assert meter.seconds() == before >= 0.3 - 0.05  # the process is gone: the last reading stays


@pytest.mark.parametrize("kind", ["cpu", "wall"])
def test_an_explicit_wall_limit_is_named_as_such(kind):
    allowance = Allowance(Meter(os.getpid(), renice=False), 10.0, wall=10.0)
    assert allowance.wall == 10.0
    if kind == "wall":
        assert "(its limit on wall time)" in allowance.describe(kind)
    else:
        assert allowance.describe(kind) == "used 10 s of CPU time, its limit"
