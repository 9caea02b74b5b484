"""The typed grading result: a lossless JSON round trip, and a clear refusal of anything else."""

from __future__ import annotations

import json

import pytest

from autograder.engine.result import (SCHEMA_VERSION, CellResult, Image, QuestionResult, Result, TestResult,
                                      WrittenAnswer, points)


def full_result() -> Result:
    return Result(
        submission="alice", assignment="hw01", file="hw01.ipynb", status="error", message="cell 4 raised",
        score=2, max_score=5, seconds=1.5, fingerprint="ab" * 32, sandbox="full", key="k",
        questions=[QuestionResult("q1", 2, 5, "one failed", [
            TestResult("test_q1", hidden=True, passed=False, score=0, max_score=3, message="expected 3, found 2",
                       measurements=[{"metric": "accuracy", "value": 0.5, "limit": 0.9, "margin": -0.4}],
                       figures=[Image(data="iVBORw0KGgo=", title="boundary")])])],
        cells=[CellResult(cell=4, question="q1", error={"ename": "ValueError", "evalue": "x", "frames": []},
                          images=[Image(data="iVBORw0KGgo=")])],
        written=[WrittenAnswer("q6_written", 2, [{"cell_type": "markdown", "source": "Because $x$."}])])


def test_json_round_trip_gives_an_equal_result():
    result = full_result()
    assert Result.from_json(result.to_json()) == result
    assert json.loads(result.to_json())["schema"] == SCHEMA_VERSION


@pytest.mark.parametrize("text", ['{"submission": "a"}', "[]", "not json",
                                  json.dumps({"schema": SCHEMA_VERSION - 1, "submission": "a", "assignment": "b"})])
def test_another_schema_or_a_malformed_file_is_refused(text):
    """Resume regrades rather than trusting a file it cannot read as this schema."""
    with pytest.raises(ValueError):
        Result.from_json(text)


def test_a_result_missing_a_nested_field_is_refused():
    data = full_result().to_dict()
    del data["questions"][0]["tests"][0]["figures"]
    with pytest.raises(ValueError, match="malformed"):
        Result.from_dict(data)


@pytest.mark.parametrize("value, shown", [(2.0, 2), (1.5, 1.5), (1 / 3, 0.333), (0, 0)])
def test_points_read_as_a_student_reads_them(value, shown):
    assert points(value) == shown and type(points(value)) is type(shown)
