"""Batch grading at class scale (README "Grading a class"): one folder of mixed submissions.

The folder holds correct, buggy, broken, looping, sleeping and process-killing notebooks, an exact
copy of the solution, a Canvas re-submission and a file that is not a notebook. Grading it must give
a status for each; the same gradebook with 1 or 2 jobs, after a kill and a rerun, after Ctrl-C
and a rerun, and on a Dask cluster; and the outputs a TA reads (feedback, summary).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder import paths
from autograder.batch.run import run_batch
from autograder.authoring.corpus import load_manifest, materialise
from autograder.engine.assignment import Assignment
from tests.helpers import code_notebook

pytestmark = pytest.mark.slow

ENTRIES = ("solution", "student", "q4_sign_flipped", "q6_labels_wrong_shape", "alt_loops_and_order")
TIMEOUT = "10"  # CPU seconds per submission (a correct hw01 notebook needs about 2): the looping one costs this much in every run
EXPECT = {e.name: e.expect for e in load_manifest(paths.corpus_dir("hw01"))}


def total(entry: str) -> str:
    """The gradebook's total for a corpus entry, from the manifest's points."""
    return f"{sum(EXPECT[entry].values()):g}"


def _terminal_signals() -> None:
    """Ctrl-C as a terminal delivers it: a shell that starts pytest in the background (``cmd &``)
    makes SIGINT ignored, and an ignored SIGINT would be inherited by the grader under test."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def cli(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "autograder.cli", "grade", "hw01", *args],
                            cwd=paths.course_root(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=_terminal_signals, **kwargs)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("class")
    made = dict((e.name, p) for e, p in materialise("hw01", paths.corpus_dir("hw01"),
                                                   root / "made"))
    subs = root / "submissions"
    subs.mkdir()
    for name in ENTRIES:
        shutil.copy(made[name], subs / f"{name}.ipynb")
    shutil.copy(made["solution"], subs / "copied_solution.ipynb")
    # Canvas names: the second upload (larger submission id) of the same student is graded
    shutil.copy(made["student"], subs / "doejane_12345_60001_hw01.ipynb")
    shutil.copy(made["solution"], subs / "doejane_12345_60002_hw01.ipynb")
    code_notebook(subs / "loops.ipynb", "while True:\n    pass")
    code_notebook(subs / "sleeps.ipynb", "import time\ntime.sleep(4)")  # a slow notebook that uses no CPU
    code_notebook(subs / "kills_itself.ipynb", "import os\nos._exit(9)")
    (subs / "broken.ipynb").write_text("{ not json", encoding="utf-8")
    (subs / "notes.txt").write_text("not a notebook", encoding="utf-8")
    shutil.rmtree(root / "made")
    return subs


@pytest.fixture(scope="module")
def small(folder, tmp_path_factory) -> Path:
    """Part of the folder for the killed and the interrupted runs, which grade it twice: the
    reference's rows for these submissions are what they must end with."""
    subs = tmp_path_factory.mktemp("small")
    for name in ("solution", "student", "q4_sign_flipped", "q6_labels_wrong_shape", "alt_loops_and_order",
                 "kills_itself", "broken", "sleeps"):  # the sleeping one keeps the run going when it is stopped
        shutil.copy(folder / f"{name}.ipynb", subs / f"{name}.ipynb")
    return subs


def same_rows(out: Path, reference: Path, folder: Path) -> None:
    """``out``'s gradebook has exactly the reference's rows for the submissions in ``folder``."""
    names = {p.stem for p in folder.glob("*.ipynb")}
    assert rows(out) == {name: row for name, row in rows(reference).items() if name in names}


@pytest.fixture(scope="module")
def reference(folder, tmp_path_factory) -> Path:
    """One uninterrupted run with --jobs 2."""
    out = tmp_path_factory.mktemp("reference")
    done = cli(str(folder), "--out", str(out), "--jobs", "2", "--timeout", TIMEOUT)
    stdout, stderr = done.communicate(timeout=600)
    assert done.returncode == 0, stdout + stderr
    return out


