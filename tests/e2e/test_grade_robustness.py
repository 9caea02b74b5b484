"""Whole submissions that crash, hang, exit or are not notebooks: grading always finishes.

README "Status per submission" and GRADING.md property 8 (isolation): every submission gets a
status, a message naming what went wrong, and a score; one submission's failure never stops the
batch or changes another's grade. Each notebook costs a fresh student process (a torch import),
so submissions are graded together: one batch with the solution, one group of time-limit cases.
"""

from __future__ import annotations

import csv
import dataclasses
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from autograder import paths
from autograder.authoring.corpus import load_manifest
from autograder.student_process import session
from autograder.student_process.cputime import WALL_FACTOR
from autograder.batch.run import grade_many
from autograder.engine.grade import GradeOptions, grade_submission
from autograder.engine.result import Result, TestResult
from tests.helpers import code_notebook

pytestmark = pytest.mark.slow

SOLUTION = paths.solutions_dir() / "hw01" / "hw01.ipynb"
OTTER = 'import otter\ngrader = otter.Notebook("hw01.ipynb")'


def running_with_arguments(*argv: str) -> list[int]:
    """Pids of live processes whose command line is exactly ``argv`` (zombies have none)."""
    wanted = "\0".join(argv).encode() + b"\0"
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "cmdline").read_bytes() == wanted:
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def cases_by_name(result: Result) -> dict[str, TestResult]:
    return {t.name: t for q in result.questions for t in q.tests}


# --------------------------------------------------------------------------------------------
# One batch: the solution beside broken submissions, two at a time.


@pytest.fixture(scope="module")
def batch(tmp_path_factory, hw01):
    tmp = tmp_path_factory.mktemp("batch")
    subs = tmp / "submissions"
    child = ["sleep", f"{300 + os.getpid() % 1000}.{time.time_ns() % 10**6:06d}"]  # unique to this run
    subs.mkdir()
    shutil.copyfile(SOLUTION, subs / "solution.ipynb")  # first, so one worker grades it throughout
    code_notebook(subs / "first_cell_raises.ipynb",
                  'raise ValueError("boom in cell one")',
                  f"{OTTER}\nand_test_accuracy = or_test_accuracy = 0.5",
                  'grader.check("q1")')
    code_notebook(subs / "syntax_error.ipynb", "x = 1", "def f(:\n    pass", "y = 2")
    code_notebook(subs / "exits.ipynb", "import os\nos._exit(1)", "never = True")
    code_notebook(subs / "killed_with_child.ipynb",
                  f"import subprocess\nchild = subprocess.Popen({child!r})",
                  "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    code_notebook(subs / "losses_as_text.ipynb",
                  f"{OTTER}\nimport torch",
                  "def train(model, X, y, loss_fn, optimizer, epochs):\n"
                  "    losses = []\n"
                  "    for epoch in range(epochs):\n"
                  "        optimizer.zero_grad()\n"
                  "        loss = loss_fn(model(X), y)\n"
                  "        loss.backward()\n"
                  "        optimizer.step()\n"
                  "        losses.append(f'epoch {epoch}: {loss.item():.4f}')\n"
                  "    return losses",
                  'grader.check("q5")')
    (subs / "not_json.ipynb").write_text("this was a Word document\n", encoding="utf-8")
    order = ["solution", "first_cell_raises", "syntax_error", "exits", "killed_with_child",
             "losses_as_text", "not_json"]
    out = tmp / "graded"
    started = time.monotonic()
    results = grade_many([subs / f"{name}.ipynb" for name in order], hw01, out, jobs=2)
    return {"results": {r.submission: r for r in results}, "out": out, "order": order,
            "child": child, "seconds": time.monotonic() - started}


def test_solution_keeps_full_marks_beside_broken_submissions(batch):
    result = batch["results"]["solution"]
    full = sum(next(e for e in load_manifest(paths.corpus_dir("hw01")) if e.name == "solution").expect.values())
    assert (result.status, result.score, result.max_score) == ("ok", full, full), (
        result.message, [(q.name, q.message) for q in result.questions])


def test_first_cell_raises(batch):
    result = batch["results"]["first_cell_raises"]
    assert result.status == "error"
    assert result.message == "cell 1 (q1) raised ValueError: boom in cell one"
    assert result.score == 0 and len(result.questions) == 7
    assert all(q.message for q in result.questions)
    # the cells after the error still ran: q1's format test sees their variables
    assert cases_by_name(result)["test_q1_format"].passed
    assert [c.error is None for c in result.cells] == [False, True, True]


def test_syntax_error(batch):
    result = batch["results"]["syntax_error"]
    assert result.status == "error" and result.score == 0
    assert result.message.startswith("cell 2 raised SyntaxError")
    assert [c.cell for c in result.cells] == [1, 2, 3]  # the cell after it still ran


def test_os_exit_is_kernel_died(batch):
    result = batch["results"]["exits"]
    assert result.status == "kernel_died" and result.score == 0
    assert "process died in cell 1" in result.message and "exited with code 1" in result.message
    assert all(t.message.startswith("not graded:") for t in cases_by_name(result).values())


