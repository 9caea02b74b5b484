"""Text from submissions is shown, never obeyed: terminal escapes, bidi overrides, spreadsheet formulas."""

from __future__ import annotations

import csv
import io

import pytest

from autograder.engine.result import QuestionResult, Result
from autograder.reports.escape import MAX_CSV_CELL, csv_cell, terminal, visible
from autograder.reports.feedback import esc
from autograder.reports.gradebook import gradebook_csv, score_table


@pytest.mark.parametrize("text, shown", [
    ("\x1b[2J\x1b[HALL 23 GRADED OK\x07", "\\x1b[2J\\x1b[HALL 23 GRADED OK\\x07"),
    ("report\u202etxt.exe", "report\\u202etxt.exe"),
    ("a\rb\nc\x9bd", "a\\x0db\\x0ac\\x9bd"),
    ("caf\udce9", "caf\\udce9"),
    ("plain text, é and 中文", "plain text, é and 中文"),
])
def test_terminal_shows_control_and_reordering_characters_as_escapes(text, shown):
    assert terminal(text) == shown


@pytest.mark.parametrize("value, cell", [
    ("=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")"),
    ("-2-3", "'-2-3"), ("+1", "'+1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tleading tab", "'\\x09leading tab"), ("\rcarriage", "'\\x0dcarriage"),
    ("alice", "alice"), (17, 17), (2.5, 2.5), (-3, -3), ("-3", "-3"), ("-2.5", "-2.5"), ("1e3", "1e3"),
])
def test_csv_cells_are_never_read_as_formulas(value, cell):
    assert csv_cell(value) == cell


def test_csv_cells_are_capped():
    assert len(csv_cell("x" * 840_063)) < MAX_CSV_CELL + 50


def test_gradebook_neutralises_ids_and_messages_from_submissions():
    result = Result(submission="-2-3", assignment="hw01", score=0, max_score=17, status="error",
                    message="=cmd|' /C calc'!A0 \u202e" + "y" * 900_000,
                    questions=[QuestionResult(name="q1", score=0, max_score=17, message="")])
    text = gradebook_csv([result])
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert row["submission"] == "'-2-3"
    assert row["message"].startswith("'=cmd") and "\u202e" not in text and len(text) < 2_000
    assert "\u202e" not in score_table([result]) and "-2-3" in score_table([result])


def test_html_shows_bidi_overrides_and_controls_as_escapes_but_keeps_newlines():
    assert esc("a\u202eb\x07c\nd\te<") == "a\\u202eb\\x07c\nd\te&lt;"
    assert visible("x\ny", keep="\n") == "x\ny"


@pytest.mark.parametrize("text", ["-2-3", "=SUM(A1)", "'=x", "''@y", "plain", "'plain", "-3", "", "'"])
def test_sheet_text_is_safe_and_reversible(text):
    from autograder.reports.escape import from_sheet_text, sheet_text

    stored = sheet_text(text)
    assert from_sheet_text(stored) == text
    assert not stored.startswith(("=", "+", "@")) and (not stored.startswith("-") or stored == "-3")


def test_a_students_written_answer_cannot_reorder_what_the_ta_reads():
    from autograder.review.render import cells_html

    page = cells_html([{"cell_type": "markdown", "source": "I agree\u202e.tnemngissa siht"},
                       {"cell_type": "code", "source": "x = 1\u2066\n\ty = 2"}])
    assert "\u202e" not in page and "\u2066" not in page and "\\u202e" in page and "\n\ty = 2" in page
