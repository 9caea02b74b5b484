"""What the grader keeps of a grading is bounded and can always be written as UTF-8."""

from __future__ import annotations

from autograder.engine.bounds import MAX_TEXT, bound_result, clean_text
from autograder.engine.result import CellResult, Image, QuestionResult, Result, TestResult


def test_lone_surrogates_become_visible_escapes_that_utf8_can_hold():
    text = clean_text("loss \ud800 then \udcff")
    assert text == "loss \\ud800 then \\udcff"
    text.encode("utf-8")


def test_long_texts_are_cut_with_a_note_saying_how_much():
    text = clean_text("x" * (MAX_TEXT + 5_000))
    assert text.startswith("x" * MAX_TEXT) and text.endswith("[5,000 characters cut]")


def test_a_result_full_of_student_text_is_bounded_and_writable():
    """Every text of a result, at any depth and in keys too, is cleaned; image data are kept."""
    hostile = Result(submission="a\ud800", assignment="hw01", message="m" * 10**6, questions=[
        QuestionResult(name="q1", score=0, max_score=1, message="", tests=[
            TestResult(name="t", hidden=False, passed=False, score=0, max_score=1, message="\udcff" * 10,
                       measurements=[{"\ud800": "v"}])])],
        cells=[CellResult(cell=1, question=None, output="o" * 10**6, images=[Image(data="iVBORw0KGgo=")])])
    bounded = bound_result(hostile)
    text = bounded.to_json()
    text.encode("utf-8")
    assert len(text) < 4 * MAX_TEXT
    assert bounded.cells[0].images[0].data == "iVBORw0KGgo="
    assert bounded.questions[0].tests[0].message == "\\udcff" * 10
    assert bounded.submission == "a\\ud800"


def test_a_written_answer_keeps_its_own_larger_cap():
    """A TA grades the whole written answer the notebook reader kept (up to MAX_WRITTEN_CHARS),
    not a message-sized piece of it."""
    from autograder.engine.notebooks import MAX_WRITTEN_CHARS
    from autograder.engine.result import WrittenAnswer

    answer = "w" * (MAX_WRITTEN_CHARS - 10)
    result = Result(submission="s", assignment="hw01",
                    written=[WrittenAnswer("q6_written", 2, [{"cell_type": "markdown", "source": answer}])])
    assert bound_result(result).written[0].cells[0]["source"] == answer
