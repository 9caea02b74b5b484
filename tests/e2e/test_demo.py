"""`nncourse demo`: a new user's first command grades samples offline and agrees with the corpus."""

from __future__ import annotations

import subprocess
import sys

import pytest

from autograder import paths
from autograder.demo import SAMPLES

pytestmark = pytest.mark.slow


def test_demo_grades_samples_and_says_where_the_outputs_are(tmp_path):
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "demo", "hw01", "--out", str(tmp_path)],
                          capture_output=True, text=True, cwd=paths.course_root(), timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "Every score equals the corpus manifest: yes" in done.stdout
    for line in ("Gradebook:", "Feedback per student:", "The sample notebooks:"):
        assert line in done.stdout
    rows = (tmp_path / "hw01" / "gradebook.csv").read_text(encoding="utf-8").splitlines()
    sampled = sum(SAMPLES.values())
    assert rows[0].startswith("submission,q1,") and len(rows) == 1 + sampled
    assert len(list((tmp_path / "hw01" / "feedback").glob("*.html"))) == sampled


def test_demo_of_an_unknown_assignment_is_one_clear_line(tmp_path):
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "demo", "hw77", "--out", str(tmp_path)],
                          capture_output=True, text=True, cwd=paths.course_root(), timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == ["nncourse: unknown assignment(s) hw77: no master notebook in "
                                                f"{paths.solutions_dir()}"]
