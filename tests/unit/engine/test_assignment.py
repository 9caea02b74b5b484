"""Loading an assignment for grading never builds: a missing or stale bundle is named, with the fix."""

from __future__ import annotations

import shutil

import pytest

from autograder import paths
from autograder.authoring.corpus import load_manifest
from autograder.engine.assignment import Assignment, BundleNotReady, bundle_problem

HW = "hw01"
# the autograded points, as the corpus manifest gives the solution
FULL = sum(next(e for e in load_manifest(paths.corpus_dir(HW)) if e.name == "solution").expect.values())


@pytest.fixture
def course(tmp_path, monkeypatch):
    """A copy of hw01's master and built bundle, as the course root."""
    root = tmp_path / "course"
    shutil.copytree(paths.solutions_dir() / HW, root / "solutions" / HW)
    shutil.copytree(paths.dist_dir() / HW, root / "dist" / HW)
    monkeypatch.setenv("NNCOURSE_ROOT", str(root))
    return root


def test_a_current_bundle_loads_with_its_tests_and_written_questions(course):
    assert bundle_problem(HW) is None
    hw = Assignment.load(HW)
    assert hw.max_score == FULL and [q.name for q in hw.manual] == ["q6_written"]
    assert hw.manual[0].points == 2 and "XOR" in hw.manual[0].prompt


def test_a_missing_bundle_names_the_build_command(course):
    shutil.rmtree(course / "dist" / HW)
    with pytest.raises(BundleNotReady, match="run `nncourse build hw01`"):
        Assignment.load(HW)
    assert not (course / "dist" / HW).exists(), "loading must not build"


def test_an_edited_master_makes_the_bundle_stale(course):
    master = course / "solutions" / HW / f"{HW}.ipynb"
    master.write_text(master.read_text(encoding="utf-8") + " ", encoding="utf-8")
    with pytest.raises(BundleNotReady, match="older than solutions/hw01"):
        Assignment.load(HW)


def test_a_bundle_without_its_master_is_used_as_it_is(course):
    """A TA may hold only the built bundle (no solutions/): it grades as built."""
    shutil.rmtree(course / "solutions")
    assert Assignment.load(HW).max_score == FULL


def test_an_unknown_assignment_says_so(course):
    with pytest.raises(BundleNotReady, match="unknown assignment 'hw77'"):
        Assignment.load("hw77")