def test_killed_process_takes_what_it_started_with_it(batch):
    result = batch["results"]["killed_with_child"]
    assert result.status == "kernel_died" and "in cell 2" in result.message
    assert "killed by signal SIGKILL" in result.message
    assert result.cells[0].error is None  # the child process was started
    deadline = time.monotonic() + 5
    while running_with_arguments(*batch["child"]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert running_with_arguments(*batch["child"]) == [], "the submission's child outlived grading"


def test_losses_as_text_is_the_students_mistake_not_the_graders(batch):
    result = batch["results"]["losses_as_text"]
    assert result.status == "ok"
    assert "grader test itself failed" not in result.message
    message = cases_by_name(result)["test_q5_returns_losses"].message
    assert "per-epoch losses as numbers" in message and "found a list of str" in message


def test_not_json_is_ungradable(batch):
    result = batch["results"]["not_json"]
    assert result.status == "ungradable" and result.score == 0
    assert "not valid JSON" in result.message
    assert all(q.score == 0 and q.message for q in result.questions)


def test_batch_writes_one_result_and_one_gradebook_row_per_submission(batch):
    out = batch["out"]
    assert sorted(p.stem for p in (out / "results").glob("*.json")) == sorted(batch["order"])
    saved = Result.from_json((out / "results" / "exits.json").read_text(encoding="utf-8"))
    assert saved.status == "kernel_died"
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as handle:
        rows = {row["submission"]: row for row in csv.DictReader(handle)}
    assert sorted(rows) == sorted(batch["order"])
    assert {name: row["status"] for name, row in rows.items()} == {
        "solution": "ok", "first_cell_raises": "error", "syntax_error": "error", "exits": "kernel_died",
        "killed_with_child": "kernel_died", "losses_as_text": "ok", "not_json": "ungradable"}
    # every autograded point; the written q6_written (2 points) counts 0 until a TA grades it; the
    # master notebook carries no student answer block, so it has nothing waiting for a TA
    full = sum(next(e for e in load_manifest(paths.corpus_dir("hw01")) if e.name == "solution").expect.values())
    assert (rows["solution"]["total"], rows["solution"]["max"], rows["solution"]["ungraded"]) == (
        f"{full:g}", f"{full + 2:g}", "")


# --------------------------------------------------------------------------------------------
# Time limits: a hung cell is stopped quickly and grading goes on.


@pytest.fixture(scope="module")
def timeouts(tmp_path_factory, hw01):
    """Three hanging submissions graded at once, with small limits; (result, seconds) by name."""
    tmp = tmp_path_factory.mktemp("timeouts")
    quick_cells = dataclasses.replace(hw01, config=dataclasses.replace(hw01.config, cell_timeout=2))
    cases = {
        # the whole submission's limit, from `nncourse grade --timeout`
        "spins": (code_notebook(tmp / "spins.ipynb", "while True: pass"), hw01, 8),
        # the per-cell limit: the cell is interrupted and the rest of the notebook still runs
        "one_cell_spins": (code_notebook(tmp / "one_cell_spins.ipynb", OTTER, "while True: pass",
                                         "and_test_accuracy = or_test_accuracy = 0.5",
                                         'grader.check("q1")'), quick_cells, 60),
        # a cell that ignores the interrupt is killed, with the whole process
        "ignores_interrupt": (code_notebook(tmp / "ignores_interrupt.ipynb",
                                            "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                                            "while True: pass"), quick_cells, 60),
        # a cell that waits uses no CPU time: the wall-clock backstop (4 x 2 s) stops it
        "sleeps": (code_notebook(tmp / "sleeps.ipynb", "import time\ntime.sleep(10**6)", OTTER,
                                 "and_test_accuracy = or_test_accuracy = 0.5", 'grader.check("q1")'),
                   quick_cells, 60),
    }

    def grade(name: str) -> tuple[dict, float]:
        path, assignment, limit = cases[name]
        started = time.monotonic()
        result = grade_submission(path, assignment, GradeOptions(timeout=limit))
        return result, time.monotonic() - started

    with pytest.MonkeyPatch.context() as patch:
        # an interrupted cell formats its traceback (about 0.4 s of CPU with torch loaded): 3 s
        # leaves room on a busy machine
        patch.setattr(session, "INTERRUPT_GRACE", 3.0)
        with ThreadPoolExecutor(max_workers=len(cases)) as pool:
            return dict(zip(cases, pool.map(grade, cases)))


def test_infinite_loop_hits_the_submission_time_limit(timeouts):
    result, seconds = timeouts["spins"]
    assert result.status == "timeout" and result.score == 0
    # 8 s of CPU time; on a machine so busy that the loop gets less than a quarter of a core, the
    # wall-clock backstop (4 x 8 s) comes first
    assert re.fullmatch(r"grading stopped (in|before) .*: the submission (used 8 s of CPU time, its limit|"
                        r"ran 32 s of wall time \(4 x its limit of 8 s of CPU time\) .*)", result.message), \
        result.message
    assert seconds < WALL_FACTOR * 8 + 15
    assert all(q.message for q in result.questions)


def test_infinite_loop_cell_is_interrupted_and_the_rest_still_runs(timeouts):
    result, seconds = timeouts["one_cell_spins"]
    assert result.status == "timeout"
    assert result.message == "cell 2 (q1) was stopped: it used 2 s of CPU time, its limit"
    assert cases_by_name(result)["test_q1_format"].passed  # cells after the loop ran
    assert seconds < 45  # well before the submission's 60 s limit


def test_cell_that_ignores_the_interrupt_is_killed(timeouts):
    result, seconds = timeouts["ignores_interrupt"]
    assert result.status == "timeout"
    assert result.message == ("cell 1 was killed: it used 2 s of CPU time, its limit, and did not stop "
                              "when interrupted")
    assert seconds < 45  # well before the submission's 60 s limit


def test_sleeping_cell_hits_the_wall_clock_backstop_and_the_rest_still_runs(timeouts):
    result, seconds = timeouts["sleeps"]
    assert result.status == "timeout"
    assert result.message.startswith("cell 1 (q1) was stopped: it ran 8 s of wall time (4 x its limit of 2 s of "
                                     "CPU time) without using that CPU time: it was probably waiting")
    assert cases_by_name(result)["test_q1_format"].passed
    assert seconds < 45


# --------------------------------------------------------------------------------------------
# The command a TA runs.


def test_cli_grade_writes_a_gradebook_row_per_submission(tmp_path):
    folder = tmp_path / "submissions"
    code_notebook(folder / "alice" / "hw01.ipynb", "raise RuntimeError('alice broke it')")
    (folder / "bob" / "hw01.ipynb").parent.mkdir(parents=True)
    (folder / "bob" / "hw01.ipynb").write_text("", encoding="utf-8")
    carol = code_notebook(tmp_path / "carol.ipynb", "import os\nos._exit(3)")
    out = tmp_path / "grades"
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", "hw01", str(folder), str(carol),
                           "--out", str(out), "--timeout", "60", "--jobs", "2", "--profile", "cpu"],
                          capture_output=True, text=True, cwd=paths.course_root(), timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = {row["submission"]: row for row in reader}
    assert reader.fieldnames == ["submission", "q1", "q2", "q3", "q4", "q5", "q6", "q7", "q6_written",
                                 "autograded", "written", "raw", "late_penalty", "total", "max", "ungraded", "late",
                                 "status", "message"]
    assert {name: row["status"] for name, row in rows.items()} == {
        "alice": "error", "bob": "ungradable", "carol": "kernel_died"}
    full = sum(next(e for e in load_manifest(paths.corpus_dir("hw01")) if e.name == "solution").expect.values())
    assert all(row["total"] == "0" and row["max"] == f"{full + 2:g}" for row in rows.values())
    assert "alice broke it" in rows["alice"]["message"]
    assert "empty" in rows["bob"]["message"]
    assert "exited with code 3" in rows["carol"]["message"]
    assert "carol" in done.stdout and "kernel_died" in done.stdout  # the score table


def test_cli_unknown_assignment_is_one_clear_line(tmp_path):
    notebook = code_notebook(tmp_path / "x.ipynb", "x = 1")
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", "hw99", str(notebook),
                           "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, cwd=paths.course_root(), timeout=60)
    assert done.returncode != 0
    assert "hw99" in done.stderr and "Traceback" not in done.stderr


def test_cli_never_prints_a_file_names_control_characters_or_a_formula_into_the_gradebook(tmp_path):
    """File names with ESC/BEL (a cleared screen, a fake 'ALL GRADED OK'), U+202E and a leading
    '-' reach the terminal and the gradebook as visible escapes and as text, never as commands."""
    folder = tmp_path / "submissions"
    folder.mkdir()
    (folder / "\x1b[2J\x1b[HALL 23 GRADED OK\x07.txt").write_text("not a notebook", encoding="utf-8")
    (folder / "gpj.\u202eipynb.ipynb").write_text("{ not json", encoding="utf-8")
    (folder / "-2-3.ipynb").write_text("{ not json", encoding="utf-8")
    out = tmp_path / "grades"
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", "hw01", str(folder),
                           "--out", str(out), "--profile", "cpu"], capture_output=True, text=True,
                          cwd=paths.course_root(), timeout=120, env={**os.environ, "NNCOURSE_FORK_SERVER": "0"})
    assert done.returncode == 0, done.stderr[-2000:]
    printed = done.stdout + done.stderr
    assert "\x1b" not in printed and "\x07" not in printed and "\u202e" not in printed
    assert "\\x1b[2J" in printed
    text = (out / "gradebook.csv").read_text(encoding="utf-8")
    assert "\u202e" not in text and "\n'-2-3," in text
