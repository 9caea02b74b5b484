"""A second grader seed of the margin rule (`pytest --full`); the committed 20-seed figures are in benchmarks/results/.

Rule (../shared/GRADING.md, property 3): the solution passes every threshold test under every seed,
and every corpus entry that names a threshold test fails it under every seed.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from autograder import paths
from autograder.authoring.corpus import load_manifest

CORPUS_ROOT = paths.corpus_dir()
ASSIGNMENTS = sorted(p.name for p in CORPUS_ROOT.glob("hw*") if (p / "manifest.toml").is_file())


@pytest.mark.slow
@pytest.mark.full
@pytest.mark.parametrize("hw", ASSIGNMENTS)
def test_margins_hold_on_another_seed(hw):
    """The corpus test grades under the assignment's own seed; this adds the next one."""
    done = subprocess.run([sys.executable, "benchmarks/margins.py", hw, "--seeds", "1", "--skip", "1", "--jobs", "2"],
                          capture_output=True, text=True, cwd=paths.course_root())
    assert done.returncode == 0 and "all rules hold" in done.stdout, done.stdout[-4000:] + done.stderr[-2000:]


@pytest.mark.parametrize("hw", ASSIGNMENTS)
def test_margin_figures_are_committed(hw):
    """The 20-seed margin table of every assignment is recorded next to the code."""
    figures = paths.course_root() / "benchmarks" / "results" / f"{hw}_margins.txt"
    assert figures.is_file(), f"run: python benchmarks/margins.py {hw} --seeds 20 > {figures}"
    text = figures.read_text(encoding="utf-8")
    assert "20 grader seeds" in text and "all rules hold" in text
    assert not text.startswith("# STALE"), f"{figures.name} was measured before the hidden tests changed: rerun it"
    # the table of today's margins.py: every alternative of the corpus is in it, not only the solution
    alternatives = [e.name for e in load_manifest(CORPUS_ROOT / hw) if e.category == "alternative"]
    assert alternatives and all(f"\n{name} " in text for name in alternatives), "rerun benchmarks/margins.py"
