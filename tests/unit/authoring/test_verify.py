"""The build's proof: which results fail it (one line per problem) and when a proof still holds."""

from __future__ import annotations

import json
import shutil

from autograder import paths
from autograder.authoring.verify import VERIFIED_FILE, _judge, is_verified, keep_record, recorded_source, \
    saved_record
from autograder.engine.assignment import SOURCE_FILE, source_digest
from autograder.engine.result import QuestionResult, Result, TestResult


def graded(submission: str, scores: dict[str, tuple[float, float]], status: str = "ok") -> Result:
    """A Result with one public (0-point) and one hidden test per question: {question: (score, max)}."""
    questions = []
    for name, (score, top) in scores.items():
        tests = [TestResult(f"test_{name}_format", False, True, 0, 0, "passed"),
                 TestResult(f"test_{name}_hidden", True, score == top, score, top,
                            "passed" if score == top else f"{name}: expected 42, found 7")]
        questions.append(QuestionResult(name, score, top, "", tests))
    return Result(submission=submission, assignment="hw99", status=status, message="all cells ran",
                  score=sum(s for s, _ in scores.values()), max_score=sum(t for _, t in scores.values()),
                  questions=questions)


def test_a_proof_passes_when_the_solution_gets_full_marks_and_the_stub_zero():
    assert _judge("hw99", graded("solution", {"q1": (2, 2), "q2": (1, 1)}),
                  graded("student", {"q1": (0, 2), "q2": (0, 1)}, status="error")) == []


def test_each_lost_or_unearned_point_is_one_line_naming_question_test_and_message():
    problems = _judge("hw99", graded("solution", {"q1": (2, 2), "q2": (0, 1)}),
                      graded("student", {"q1": (2, 2), "q2": (0, 1)}))
    assert problems == [
        "hw99: the solution loses 1 of 1 point(s) on q2: test_q2_hidden failed: q2: expected 42, found 7",
        "hw99: the untouched student notebook gets 2 point(s) on q1: test_q1_hidden passes before the "
        "question is answered (a hidden test must fail on the unanswered stub)"]


def test_a_solution_that_does_not_run_cleanly_or_a_stub_that_hangs_is_a_problem():
    solution = graded("solution", {"q1": (2, 2)}, status="error")
    solution.message = "cell 9 (q1) raised NameError: name 'np' is not defined"
    problems = _judge("hw99", solution, graded("student", {"q1": (0, 2)}, status="timeout"))
    assert [p.split(":")[1].strip() for p in problems] == ["the solution (solutions/hw99/hw99.ipynb) did not run cleanly",
                                                           "grading the untouched student notebook (assignments/hw99/hw99.ipynb) did not finish"]
    assert "NameError" in problems[0]


def test_an_assignment_without_points_cannot_be_proven():
    problems = _judge("hw99", graded("solution", {"q1": (0, 0)}), graded("student", {"q1": (0, 0)}))
    assert len(problems) == 1 and "no test is worth points" in problems[0]


def test_a_proof_holds_only_for_the_source_it_was_made_for(tmp_path, monkeypatch):
    """The record is keyed by the master folder's digest: editing the master voids it, and a
    rebuild from the same master carries it into the new bundle."""
    course = tmp_path / "course"
    shutil.copytree(paths.solutions_dir() / "hw01", course / "solutions" / "hw01")
    monkeypatch.setenv("NNCOURSE_ROOT", str(course))
    bundle = course / "dist" / "hw01"
    bundle.mkdir(parents=True)
    assert not is_verified("hw01")
    (bundle / VERIFIED_FILE).write_text(json.dumps({"source": source_digest("hw01")}))
    assert is_verified("hw01") and recorded_source(bundle) == source_digest("hw01")

    rebuilt = tmp_path / "rebuilt"
    rebuilt.mkdir()
    (rebuilt / SOURCE_FILE).write_text(source_digest("hw01") + "\n")
    keep_record(saved_record(bundle), rebuilt)
    assert (rebuilt / VERIFIED_FILE).read_bytes() == (bundle / VERIFIED_FILE).read_bytes()

    master = course / "solutions" / "hw01" / "hw01.ipynb"
    master.write_text(master.read_text(encoding="utf-8").replace("XOR", "X0R"), encoding="utf-8")
    assert not is_verified("hw01")
    other = tmp_path / "other"
    other.mkdir()
    (other / SOURCE_FILE).write_text(source_digest("hw01") + "\n")
    keep_record(saved_record(bundle), other)
    assert not (other / VERIFIED_FILE).exists()
