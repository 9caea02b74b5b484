"""The student's feedback page: everything shown, everything escaped, only real PNGs, same bytes each time."""

from __future__ import annotations

import base64
import copy
import re
import struct
import zlib
from pathlib import Path

import pytest

from autograder.engine.result import CellResult, Image, QuestionResult, Result, TestResult
from autograder.reports.feedback import feedback_html, png_data_uri, strip_ansi

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
REAL_RESULT = Path(__file__).parents[2] / "data" / "hw01_q6_labels_wrong_shape.json"


def tiny_png() -> bytes:
    """A valid 1x1 grey PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\x80")) + chunk(b"IEND", b""))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def make_result(**changes) -> Result:
    """A small hand-built result: q1 passed, q2 failed with an error cell."""
    result = Result(
        submission="alice", assignment="hw01", status="error", score=2, max_score=5,
        message="cell 4 (q2) raised ValueError: bad shape", seconds=3.21,
        questions=[
            QuestionResult("q1", 2, 2, "all tests passed", [
                TestResult("test_q1_format", hidden=False, passed=True, score=0, max_score=0, message="passed"),
                TestResult("test_q1_value", hidden=True, passed=True, score=2, max_score=2, message="passed")]),
            QuestionResult("q2", 0, 3, "cell 4 (q2) raised ValueError: bad shape", [
                TestResult("test_q2_accuracy", hidden=True, passed=False, score=0, max_score=3,
                           message="expected an accuracy of at least 0.90, found 0.500")]),
        ],
        cells=[
            CellResult(cell=2, question="q1", output="fine\n"),
            CellResult(cell=4, question="q2", output="\x1b[31mValueError\x1b[39m: bad shape\n",
                       error={"ename": "ValueError", "evalue": "bad shape",
                              "frames": [{"cell": 4, "code": "model = fit(X, y)", "line": 3}]}),
        ])
    for name, value in changes.items():
        setattr(result, name, value)
    return result


def load_real_result() -> Result:
    return Result.from_json(REAL_RESULT.read_text(encoding="utf-8"))


def section(page: str, start: str, end: str | None) -> str:
    """The part of ``page`` from the heading that starts with ``start`` to the one with ``end``."""
    begin = page.index(f"<h2>{start}")
    return page[begin:page.index(f"<h2>{end}", begin)] if end else page[begin:]


def test_feedback_shows_score_status_and_every_test():
    page = feedback_html(make_result())
    assert "hw01" in page and "alice" in page
    assert "Score: 2 / 5" in page
    assert "Status: <strong>error</strong>" in page
    assert "cell 4 (q2) raised ValueError: bad shape" in page
    q1 = section(page, "q1", "q2")
    assert "q1: 2 / 2 points" in q1
    assert re.search(r"test_q1_format</td><td>public</td><td class=\"pass\">passed</td>", q1)
    assert re.search(r"test_q1_value</td><td>hidden</td><td class=\"pass\">passed</td>.*2 / 2", q1)
    q2 = section(page, "q2", None)
    assert re.search(r"test_q2_accuracy</td><td>hidden</td><td class=\"fail\">failed</td>.*0 / 3", q2)
    assert "expected an accuracy of at least 0.90, found 0.500" in q2


def test_feedback_shows_the_error_cell_under_its_question_without_ansi_codes():
    page = feedback_html(make_result())
    q1, q2 = section(page, "q1", "q2"), section(page, "q2", None)
    assert "Cell 4 raised <strong>ValueError</strong>: bad shape" in q2
    assert "cell 4, line 3: <code>model = fit(X, y)</code>" in q2
    assert "<pre>ValueError: bad shape</pre>" in q2
    assert "Cell 2" not in page  # a cell that ran fine is not listed
    assert "Cells with errors" not in q1
    assert "\x1b" not in page


def test_feedback_names_a_timed_out_cell():
    cell = CellResult(cell=7, question="q2", timed_out=True)
    page = feedback_html(make_result(cells=[cell], status="timeout"))
    assert "Cell 7 ran past its time limit and was stopped" in section(page, "q2", None)


def test_feedback_puts_cells_of_no_question_under_other_cells():
    cell = CellResult(cell=30, question=None,
                      error={"ename": "NameError", "evalue": "name 'x' is not defined", "frames": []})
    page = feedback_html(make_result(cells=[cell]))
    assert "Cell 30 raised" in section(page, "Other cells", None)


def test_feedback_escapes_hostile_text_everywhere():
    """Every student-controlled string is escaped: no tag or attribute from the student survives."""
    result = make_result(submission=HOSTILE, message=HOSTILE, assignment=HOSTILE,
                         process_output=HOSTILE)
    result.questions[1].message = HOSTILE
    test = result.questions[1].tests[0]
    test.name, test.message = HOSTILE, HOSTILE
    test.figures = [Image(title=HOSTILE, data=b64(tiny_png()))]
    result.cells[1].output = HOSTILE
    result.cells[1].error.update(ename=HOSTILE, evalue=HOSTILE,
                                       frames=[{"cell": HOSTILE, "code": HOSTILE, "line": HOSTILE}])
    page = feedback_html(result)
    assert "<script" not in page.lower()
    assert "<img src=x" not in page and 'onerror=alert(1)>' not in page
    assert page.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") >= 10
    assert 'alt="&lt;script&gt;' in page  # the figure's title is escaped inside its attribute too


def test_png_data_uri_accepts_only_real_pngs():
    png = tiny_png()
    assert png_data_uri(Image(data=b64(png))) == "data:image/png;base64," + b64(png)
    refused = [
        Image(mime="image/jpeg", data=b64(png)),  # right bytes, wrong mime
        Image(mime="image/svg+xml", data=b64(b"<svg onload='alert(1)'/>")),
        Image(data=b64(b"<svg onload='alert(1)'/>")),  # not a PNG signature
        Image(data=b64(b"\xff\xd8\xff\xe0 a jpeg")),
        Image(data=b64(png) + '"><script>alert(1)</script>'),  # not base64
        Image(data=None),  # type: ignore[arg-type] - read from a damaged file
        Image(mime="IMAGE/PNG", data=b64(png)),
    ]
    assert [png_data_uri(image) for image in refused] == [None] * len(refused)


def test_feedback_embeds_student_plots_under_their_question_and_refuses_non_pngs():
    result = make_result()
    result.cells[0].images = [Image(data=b64(tiny_png())), Image(mime="image/svg+xml", data=b64(b"<svg/>")),
                              Image(data=b64(b"GIF89a not a png"))]
    page = feedback_html(result)
    q1 = section(page, "q1", "q2")
    assert "Your plots" in q1
    assert q1.count('<img src="data:image/png;base64,') == 1
    assert "2 image(s) not shown: only PNG pictures are displayed." in q1
    assert "image/svg+xml" not in page and b64(b"<svg/>") not in page


def test_feedback_shows_a_failing_tests_figure_with_its_title():
    result = make_result()
    result.questions[1].tests[0].figures = [Image(title="your decision boundary", data=b64(tiny_png()))]
    q2 = section(feedback_html(result), "q2", None)
    assert f'<img src="data:image/png;base64,{b64(tiny_png())}" alt="your decision boundary">' in q2
    assert "<figcaption>your decision boundary</figcaption>" in q2


def test_feedback_loads_nothing_from_outside_and_runs_no_script():
    page = feedback_html(load_real_result())
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(?!data:image/png;base64,)""", page, re.I)
    assert re.search(r"url\(|@import", page) is None
    assert "default-src 'none'" in page


