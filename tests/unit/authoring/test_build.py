"""`nncourse build`: deterministic output, a working --check, and no answers leaked to students."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import paths
from autograder.authoring.build import BuildError, build, build_assignment, split_master, stale_files
from autograder.authoring.verify import VERIFIED_FILE
from autograder.authoring.corpus import solution_answers
from autograder.engine.bundle import load_test_dir

HW = "hw01"


@pytest.fixture(scope="module")
def built_twice(tmp_path_factory) -> tuple[Path, Path]:
    """hw01 built here, and as the session built it (its bundle in dist/, its committed notebook)."""
    first = tmp_path_factory.mktemp("first")
    build_assignment(HW, first)
    return first, paths.course_root()


def test_build_is_byte_identical(built_twice):
    """The same master notebook gives byte-identical student notebooks, tests and bundles (the
    build's proof record aside: it exists only where the assignment was proven)."""
    first, second = built_twice
    assert [f for f in stale_files(first / "dist" / HW, second / "dist" / HW)
            if f != f"{VERIFIED_FILE} (not generated)"] == []
    assert stale_files(first / "assignments" / HW, second / "assignments" / HW) == []
    assert list(first.rglob("*.ipynb")), "nothing was built"


def test_committed_student_notebooks_are_fresh():
    """`nncourse build --check` exits 0 on the committed tree (CI fails when it is stale). The proof
    is skipped here: tests/e2e/test_corpus.py grades every solution and student notebook through the
    same grader, and tests/e2e/test_build_verify.py tests the proof itself."""
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "build", "--check", "--no-verify"],
                          capture_output=True, text=True, cwd=paths.course_root())
    assert done.returncode == 0, done.stdout + done.stderr


def test_check_of_a_hand_edited_notebook_builds_and_lists_it(tmp_path, monkeypatch):
    """--check does not trust its record when the committed notebook changed: it rebuilds and
    names the file (on a copy of the course, so the checkout stays untouched)."""
    course = tmp_path / "course"
    for folder in ("solutions", "assignments"):
        shutil.copytree(paths.course_root() / folder / HW, course / folder / HW)
    shutil.copytree(paths.dist_dir() / HW, course / "dist" / HW)
    notebook = course / "assignments" / HW / f"{HW}.ipynb"
    notebook.write_text(notebook.read_text(encoding="utf-8").replace("XOR", "X0R"), encoding="utf-8")
    monkeypatch.setenv("NNCOURSE_ROOT", str(course))
    assert build([HW], check=True) == [f"assignments/{HW}/{HW}.ipynb"]
    monkeypatch.delenv("NNCOURSE_ROOT")


def test_check_reports_a_stale_notebook(built_twice):
    """A hand-edited generated notebook is reported as stale."""
    first, _ = built_twice
    edited = first / "edited"
    edited.mkdir()
    (edited / "hw01.ipynb").write_text("{}")
    problems = stale_files(first / "assignments" / HW, edited)
    assert "hw01.ipynb" in problems and "tests/q1.py" in problems


def _student_text(root: Path) -> str:
    folder = root / "assignments" / HW
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*")) if p.is_file())


def test_student_notebook_holds_no_solution_code(built_twice):
    """No line written between BEGIN/END SOLUTION markers reaches the student's folder."""
    first, _ = built_twice
    master = json.loads((paths.solutions_dir() / HW / f"{HW}.ipynb").read_text())
    student = _student_text(first)
    solution_lines = set()
    for cell in master["cells"]:
        inside = False
        for line in "".join(cell["source"]).splitlines():
            if line.strip() == "# BEGIN SOLUTION":
                inside = True
            elif line.strip() == "# END SOLUTION":
                inside = False
            elif inside and len(line.strip()) > 12:
                solution_lines.add(line.strip())
    assert solution_lines, "the master notebook should contain inline solutions"
    leaked = [line for line in solution_lines if line in student]
    assert leaked == []
    # written answers (whole solution cells of manual questions) do not leak either
    for question, kind, text in solution_answers(master):
        if kind == "markdown":
            assert text.strip()[:60] not in student


def test_student_folder_holds_no_hidden_test(built_twice):
    """Hidden test cases exist in the grader's bundle and nowhere in the student's folder."""
    first, _ = built_twice
    bundle_tests = load_test_dir(first / "dist" / HW / "tests")
    hidden = [case.name for test in bundle_tests for case in test.cases if case.hidden]
    assert len(hidden) >= 7
    student = _student_text(first)
    assert not [name for name in hidden if name in student]
    assert "hidden=True" not in student and "# HIDDEN" not in student


def test_every_question_has_public_and_hidden_tests(built_twice):
    """GRADING.md property 5: each autograded question has a public and a hidden test."""
    first, _ = built_twice
    for test in load_test_dir(first / "dist" / HW / "tests"):
        kinds = {case.hidden for case in test.cases}
        assert kinds == {True, False}, f"{test.name} needs both public and hidden tests"
        assert all(case.points == 0 for case in test.cases if not case.hidden), \
            f"{test.name}: public tests check format only and are worth 0"


def test_grading_config_is_required():
    """A master notebook without its GRADING CONFIG cell is refused with a clear error."""
    with pytest.raises(BuildError, match="GRADING CONFIG"):
        split_master({"cells": [{"cell_type": "raw", "source": "# ASSIGNMENT CONFIG\nname: x"}]})


