"""A batch never stops on a submission: whatever fails while grading one becomes its result."""

from __future__ import annotations

import csv
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from autograder.batch import run as batch_run
from autograder.batch.run import run_batch


@pytest.fixture
def no_fork_server(monkeypatch):
    """Nothing here runs student code: no fork server is started."""
    monkeypatch.setenv("NNCOURSE_FORK_SERVER", "0")


def gradebook(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as handle:
        return {row["submission"]: row for row in csv.DictReader(handle)}


def test_a_file_name_that_is_not_utf8_is_graded_and_written(hw01, tmp_path, no_fork_server):
    """A name with a byte that is not UTF-8 reaches the result as a lone surrogate; once it
    crashed the gradebook writer and with it the batch."""
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / os.fsdecode(b"caf\xe9.ipynb")).write_bytes(b"{ not json")
    (subs / "plain.ipynb").write_bytes(b"{ not json")
    with ThreadPoolExecutor(1) as pool:
        batch = run_batch([subs], hw01, tmp_path / "out", executor=pool)
    assert sorted(r.status for r in batch.results) == ["ungradable", "ungradable"]
    assert len(gradebook(tmp_path / "out")) == 2
    stored = [json.loads(p.read_text(encoding="utf-8")) for p in (tmp_path / "out" / "results").glob("*.json")]
    assert any(r["file"] == "caf\\udce9.ipynb" for r in stored)


def test_an_exception_while_grading_one_submission_is_its_error_and_the_batch_goes_on(
        hw01, tmp_path, no_fork_server, monkeypatch):
    subs = tmp_path / "subs"
    subs.mkdir()
    for name in ("alice", "bob", "carol"):
        (subs / f"{name}.ipynb").write_bytes(b"{ not json")
    real = batch_run.grade_submission

    def fails_on_bob(path, *args, **kwargs):
        if path.stem == "bob":
            raise RecursionError("maximum recursion depth exceeded")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(batch_run, "grade_submission", fails_on_bob)
    with ThreadPoolExecutor(2) as pool:
        run_batch([subs], hw01, tmp_path / "out", executor=pool)
    rows = gradebook(tmp_path / "out")
    assert rows["bob"]["status"] == "error" and rows["bob"]["total"] == "0"
    assert rows["bob"]["message"].startswith("the grader could not grade this submission: RecursionError")
    assert rows["alice"]["status"] == rows["carol"]["status"] == "ungradable"
    saved = json.loads((tmp_path / "out" / "results" / "bob.json").read_text(encoding="utf-8"))
    assert saved["status"] == "error" and all(q["score"] == 0 for q in saved["questions"])
    assert (tmp_path / "out" / "feedback" / "bob.html").is_file()

    monkeypatch.setattr(batch_run, "grade_submission", real)  # the rerun grades bob again
    with ThreadPoolExecutor(2) as pool:
        again = run_batch([subs], hw01, tmp_path / "out", executor=pool)
    assert again.reused == 2 and again.graded == 1
    assert gradebook(tmp_path / "out")["bob"]["status"] == "ungradable"


def test_a_stored_result_is_reused_only_if_this_grader_signed_it(hw01, tmp_path, no_fork_server, monkeypatch):
    """A result file rewritten by anyone else (its own 17/17) is graded again; the key lives
    in the grader's state folder, outside every sandbox."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "mallory.ipynb").write_bytes(b"{ not json")
    with ThreadPoolExecutor(1) as pool:
        run_batch([subs], hw01, tmp_path / "out", executor=pool)
    stored_path = tmp_path / "out" / "results" / "mallory.json"
    stored = json.loads(stored_path.read_text(encoding="utf-8"))
    assert (tmp_path / "state" / "nncourse" / "resume.key").stat().st_mode & 0o777 == 0o600
    forged = {**stored, "score": 17, "status": "ok"}
    stored_path.write_text(json.dumps(forged), encoding="utf-8")
    with ThreadPoolExecutor(1) as pool:
        again = run_batch([subs], hw01, tmp_path / "out", executor=pool)
    assert again.reused == 0 and gradebook(tmp_path / "out")["mallory"]["total"] == "0"
    with ThreadPoolExecutor(1) as pool:
        third = run_batch([subs], hw01, tmp_path / "out", executor=pool)
    assert third.reused == 1, "an untouched, signed result is reused"
