"""What a student sees on Gradescope: results.json made from hand-built Results (no grading here).

While hidden tests are hidden, the student's view (the top-level output and every visible test)
must be the same whatever the hidden tests decided: that is what "leaks nothing" means, and it is
checked by comparing the views of results that differ only in hidden outcomes. Every results.json
validates against the schema written from Gradescope's specification.
"""

from __future__ import annotations

import base64
import copy
import io
import json
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from autograder.deploy.results import MAX_IMAGE_BYTES, results_json
from autograder.engine.grade import NOT_GRADED
from autograder.engine.result import CellResult, Image, QuestionResult, Result, TestResult, WrittenAnswer

SCHEMA = json.loads((Path(__file__).parent / "results.schema.json").read_text(encoding="utf-8"))
HIDDEN_MESSAGE = "found 0.61 accuracy on the grader's fresh XOR data"


def png(width: int = 60, height: int = 40, noise: bool = False) -> str:
    """A real PNG, base64: a gradient, or noise (which compresses badly: a large file)."""
    from PIL import Image as PILImage

    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 255, (height, width, 3), dtype=np.uint8) if noise else \
        np.tile(np.linspace(0, 255, width, dtype=np.uint8)[None, :, None], (height, 1, 3))
    out = io.BytesIO()
    PILImage.fromarray(pixels).save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode("ascii")


def submission(hidden_passed: bool, *, status: str = "ok", message: str = "all cells ran") -> Result:
    """hw01-like: q1 (public passes, hidden worth 2), q2 (public fails, hidden worth 3), a written q3."""
    def hidden(name: str, top: float) -> TestResult:
        return TestResult(name, True, hidden_passed, top if hidden_passed else 0, top,
                          "passed" if hidden_passed else f"{name}: {HIDDEN_MESSAGE}",
                          figures=[] if hidden_passed else [Image(png(), "the grader's boundary")])

    q1 = [TestResult("test_q1_format", False, True, 0, 0, "passed"), hidden("test_q1_accuracy", 2)]
    q2 = [TestResult("test_q2_output", False, False, 0, 0, "`model`: expected an output of shape (11, 1), "
                     "found (11, 2) <script>alert(1)</script>"), hidden("test_q2_parameters", 3)]
    score = 5 if hidden_passed else 0
    return Result(
        submission="student", assignment="hw01", status=status, message=message, score=score, max_score=5,
        questions=[QuestionResult("q1", 2 if hidden_passed else 0, 2, "", q1),
                   QuestionResult("q2", 3 if hidden_passed else 0, 3, "", q2)],
        cells=[CellResult(3, "q1", images=[Image(png())]),
               CellResult(7, "q2", error={"ename": "ValueError", "evalue": "shapes <b>(2,)</b> differ",
                                          "frames": [{"cell": 7, "line": 4, "code": "model(x) & y"}]},
                          output="loss 0.9\n")],
        written=[WrittenAnswer("q3", 2, [{"cell_type": "markdown", "source": "XOR is not <i>linear</i>."}])])


def student_view(data: dict) -> dict:
    """What a student may see before hidden results are published: everything at the top level but
    the score (Gradescope hides a total while tests are hidden) and the visible tests."""
    return {**{k: v for k, v in data.items() if k not in ("score", "tests")},
            "tests": [t for t in data["tests"] if t["visibility"] == "visible"]}


def gradescope(result: Result, visibility: str = "after_published") -> dict:
    data = results_json(result, hidden_visibility=visibility, execution_time=12.3)
    jsonschema.validate(data, SCHEMA)
    return data


def died_while_hidden_tests_ran() -> Result:
    """Every cell ran and every public test has its verdict; then a hidden test's probe killed the process."""
    result = submission(False, status="kernel_died",
                        message="the notebook's process died while the grader ran probe train: it was killed "
                                "by signal SIGKILL")
    for question in result.questions:
        for test in question.tests:
            if test.hidden:
                test.message, test.figures = NOT_GRADED + result.message, []
    return result


@pytest.mark.parametrize("visibility", ["after_published", "after_due_date", "hidden"])
def test_hidden_outcomes_change_nothing_the_student_sees(visibility):
    """Hidden all passed, all failed, or the process died while they ran: the same student view."""
    views = [student_view(gradescope(r, visibility))
             for r in (submission(True), submission(False), died_while_hidden_tests_ran())]
    assert views[0] == views[1] == views[2]
    text = json.dumps(views[0])
    for secret in ("test_q1_accuracy", "test_q2_parameters", HIDDEN_MESSAGE, "SIGKILL", "probe train",
                   "points from the autograder", "/ 5"):
        assert secret not in text


def test_hidden_pictures_do_not_crowd_out_visible_ones():
    """Failing hidden tests with many pictures leave the student's visible plots and notes unchanged."""
    plain, crowded = submission(False), submission(False)
    for result in (plain, crowded):
        result.cells[0].images = [Image(png(200, 200, noise=True))] * 12  # 120 KB each: over the budget
    for question in crowded.questions:
        for test in question.tests:
            if test.hidden:
                test.figures = [Image(png(200, 200, noise=True), "the grader's view")] * 10
    assert student_view(gradescope(plain)) == student_view(gradescope(crowded))


def test_the_comparison_can_tell_when_hidden_results_are_published():
    """With hidden tests visible, the same results do differ to the student (the test above can fail)."""
    assert student_view(gradescope(submission(True), "visible")) != \
        student_view(gradescope(submission(False), "visible"))
    published = gradescope(submission(False), "visible")
    assert "0 / 5 points from the autograder" in published["output"]
    assert all(t["visibility"] == "visible" for t in published["tests"])


