"""A noisy neighbour cannot cost a concurrent submission a point (issue 14).

One submission starts as many busy processes as its process limit lets it, each in a session of
its own (where the kernel shares CPU per session, that takes one share each); a correct solution
that computes a little longer is graded in the same batch at the same time (two jobs). Time limits
count each submission's own CPU time (``student_process/cputime.py``), so the victim keeps all its
points whether or not a cgroup gives each submission a CPU share (the ``userns`` level, a TA's
laptop, has none), and the hog is stopped by its own CPU-time limit. When limits counted wall
time, the victim timed out with 0 points at the ``userns`` level. CI runs this file as root and
again as an ordinary user (``.ci/run``).
"""

from __future__ import annotations

import json

import nbformat
import pytest

from autograder.batch.run import grade_many
from autograder.engine.assignment import Assignment
from autograder.student_process.sandbox import level
from tests.attacks.test_attacks import HW, base_notebook, with_attack

pytestmark = pytest.mark.slow
LIMIT = 8  # seconds of CPU time per submission: the victim needs about 3.2, the hog burns 8 (~5 s on 2 cores)

HOG = '''
import os
for _ in range(60):
    try:
        if os.fork() == 0:
            os.setsid()  # a session each: where the kernel shares CPU per session (autogroup), 60 shares
            while True:
                pass
    except OSError:  # the process limit
        break
while True:
    pass
'''


# the victim computes for 2 s of its own CPU time after its cells (a student training a little
# longer): it still runs when the hog's processes have all started
VICTIM_WORK = '''
import time
_end = time.process_time() + 2
while time.process_time() < _end:
    pass
'''


def victim_notebook() -> dict:
    """The solution (full marks), with 2 s of computing at the end."""
    return with_attack(base_notebook("solution"), VICTIM_WORK)


def hog_notebook() -> dict:
    """A notebook whose first cell starts the busy processes: the victim meets them at once."""
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(HOG.strip())])


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("neighbours")
    hog, victim = tmp / "hog.ipynb", tmp / "victim.ipynb"
    hog.write_text(json.dumps(hog_notebook()), encoding="utf-8")
    victim.write_text(json.dumps(victim_notebook()), encoding="utf-8")
    results = grade_many([hog, victim], Assignment.load(HW), tmp / "out", jobs=2, timeout=LIMIT, memory_mb=2048)
    return {r.submission: r for r in results}


def test_victim_of_a_cpu_hog_in_the_same_batch_keeps_full_marks(graded):
    victim = graded["victim"]
    assert victim.status == "ok" and victim.score == victim.max_score > 0, (level(), victim.message)


def test_the_hog_is_stopped_by_its_own_cpu_time_limit(graded):
    hog = graded["hog"]
    assert hog.status == "timeout" and hog.score == 0
    assert f"the submission used {LIMIT} s of CPU time, its limit" in hog.message, hog.message