def rows(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as handle:
        return {row["submission"]: row for row in csv.DictReader(handle)}


def test_every_submission_gets_a_status_and_the_right_points(reference):
    got = {name: (row["total"], row["status"]) for name, row in rows(reference).items()}
    full = total("solution")
    assert got == {
        "solution": (full, "ok"), "copied_solution": (full, "ok"), "alt_loops_and_order": (full, "ok"),
        "student": ("0", "error"), "q4_sign_flipped": (total("q4_sign_flipped"), "ok"),
        "q6_labels_wrong_shape": (total("q6_labels_wrong_shape"), "error"),
        "doejane_12345": (full, "ok"), "loops": ("0", "timeout"), "kills_itself": ("0", "kernel_died"),
        "broken": ("0", "ungradable"), "sleeps": ("0", "ok"),
    }


def test_outputs_a_ta_reads(reference):
    feedback = {p.stem for p in (reference / "feedback").glob("*.html")}
    assert feedback == set(rows(reference))
    page = (reference / "feedback" / "q4_sign_flipped.html").read_text(encoding="utf-8")
    q4 = f"{EXPECT['solution']['q4']:g}"
    assert f"autograded {total('q4_sign_flipped')} / {total('solution')}" in page
    assert f"<h2>q4: {EXPECT['q4_sign_flipped']['q4']:g} / {q4} points</h2>" in page
    summary = json.loads((reference / "summary.json").read_text(encoding="utf-8"))
    assert summary["submissions"] == 11
    assert any(item["path"].endswith("notes.txt") for item in summary["skipped"])
    assert [d["path"].endswith("doejane_12345_60001_hw01.ipynb") for d in summary["duplicates"]] == [True]
    groups = [sorted(m["submission"] for m in g["submissions"]) for g in summary["copying"]]
    # identical notebooks give identical outputs (so may a correct notebook written the same way)
    assert any({"copied_solution", "doejane_12345", "solution"} <= set(g) for g in groups), groups
    assert not any("q4_sign_flipped" in g for g in groups)
    assert "<svg" in (reference / "summary.html").read_text(encoding="utf-8")


@pytest.mark.full
def test_one_job_gives_the_same_gradebook(folder, reference, tmp_path):
    done = cli(str(folder), "--out", str(tmp_path), "--jobs", "1", "--timeout", TIMEOUT)
    stdout, stderr = done.communicate(timeout=900)
    assert done.returncode == 0, stderr
    assert (tmp_path / "gradebook.csv").read_bytes() == (reference / "gradebook.csv").read_bytes()


def wait_for_results(out: Path, count: int, process: subprocess.Popen) -> None:
    end = time.monotonic() + 300
    while len(list((out / "results").glob("*.json"))) < count:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < end, "no results appeared"
        time.sleep(0.1)


def test_killed_batch_resumes_to_an_identical_gradebook(small, reference, tmp_path):
    """SIGKILL to the grader's process group after 3 results, then a rerun: the same gradebook, and
    the rerun removes what the killed grader left (its scratch folder: the fork server's home and
    log, the work folders of the submissions in flight)."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    first = cli(str(small), "--out", str(tmp_path / "out"), "--jobs", "2", "--timeout", TIMEOUT, env=env)
    wait_for_results(tmp_path / "out", 3, first)
    os.killpg(first.pid, signal.SIGKILL)
    first.communicate()
    left = [p for p in scratch.iterdir() if p.name.startswith("nncourse-run-")]
    assert len(left) == 1 and any(left[0].iterdir()), "the killed grader's scratch folder"
    kept = len(list((tmp_path / "out" / "results").glob("*.json")))
    assert not (tmp_path / "out" / "gradebook.csv").exists()
    second = cli(str(small), "--out", str(tmp_path / "out"), "--jobs", "2", "--timeout", TIMEOUT, env=env)
    stdout, stderr = second.communicate(timeout=600)
    assert second.returncode == 0, stderr
    assert "reused from an earlier run" in stdout and f"{kept} reused" in stdout, stdout
    same_rows(tmp_path / "out", reference, small)
    assert list(scratch.iterdir()) == [], "leftovers of the killed grader (or of the rerun)"


def test_ctrl_c_stops_cleanly_and_a_rerun_finishes(small, reference, tmp_path):
    first = cli(str(small), "--out", str(tmp_path), "--jobs", "2", "--timeout", TIMEOUT)
    wait_for_results(tmp_path, 2, first)
    os.killpg(first.pid, signal.SIGINT)  # what the terminal sends to the whole group on Ctrl-C
    stdout, stderr = first.communicate(timeout=60)
    assert first.returncode == 130, stderr
    assert "Run the same command again" in stderr and "Traceback" not in stderr, stderr
    assert not (tmp_path / "gradebook.csv").exists()
    second = cli(str(small), "--out", str(tmp_path), "--jobs", "2", "--timeout", TIMEOUT)
    stdout, stderr = second.communicate(timeout=600)
    assert second.returncode == 0 and "reused from an earlier run" in stdout, stdout + stderr
    same_rows(tmp_path, reference, small)


@pytest.mark.full
def test_dask_cluster_gives_the_same_gradebook(folder, reference, tmp_path):
    """The same grading through a local Dask cluster's executor (the [dask] extra)."""
    pytest.importorskip("distributed")
    from autograder.batch.executors import dask_executor

    picked = tmp_path / "picked"
    picked.mkdir()
    for name in ("solution", "q4_sign_flipped", "kills_itself"):
        shutil.copy(folder / f"{name}.ipynb", picked)
    executor, close = dask_executor("local", 1)
    try:
        batch = run_batch([picked], Assignment.load("hw01"), tmp_path / "out", executor=executor, timeout=20.0)
    finally:
        close()
    assert batch.graded == 3
    got = (tmp_path / "out" / "gradebook.csv").read_text(encoding="utf-8").splitlines()
    want = (reference / "gradebook.csv").read_text(encoding="utf-8").splitlines()
    assert got[0] == want[0]
    assert sorted(got[1:]) == sorted(line for line in want[1:] if line.split(",")[0] in
                                     {"solution", "q4_sign_flipped", "kills_itself"})