def test_hidden_tests_carry_the_visibility_and_the_total_is_gradescopes_to_hide():
    """The top-level score is the whole score (Gradescope does not show a total while tests are
    hidden); each hidden test waits for publication; stdout is for instructors only."""
    data = gradescope(submission(True))
    hidden = [t for t in data["tests"] if " hidden: " in t["name"]]
    assert data["score"] == 5 and [t["score"] for t in hidden] == [2, 3]
    assert {t["visibility"] for t in hidden} == {"after_published"}
    assert data["stdout_visibility"] == "hidden" and data["output_format"] == "html"
    assert "execution_time" not in data  # how long hidden tests ran is theirs too


def test_public_results_are_shown_at_once_with_their_messages_escaped():
    data = gradescope(submission(False))
    public = {t["name"]: t for t in data["tests"] if " public: " in t["name"]}
    assert set(public) == {"q1 public: test_q1_format", "q2 public: test_q2_output"}
    assert public["q2 public: test_q2_output"]["status"] == "failed"
    output = public["q2 public: test_q2_output"]["output"]
    assert "expected an output of shape (11, 1)" in output and "&lt;script&gt;" in output and "<script>" not in output
    assert "Public checks: 1 of 2 passed" in data["output"]


def test_a_failing_test_shows_its_picture_and_the_cell_that_raised_in_html():
    data = gradescope(submission(False), "visible")
    tests = {t["name"]: t for t in data["tests"]}
    hidden = tests["q2 hidden: test_q2_parameters"]
    assert hidden["output_format"] == "html"
    assert '<img src="data:image/png;base64,' in hidden["output"] and "the grader&#x27;s boundary" in hidden["output"]
    assert "cell 7 (q2) raised ValueError: shapes &lt;b&gt;(2,)&lt;/b&gt; differ" in hidden["output"]
    cells = tests["q2: your cells"]
    assert cells["visibility"] == "visible" and cells["status"] == "failed" and cells["output_format"] == "html"
    assert "<strong>ValueError</strong>" in cells["output"] and "model(x) &amp; y" in cells["output"]
    assert "loss 0.9" in cells["output"]
    plots = tests["q1: your cells"]
    assert plots["status"] == "passed" and plots["output"].count("<img ") == 1


def big_plot() -> str:
    """A student's scatter plot saved at 300 dpi: a real PNG of about 600 KB."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(0)
    figure, axes = plt.subplots(figsize=(8, 6), dpi=300)
    axes.scatter(rng.normal(size=3000), rng.normal(size=3000), s=4, c=rng.integers(0, 2, 3000), cmap="coolwarm")
    out = io.BytesIO()
    figure.savefig(out, format="png")
    plt.close(figure)
    return base64.b64encode(out.getvalue()).decode("ascii")


def test_pictures_are_capped_in_size_and_only_pngs_are_shown():
    """A large plot is shrunk under the cap; noise that cannot shrink, and a non-PNG, are left out."""
    result = submission(False)
    big, noise, fake = big_plot(), png(1600, 1200, noise=True), base64.b64encode(b"GIF89a not a png").decode()
    assert len(base64.b64decode(big)) > 3 * MAX_IMAGE_BYTES
    result.cells[0].images = [Image(big), Image(noise), Image(fake)]
    data = gradescope(result)
    [plots] = [t for t in data["tests"] if t["name"] == "q1: your cells"]
    [image] = [part.split('"', 1)[0] for part in plots["output"].split('src="data:image/png;base64,')[1:]]
    assert base64.b64decode(image).startswith(b"\x89PNG") and len(base64.b64decode(image)) <= MAX_IMAGE_BYTES
    assert "GIF89a" not in json.dumps(data)
    assert "2 picture(s) were left out" in data["output"]


def test_many_pictures_stop_at_the_budget_and_say_so():
    result = submission(False)
    result.cells[0].images = [Image(png(200, 200, noise=True))] * 40  # 120 KB each
    data = gradescope(result)
    assert len(json.dumps(data)) < 2_500_000
    assert "picture(s) were left out" in data["output"]


def test_written_answers_are_a_visible_section_for_manual_grading():
    data = gradescope(submission(False))
    [written] = [t for t in data["tests"] if t["name"] == "q3: written answer (graded by hand)"]
    assert written["visibility"] == "visible" and "score" not in written
    assert "XOR is not &lt;i&gt;linear&lt;/i&gt;." in written["output"]
    assert "Graded by hand: q3" in data["output"]
    empty = copy.deepcopy(submission(False))
    empty.written[0].cells = [{"cell_type": "markdown", "source": "  "}]
    [missing] = [t for t in gradescope(empty)["tests"] if t["name"].startswith("q3:")]
    assert missing["status"] == "failed" and "No answer was found" in missing["output"]


def test_a_process_that_died_in_the_notebook_is_reported_to_the_student():
    """A death during the student's own cells (every test 'not graded') is theirs to see and fix."""
    result = submission(False, status="kernel_died", message="the notebook's process died in cell 2: it "
                                                            "exited with code 3")
    for question in result.questions:
        for test in question.tests:
            test.message = NOT_GRADED + result.message
    result.cells = result.cells[:1]
    data = gradescope(result)
    assert "Status kernel_died: the notebook&#x27;s process died in cell 2" in data["output"]
