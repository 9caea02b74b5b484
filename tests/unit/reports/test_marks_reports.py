"""Written grades and late penalties reach the gradebook, the feedback page and the summary."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from autograder.config import GradingConfig
from autograder.engine.assignment import Assignment, ManualQuestion
from autograder.engine.result import QuestionResult, Result, WrittenAnswer
from autograder.reports.manual import ManualGrade, ManualGradesError, save_grades
from autograder.reports.rebuild import graded_class, write_reports
from autograder.review.answers import Answers
from autograder.review.app import create_app

LATE = {"due": "2026-02-06T23:59:00Z", "penalty": 10, "per": "day"}


def result(submission: str, text: str = "an answer") -> Result:
    return Result(submission, "hw01", score=15, max_score=17, questions=[QuestionResult("q1", 15, 17, "m")],
                  written=[WrittenAnswer("q6_written", 2, [{"cell_type": "markdown", "source": text}])])


@pytest.fixture
def hw(tmp_path: Path) -> Assignment:
    return Assignment("hw01", tmp_path, GradingConfig.from_dict({"late": LATE}), [],
                      [ManualQuestion("q6_written", 2, "Why?", ["a line"])])


def test_gradebook_has_written_points_ungraded_raw_penalty_and_final(hw, tmp_path: Path) -> None:
    from autograder.batch.submissions import Found, Submission
    from autograder.reports.rebuild import write_index

    out = tmp_path / "grades"
    found = Found([Submission("alice", Path("a"), "gradescope", "", "2026-02-08T10:00:00+00:00"),
                   Submission("bob", Path("b"), "file", "")], [], [])
    write_index(out, found)
    save_grades(out, [ManualGrade("alice", "q6_written", 1, "ok")])
    write_reports(graded_class(out, hw, [result("alice"), result("bob")]))
    rows = {r["submission"]: r for r in csv.DictReader(io.StringIO((out / "gradebook.csv").read_text()))}
    alice, bob = rows["alice"], rows["bob"]
    assert (alice["q6_written"], alice["raw"], alice["late_penalty"], alice["total"], alice["max"]) == \
        ("1", "16", "3.2", "12.8", "19")
    assert alice["late"] == "34.0 h late, -20%"
    assert (bob["q6_written"], bob["ungraded"], bob["total"]) == ("", "q6_written", "15")
    page = (out / "feedback" / "alice.html").read_text()
    assert "Score: 12.8 / 19" in page and "2 started days late x 10% = 20%" in page


def test_a_tas_comment_is_escaped_on_the_feedback_page(hw, tmp_path: Path) -> None:
    out = tmp_path / "grades"
    save_grades(out, [ManualGrade("alice", "q6_written", 2, '<script>alert(1)</script> "fine"')])
    write_reports(graded_class(out, hw, [result("alice")]))
    page = (out / "feedback" / "alice.html").read_text()
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_points_above_the_questions_maximum_in_manual_csv_are_refused_with_the_fix(hw, tmp_path: Path) -> None:
    out = tmp_path / "grades"
    save_grades(out, [ManualGrade("alice", "q6_written", 3, "")])
    with pytest.raises(ManualGradesError, match="q6_written of alice has 3 points, more than the question's 2"):
        graded_class(out, hw, [result("alice")])


def test_anonymous_mode_shows_no_name_in_the_page_or_its_forms(hw, tmp_path: Path) -> None:
    app = create_app(tmp_path, "hw01", hw.manual, Answers([result("alice_liddell"), result("bob_builder", "x")],
                                                          anonymous=True))
    client = app.test_client()
    page = client.get("/q/q6_written?at=0").get_data(as_text=True) + client.get("/q/q6_written?at=1").get_data(as_text=True)
    assert "alice" not in page and "bob" not in page and re.search(r"Student [12]", page)


def test_a_students_markdown_cannot_run_script_or_fetch_from_outside(hw, tmp_path: Path) -> None:
    hostile = '<script>alert(1)</script>\n\n<img src="http://example.org/t.png" onerror="alert(2)"> $x^2$'
    app = create_app(tmp_path, "hw01", hw.manual, Answers([result("alice", hostile)]))
    response = app.test_client().get("/q/q6_written?at=0")
    page = response.get_data(as_text=True)
    answer = page[page.index('id="answer"'):page.index("</article>")]
    assert "<script" not in answer and "onerror" not in answer and "example.org" not in answer
    assert "<math" in answer
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
