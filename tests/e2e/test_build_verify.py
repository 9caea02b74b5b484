"""`nncourse build` proves an assignment through the real grader: a master whose hidden test fails
the solution, or passes the unanswered stub, does not build; a sound one (a plain-assert hidden
test included) builds once and is not graded again while its master is unchanged."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import paths
from tests.helpers import master_question, write_master

pytestmark = pytest.mark.slow

FORMAT = "check_number_in_range({v}, -1e9, 1e9)"


def nncourse(course: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NNCOURSE_ROOT": str(course)}
    return subprocess.run([sys.executable, "-m", "autograder.cli", *args], capture_output=True, text=True,
                          env=env, cwd=paths.course_root(), timeout=600)


def questions(*, broken: bool) -> list[list[dict]]:
    """q1 sound; when ``broken``, q2's hidden test fails the solution and q3's passes the stub."""
    q2_range = "100, 200" if broken else "6, 8"
    q3_checked = "given" if broken else "doubled"
    return [
        master_question("q1", "answer = 42  # SOLUTION", "answer", FORMAT.format(v="answer"),
                        ['assert answer == 42, f"expected 42, found {answer}"']),  # as otter authors write
        master_question("q2", "total = 7  # SOLUTION", "total", FORMAT.format(v="total"),
                        [f"check_number_in_range(total, {q2_range})"]),
        master_question("q3", "given = 5\ndoubled = 2 * given  # SOLUTION", q3_checked,
                        FORMAT.format(v=q3_checked), [f"check_number_in_range({q3_checked}, 0, 10)"]),
    ]


def test_build_refuses_an_unsound_assignment_and_proves_a_sound_one_once(tmp_path):
    """One build of two assignments (as `nncourse build` builds them all): hw99's problems are one
    line each and leave it unproven; hw98 is proven, and a later --check grades nothing."""
    course = tmp_path / "course"
    write_master(course, "hw98", questions(broken=False))
    write_master(course, "hw99", questions(broken=True))
    done = nncourse(course, "build")
    assert done.returncode == 1, done.stdout + done.stderr
    problems = [line for line in done.stderr.splitlines() if line.startswith("nncourse: ")]
    assert problems == [
        "nncourse: hw99: the solution loses 1 of 1 point(s) on q2: test_q2_hidden_1 failed: `total`: expected "
        "a number between 100 and 200, found 7",
        "nncourse: hw99: the untouched student notebook gets 1 point(s) on q3: test_q3_hidden_1 passes before "
        "the question is answered (a hidden test must fail on the unanswered stub)"]
    assert "hw98 verified: the solution gets 3 / 3, the student notebook 0 / 3" in done.stderr
    assert (course / "dist" / "hw98" / "VERIFIED").is_file() and not (course / "dist" / "hw99" / "VERIFIED").exists()

    again = nncourse(course, "build", "--check", "hw98")
    assert again.returncode == 0 and "Verifying" not in again.stderr, again.stderr
    skipped = nncourse(course, "build", "--check", "--no-verify", "hw99")
    assert skipped.returncode == 0 and "Verifying" not in skipped.stderr, skipped.stderr
