"""The fork server: a submission forked from it is graded exactly as one started from scratch.

README "Speed": batches start each submission's process from a fork server that has imported torch
once. These tests hold it to the same results, isolation and clean-up as a fresh interpreter,
and check that grading goes on (from scratch) when the fork server is gone.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from autograder.student_process import fork_server
from autograder.authoring.corpus import fill_student_notebook
from autograder.engine.assignment import Assignment
from tests.helpers import code_notebook, without_timings
from autograder.engine.grade import grade_submission
from autograder.student_process.session import base_env

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def hw01() -> Assignment:
    return Assignment.load("hw01")


@pytest.fixture(scope="module")
def server(hw01):
    server = fork_server.ForkServer(base_env(hw01.config.threads))
    yield server
    server.close()



def test_forked_and_fresh_processes_give_identical_results(hw01, server, tmp_path):
    """Solution, a raising cell and a process that kills itself: same result dict either way."""
    solution = tmp_path / "solution.ipynb"
    solution.write_text(json.dumps(fill_student_notebook("hw01", {})), encoding="utf-8")
    cases = [solution,
             code_notebook(tmp_path / "raises.ipynb", "x = 1", "raise ValueError('no model yet')"),
             code_notebook(tmp_path / "exits.ipynb", "import os\nos._exit(3)")]
    for path in cases:
        forked = grade_submission(path, hw01, fork_server=server)
        fresh = grade_submission(path, hw01)
        assert without_timings(forked) == without_timings(fresh), path.name
    assert forked.status == "kernel_died" and "exited with code 3" in forked.message


def test_forked_process_runs_confined_and_leaves_nothing_behind(hw01, server, tmp_path):
    """The child runs in the submission's folder with its own environment, and a process it
    started in the background does not outlive the grading (found by its arguments: the child's
    own pid is one of its PID namespace)."""
    marker = f"{300 + os.getpid() % 1000}.{time.time_ns() % 10**6:06d}"
    path = code_notebook(tmp_path / "lingers.ipynb",
                         "import os, subprocess, tempfile\n"
                         f"child = subprocess.Popen(['sleep', '{marker}'])\n"
                         "print(os.getcwd() == os.environ['HOME'], tempfile.gettempdir() != '/tmp',"
                         " 'NNCOURSE_TEST_SECRET' in os.environ)")
    os.environ["NNCOURSE_TEST_SECRET"] = "x"
    try:
        result = grade_submission(path, hw01, fork_server=server)
    finally:
        del os.environ["NNCOURSE_TEST_SECRET"]
    own_home, own_tmp, secret = result.cells[0].output.split()
    assert (own_home, own_tmp, secret) == ("True", "True", "False")
    wanted = f"sleep\0{marker}\0".encode()
    alive = [p for p in Path("/proc").iterdir() if p.name.isdigit() and _cmdline(p) == wanted]
    assert alive == [], "the background process survived"


def _cmdline(entry: Path) -> bytes:
    try:
        return (entry / "cmdline").read_bytes()
    except OSError:
        return b""


def test_grading_goes_on_from_scratch_when_the_fork_server_is_gone(hw01, tmp_path):
    server = fork_server.ForkServer(base_env(hw01.config.threads))
    server.process.kill()
    server.process.wait()
    result = grade_submission(code_notebook(tmp_path / "fine.ipynb", "x = 1"), hw01, fork_server=server)
    server.close()
    assert result.status == "ok" and result.cells[0].error is None


def test_preload_list_is_made_without_importing_what_it_lists(tmp_path):
    """The grader reads the notebook's imports and checks they are installed without importing them:
    importing sklearn there put seconds before the fork server even started."""
    import subprocess
    import sys

    notebook = code_notebook(tmp_path / "nb.ipynb", "from sklearn.linear_model import LogisticRegression",
                             "import numpy as np\nimport otter\nimport no_such_package_here")
    done = subprocess.run([sys.executable, "-c", (
        "import sys; from autograder.student_process.fork_server import preload_for; "
        f"print(preload_for(__import__('pathlib').Path({str(notebook)!r}), ['scipy.stats'])); "
        "print(sorted(m for m in ('sklearn', 'scipy') if m in sys.modules))")],
        capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[:2] == ["['sklearn.linear_model', 'scipy.stats']", "[]"], done.stdout


def test_a_fork_server_started_without_waiting_is_the_one_grading_uses(hw01, tmp_path):
    """`nncourse grade` starts the fork server before importing the grader (wait=False); the first
    grading waits for that same server instead of starting another."""
    env = {**base_env(hw01.config.threads), "NNCOURSE_TEST_PRESTART": str(tmp_path)}  # a key of its own
    early = fork_server.shared(env, [], wait=False)
    assert early is not None and not early.alive  # started, imports not awaited
    try:
        assert fork_server.shared(env, []) is early and early.alive
        result = grade_submission(code_notebook(tmp_path / "nb.ipynb", "x = 1"), hw01, fork_server=early)
        assert result.status == "ok" and result.cells[0].error is None
    finally:
        early.close()