def test_grading_config_lands_in_the_bundle(built_twice):
    first, _ = built_twice
    config = json.loads((first / "dist" / HW / "grading.json").read_text())
    assert set(config["profiles"]) >= {"cpu", "cuda"}
    assert re.fullmatch(r"\d+", str(config["seed"]))


def _master_with_config(text: str) -> dict:
    return {"cells": [{"cell_type": "raw", "source": "# ASSIGNMENT CONFIG\nname: hw99"},
                      {"cell_type": "raw", "source": text}]}


def test_config_mistakes_are_one_line_each_naming_notebook_cell_and_key():
    """`seed: twenty`, `cell_timeout: soon` and a misspelled key (the issue's cases) are each one line
    naming the master, the cell and the key, with the fix; nothing reaches otter."""
    text = "## Ignore ##\n# GRADING CONFIG\nseed: twenty\ncell_timeout: soon\nsubmision_timeout: 60\n"
    with pytest.raises(BuildError) as refused:
        split_master(_master_with_config(text), "solutions/hw99/hw99.ipynb")
    assert str(refused.value).splitlines() == [
        "solutions/hw99/hw99.ipynb, cell 2 (# GRADING CONFIG): key seed (line 3): expected a whole number, "
        "found 'twenty' (grader seed: fresh data and notebook seeds derive from it)",
        "solutions/hw99/hw99.ipynb, cell 2 (# GRADING CONFIG): key cell_timeout (line 4): expected a number, "
        "found 'soon' (seconds of CPU time for one notebook cell)",
        "solutions/hw99/hw99.ipynb, cell 2 (# GRADING CONFIG): key submision_timeout (line 5): unknown key; "
        "did you mean 'submission_timeout'?"]


def test_a_config_cell_that_otter_would_copy_is_refused():
    """Without '## Ignore ##' first, plain otter assign would copy the grader's seed to students."""
    with pytest.raises(BuildError, match=r"cell 2 .*first line must be '## Ignore ##'"):
        split_master(_master_with_config("# GRADING CONFIG\nseed: 1\n"), "hw99")


def test_every_master_marks_its_config_cell_for_otter_to_drop():
    for master_path in sorted(paths.solutions_dir().glob("hw*/hw*.ipynb")):
        master = json.loads(master_path.read_text(encoding="utf-8"))
        config_cells = [c for c in master["cells"] if "GRADING CONFIG" in "".join(c["source"])]
        assert len(config_cells) == 1, master_path
        assert "".join(config_cells[0]["source"]).startswith("## Ignore ##\n# GRADING CONFIG\n"), master_path


def test_nncourse_build_reports_a_broken_config_without_a_traceback(tmp_path):
    from tests.helpers import GRADING_CONFIG, write_master

    course = tmp_path / "course"
    write_master(course, "hw99", [], grading=GRADING_CONFIG.replace("threads: 1", "threds: 1"))
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "build", "hw99"], capture_output=True,
                          text=True, env={**os.environ, "NNCOURSE_ROOT": str(course)})
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.splitlines() == [
        "nncourse: solutions/hw99/hw99.ipynb, cell 2 (# GRADING CONFIG): key threds (line 8): unknown key; "
        "did you mean 'threads'?"]
    assert not (course / "assignments").exists()


def test_plain_otter_assign_leaves_the_grading_config_out(tmp_path):
    """The master built by otter itself (not nncourse): no student or autograder notebook holds the
    grader's settings."""
    work = tmp_path / "master"
    shutil.copytree(paths.solutions_dir() / HW, work)
    done = subprocess.run([sys.executable, "-m", "otter", "assign", "--no-run-tests", str(work / f"{HW}.ipynb"),
                           str(tmp_path / "out")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    seed = str(json.loads((paths.dist_dir() / HW / "grading.json").read_text())["seed"])
    notebooks = sorted((tmp_path / "out").rglob("*.ipynb"))
    assert {p.parent.name for p in notebooks} == {"student", "autograder"}
    for notebook in notebooks:
        text = notebook.read_text(encoding="utf-8")
        assert "GRADING CONFIG" not in text and seed not in text, notebook


def test_student_notebook_ends_with_an_export_cell_that_needs_no_pdf_tools(built_twice):
    """The last code cell writes the submission zip; no PDF, so no pandoc or LaTeX on a student's machine."""
    first, _ = built_twice
    nb = json.loads((first / "assignments" / HW / f"{HW}.ipynb").read_text(encoding="utf-8"))
    last = [c for c in nb["cells"] if c["cell_type"] == "code"][-1]
    source = "".join(last["source"])
    assert "grader.export(" in source and "pdf=False" in source and "run_tests" not in source


def test_a_master_without_a_secret_is_refused_with_the_fix():
    """The hidden data derives from the config's secret: a master without one is refused, naming the
    key and how to make one; a secret that is not 64 hex digits is refused by the schema."""
    with pytest.raises(BuildError, match=r"key secret is missing.*token_hex\(32\)"):
        split_master(_master_with_config("## Ignore ##\n# GRADING CONFIG\nseed: 1\n"), "hw99")
    with pytest.raises(BuildError, match="secret"):
        split_master(_master_with_config("## Ignore ##\n# GRADING CONFIG\nseed: 1\nsecret: 1234\n"), "hw99")
