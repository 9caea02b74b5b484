"""Hidden tests written as otter authors write them: plain ``assert``s on the student's values.

A question added to a copy of HW1's master, with a hidden test ``assert xor_param_count == 33``,
builds and grades: the solution gets its points, the untouched student notebook 0, and a wrong
value gets the assertion's own message.
"""

from __future__ import annotations

import json
import shutil

import nbformat
import pytest

from autograder import paths
from autograder.authoring.corpus import load_manifest
from autograder.authoring.build import build
from autograder.authoring.corpus import fill_student_notebook
from autograder.engine.assignment import Assignment
from autograder.engine.grade import grade_submission

pytestmark = pytest.mark.slow
HW = "hw01"
# the solution's points per question, from the corpus manifest (read before a test moves the course root)
SOLUTION = next(e for e in load_manifest(paths.corpus_dir(HW)) if e.name == "solution").expect

QUESTION = [
    ("raw", "# BEGIN QUESTION\nname: q8\npoints: [0, 1]"),
    ("markdown", "**Question 8 (1 point).** Set `xor_param_count` to the number of trainable parameters "
                 "of `XORNet()` (hidden size 8)."),
    ("raw", "# BEGIN SOLUTION"),
    ("code", "xor_param_count = sum(p.numel() for p in XORNet().parameters())  # SOLUTION"),
    ("raw", "# END SOLUTION"),
    ("raw", "# BEGIN TESTS"),
    ("code", "def test_q8_format(xor_param_count):\n    assert isinstance(xor_param_count, int)\n\n"
             "test_q8_format(xor_param_count)"),
    ("code", "# HIDDEN\ndef test_q8_count(xor_param_count):\n"
             "    assert xor_param_count == 33, f\"expected 33 parameters, found {xor_param_count}\"\n"
             "    assert 0 < xor_param_count < 100\n\ntest_q8_count(xor_param_count)"),
    ("raw", "# END TESTS"),
    ("raw", "# END QUESTION"),
]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course whose HW1 master has the extra question, built as an instructor would."""
    root = tmp_path_factory.mktemp("course")
    shutil.copytree(paths.solutions_dir() / HW, root / "solutions" / HW)
    master_path = root / "solutions" / HW / f"{HW}.ipynb"
    master = json.loads(master_path.read_text(encoding="utf-8"))
    end = max(i for i, c in enumerate(master["cells"]) if "".join(c["source"]).strip() == "# END QUESTION")
    new = [{"cell_type": kind, "metadata": {}, "source": source, **({"outputs": [], "execution_count": None}
                                                                     if kind == "code" else {})}
           for kind, source in QUESTION]
    master["cells"][end + 1:end + 1] = new
    master_path.write_text(json.dumps(master, indent=1), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NNCOURSE_ROOT", str(root))
        build([HW])
        yield root


def test_the_solution_earns_the_plain_assert_points_and_the_stub_none(course, tmp_path, monkeypatch):
    monkeypatch.setenv("NNCOURSE_ROOT", str(course))
    hw = Assignment.load(HW)
    solution = grade_submission(course / "solutions" / HW / f"{HW}.ipynb", hw, submission_id="solution")
    assert solution.points_by_question()["q8"] == 1, [q.message for q in solution.questions]
    assert solution.score == solution.max_score == sum(SOLUTION.values()) + 1  # the corpus's points and q8's one
    student = grade_submission(course / "assignments" / HW / f"{HW}.ipynb", hw, submission_id="student")
    q8 = next(q for q in student.questions if q.name == "q8")
    assert q8.score == 0 and q8.message  # the answer is `...`: an Ellipsis, not 33


def test_a_wrong_value_gets_the_assertions_own_message(course, tmp_path, monkeypatch):
    monkeypatch.setenv("NNCOURSE_ROOT", str(course))
    nb = fill_student_notebook(HW, {("q8", 1): "xor_param_count = 17"})
    path = tmp_path / f"{HW}.ipynb"
    path.write_text(nbformat.writes(nbformat.from_dict(nb)), encoding="utf-8")
    result = grade_submission(path, Assignment.load(HW), submission_id="wrong")
    [test] = [t for q in result.questions if q.name == "q8" for t in q.tests if t.hidden]
    assert not test.passed and test.message == "expected 33 parameters, found 17"
    assert result.points_by_question()["q7"] == SOLUTION["q7"]  # the other questions keep their points