def test_feedback_of_a_real_result_shows_its_error_cells():
    """A result saved from ``nncourse grade`` (hw01 corpus entry q6_labels_wrong_shape)."""
    page = feedback_html(load_real_result())
    q6 = section(page, "q6", "q7")
    assert "Score: 15 / 17" in page
    assert "Cell 22 raised <strong>ValueError</strong>" in q6
    assert "Cell 23 raised <strong>NameError</strong>" in q6
    assert "cell 22, line 10: <code>and_neuron = train_neuron(X_and, y_and)</code>" in q6
    assert "\x1b" not in page and "[38;5;" not in page


def test_feedback_of_an_ungradable_result_still_lists_its_questions():
    result = make_result(status="ungradable", message="ungradable: not valid JSON", cells=[], score=0)
    page = feedback_html(result)
    assert "The file could not be read as a notebook" in page
    assert "<h2>q1: 2 / 2 points</h2>" in page and "Cells with errors" not in page


@pytest.mark.parametrize("text, expected", [
    ("\x1b[31mred\x1b[0m plain", "red plain"),
    ("\x1b[38;5;250mgrey\x1b[39;49m", "grey"),
    ("\x1b]0;title\x07after", "after"),
    ("a\r\nb\x00c\td", "a\nbc\td"),
])
def test_strip_ansi_removes_terminal_codes_and_control_characters(text, expected):
    assert strip_ansi(text) == expected


def test_feedback_is_byte_identical_for_the_same_result():
    result = load_real_result()
    result.cells[0].images = [Image(data=b64(tiny_png()))]
    first = feedback_html(result)
    assert feedback_html(copy.deepcopy(result)) == first
    assert feedback_html(Result.from_json(result.to_json())) == first
