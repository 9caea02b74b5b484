"""Each assignment's student notebook, run top to bottom in a real Jupyter kernel as a student runs it.

Every notebook can run three ways: untouched (as distributed), filled with the solution's answers,
and filled with one corpus entry whose answer has the wrong format. Each run executes once
(nbclient, a real ipykernel, two runs at a time) and every assertion below reads that run:
- every figure a cell draws shows as an ``image/png`` output, never only as ``<Figure ...>`` text;
- every ``grader.check`` prints what it should: passed for a right answer, and for a wrong or
  missing one the check library's message naming the notebook's name;
- no output shows a line of a test file ("Error at line 12 in test q1") or a raw object repr
  (``<torch._C.Generator at 0x...>``);
- the zip the export cell writes grades (:mod:`autograder.engine.grade`) to the points and
  status the corpus manifest gives that submission.
One more run of the wrong-format HW1 notebook goes through ``otter check``.

CI (``uv run pytest``) runs one notebook, HW1 with a wrong-format answer, and ``otter check`` on it,
side by side (about a minute on 2 cores): that run meets every rule above but two, which other
tests hold: HW1 filled with the solution passes every check in a real browser
(``test_jupyterlab.py``), and an unfilled answer's message is unit-tested
(``tests/unit/checks/test_notebook_messages.py``). ``NNCOURSE_NOTEBOOKS=all`` runs all twelve runs
(HW1-HW4, three ways); the others are skipped, saying so.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from autograder import paths
from autograder.authoring.corpus import fill_student_notebook, load_manifest, parse_answers
from autograder.engine.assignment import Assignment
from autograder.engine.grade import grade_submission
from autograder.engine.result import Result
from autograder.student_process import fork_server
from autograder.student_process.session import base_env

pytestmark = pytest.mark.slow

# hw -> (corpus entry with a wrong-format answer, its question, what that question's check says)
WRONG_FORMAT = {
    "hw01": ("q6_labels_wrong_shape", "q6", "`and_neuron`, `or_neuron`, `xor_neuron_accuracy` are not defined"),
    "hw02": ("q6_returns_model_and_losses", "q6",
             "`fit_regressor`: wrong type: it should return the trained nn.Module, but it returned a tuple"),
    "hw03": ("q6_flat_labels", "q6", "reshape the labels with xx.shape"),
    "hw04": ("q4_percentage", "q4", "`evaluate` should return a fraction between 0 and 1, found"),
}
WAYS = ("untouched", "filled", "wrong_format")
RUNS = [(hw, way) for hw in WRONG_FORMAT for way in WAYS]
CI_RUNS = [("hw01", "wrong_format")]
SELECTED = RUNS if os.environ.get("NNCOURSE_NOTEBOOKS") == "all" else CI_RUNS
CONCURRENT = 2  # notebooks run at once: one per core of CI's 2-core machine

TEST_FILE_LINE = re.compile(r"Error at line \d+ in test")
RAW_REPR = re.compile(r"<[\w.]+ (?:object )?at 0x[0-9a-fA-F]+>")
CHECK_CALL = re.compile(r"""^grader\.check\(["'](\w+)["']\)\s*$""")
FIGURE_CELL = re.compile(r"plotting\.plot_\w+\(|plt\.\w+\(|^fig\s*$", re.MULTILINE)


@dataclass
class Run:
    hw: str
    way: str
    folder: Path
    nb: nbformat.NotebookNode
    seconds: float
    expect: dict[str, float] = field(default_factory=dict)
    status: str = "ok"
    graded: Result | None = None

    def code_cells(self) -> list[nbformat.NotebookNode]:
        return [c for c in self.nb.cells if c.cell_type == "code"]

    def export_zips(self) -> list[Path]:
        return sorted(self.folder.glob(f"{self.hw}_*.zip"))


def notebook_for(hw: str, way: str) -> tuple[dict, dict[str, float], str]:
    """(the notebook a student would have, the manifest's points for it, its grading status)."""
    entries = {e.name: e for e in load_manifest(paths.corpus_dir(hw))}
    if way == "untouched":
        student = next(e for e in entries.values() if e.category == "student")
        nb = json.loads((paths.assignments_dir() / hw / f"{hw}.ipynb").read_text(encoding="utf-8"))
        return nb, student.expect, student.status
    if way == "filled":
        solution = next(e for e in entries.values() if e.category == "solution")
        return fill_student_notebook(hw, {}), solution.expect, solution.status
    entry = entries[WRONG_FORMAT[hw][0]]
    answers = parse_answers((paths.corpus_dir(hw) / entry.answers).read_text(encoding="utf-8"))
    return fill_student_notebook(hw, answers), entry.expect, entry.status


def kernel_env() -> dict[str, str]:
    """The environment a student's Jupyter starts its kernel with (no test-suite settings), with
    one thread per kernel: two notebooks share CI's two cores, as if each had a machine of one core."""
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND" and not k.startswith("NNCOURSE_")}
    return {**env, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


@functools.cache
def preload() -> list[str]:
    return sorted({name for hw in WRONG_FORMAT for name in Assignment.load(hw).preload()})


def _grade(run: Run) -> None:
    """Grade the export zip as ``nncourse grade`` does: in a student process forked from a fork
    server (one for every assignment here, preloading what any of their notebooks imports)."""
    zips = run.export_zips()
    if len(zips) == 1:
        assignment = Assignment.load(run.hw)
        server = fork_server.shared(base_env(assignment.config.threads), preload())
        run.graded = grade_submission(zips[0], assignment, submission_id=f"{run.hw}-{run.way}", fork_server=server)


async def _execute_and_grade(run: Run, gate: asyncio.Semaphore) -> None:
    async with gate:
        client = NotebookClient(run.nb, timeout=300, kernel_name="python3", allow_errors=True,
                                resources={"metadata": {"path": str(run.folder)}})
        started = time.perf_counter()
        await client.async_execute(env=kernel_env())
        run.seconds = time.perf_counter() - started
        await asyncio.get_running_loop().run_in_executor(None, _grade, run)


async def _otter_check(folder: Path, gate: asyncio.Semaphore) -> subprocess.CompletedProcess:
    async with gate:
        process = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).with_name("otter")), "check", f"{folder.name}.ipynb", cwd=folder,
            env=kernel_env(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(process.communicate(), 600)
        return subprocess.CompletedProcess(["otter", "check"], process.returncode, out.decode(), err.decode())


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    """Every selected (assignment, way) notebook executed once and its export zip graded, two at a
    time; alongside, ``otter check`` on a copy of HW1's wrong-format notebook (key "otter check")."""
    made: dict = {}
    for hw, way in SELECTED:
        folder = tmp_path_factory.mktemp(f"{hw}-{way}") / hw
        shutil.copytree(paths.assignments_dir() / hw, folder)
        nb, expect, status = notebook_for(hw, way)
        (folder / f"{hw}.ipynb").write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding="utf-8")
        made[(hw, way)] = Run(hw, way, folder, nbformat.reads(json.dumps(nb), as_version=4), 0.0, expect, status)
    checked = tmp_path_factory.mktemp("otter-check") / "hw01"
    shutil.copytree(made[("hw01", "wrong_format")].folder, checked)

    async def run_all() -> None:
        gate = asyncio.Semaphore(CONCURRENT)
        jobs = [_execute_and_grade(run, gate) for run in made.values()]
        made["otter check"], *_ = await asyncio.gather(_otter_check(checked, gate), *jobs)

    started = time.perf_counter()
    asyncio.run(run_all())
    print(f"\n{len(SELECTED)} notebooks executed and graded, and otter check, in {time.perf_counter() - started:.0f} s; "
          "notebooks: " + ", ".join(f"{hw} {way} {made[(hw, way)].seconds:.0f} s" for hw, way in SELECTED))
    return made


def selected(way: str | None = None) -> list:
    """The selected (hw, way) runs, or the assignments whose ``way`` run is selected."""
    return SELECTED if way is None else [hw for hw, w in SELECTED if w == way]


def shown_text(output: nbformat.NotebookNode) -> str:
    """The text a front end shows for one output (text/plain only where nothing richer exists)."""
    if output.output_type == "stream":
        return output.text
    if output.output_type == "error":
        return f"{output.ename}: {output.evalue}"
    data = output.get("data", {})
    return data.get("text/plain", "") if set(data) <= {"text/plain"} else data.get("text/html", "")


def raised(cell: nbformat.NotebookNode) -> bool:
    return any(o.output_type == "error" for o in cell.outputs)


def check_reports(run: Run) -> dict[str, str]:
    """What each ``grader.check("qN")`` cell printed, by question."""
    reports = {}
    for cell in run.code_cells():
        match = CHECK_CALL.match(cell.source.strip())
        if match:
            reports[match.group(1)] = "".join(o.get("data", {}).get("text/plain", "") for o in cell.outputs)
    return reports


def failure_lines(report: str) -> list[str]:
    """The lines under each "Test case failed" of a check report: what the student reads."""
    lines = report.splitlines()
    return [lines[i + 1].strip() for i, line in enumerate(lines[:-1]) if "Test case failed" in line]


@pytest.mark.parametrize("hw,way", selected())
def test_figures_show_as_images(runs, hw, way):
    run = runs[(hw, way)]
    for index, cell in enumerate(run.nb.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.outputs:
            text = output.get("data", {}).get("text/plain", "")
            if text.startswith("<Figure"):
                assert "image/png" in output.data, f"cell {index} shows {text} as text, not as an image"
        if FIGURE_CELL.search(cell.source) and not raised(cell):
            images = [o for o in cell.outputs if "image/png" in o.get("data", {})]
            assert images, f"cell {index} draws a figure but shows no image:\n{cell.source}"


@pytest.mark.parametrize("hw,way", selected())
def test_no_output_shows_a_test_file_line_or_a_raw_repr(runs, hw, way):
    run = runs[(hw, way)]
    for index, cell in enumerate(run.nb.cells):
        for output in cell.get("outputs", []):
            text = shown_text(output)
            assert not TEST_FILE_LINE.search(text), f"cell {index}: {text}"
            assert not RAW_REPR.search(text), f"cell {index}: {text}"


@pytest.mark.parametrize("hw", selected("filled"))
def test_public_checks_pass_on_the_solution(runs, hw):
    run = runs[(hw, "filled")]
    reports = check_reports(run)
    assert reports, "no grader.check cells found"
    for question, report in reports.items():
        assert f"{question} results: All test cases passed!" in report, report
    check_all = next(c for c in run.code_cells() if c.source.strip() == "grader.check_all()")
    assert "Test case failed" not in shown_text(check_all.outputs[0])
    assert not [c for c in run.code_cells() if raised(c)], "a cell of the solution raised"


@pytest.mark.parametrize("hw", selected("untouched"))
def test_public_checks_of_the_untouched_notebook_name_what_is_missing(runs, hw):
    for question, report in check_reports(runs[(hw, "untouched")]).items():
        lines = failure_lines(report)
        assert lines, f"{question} passed on the untouched notebook:\n{report}"
        for line in lines:  # a notebook name first: "`x` is not defined: ...", "`f` returned ..."
            assert re.match(r"`\w+`", line), f"{question}: {line}"


@pytest.mark.parametrize("hw", selected("wrong_format"))
def test_a_wrong_format_answer_fails_only_its_own_check_and_says_why(runs, hw):
    _, question, message = WRONG_FORMAT[hw]
    reports = check_reports(runs[(hw, "wrong_format")])
    assert message in "\n".join(failure_lines(reports[question])), reports[question]
    for other, report in reports.items():
        if other != question:
            assert f"{other} results: All test cases passed!" in report, report


@pytest.mark.parametrize("hw,way", selected())
def test_the_export_cells_zip_grades_to_the_manifest_points(runs, hw, way):
    run = runs[(hw, way)]
    assert len(run.export_zips()) == 1, f"the export cell wrote {run.export_zips()}"
    result = run.graded
    assert result.points_by_question() == run.expect, "\n".join(f"{q.name}: {q.message}" for q in result.questions)
    assert result.status == run.status, result.message


def test_otter_check_reports_the_failing_question(runs):
    """``otter check NOTEBOOK`` runs (public tests carry points for it) and words failures as grader.check."""
    done = runs["otter check"]
    assert done.returncode == 0, done.stderr[-3000:]
    assert "q1 results: All test cases passed!" in done.stdout, done.stdout
    assert WRONG_FORMAT["hw01"][2] in done.stdout, done.stdout
    assert not TEST_FILE_LINE.search(done.stdout)


@pytest.mark.parametrize("hw,way", [(hw, way) for hw, way in selected() if way != "untouched"])
def test_the_html_export_embeds_every_figure(runs, hw, way):
    """nbconvert's HTML (what "File > Save and Export Notebook As > HTML" writes) shows the plots."""
    from nbconvert import HTMLExporter

    run = runs[(hw, way)]
    pngs = sum("image/png" in o.get("data", {}) for c in run.code_cells() for o in c.outputs)
    html, _ = HTMLExporter().from_notebook_node(run.nb)
    assert pngs and len(re.findall(r'<img [^>]*src="data:image/png;base64,', html)) == pngs
