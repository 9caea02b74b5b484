"""Hostile and broken submissions (attacks.toml) never earn more than they would without the attack.

Each attack is one cell appended to the hw01 notebook as distributed (worth 0) or to a correct
one (worth 17). The whole set is graded as one batch, next to an untouched correct notebook that
must keep its 17 points. No output the grader keeps may contain the canary written into every
hidden test file, the grader's environment secrets, or evidence that the grader unpickled
anything.
"""

from __future__ import annotations

import copy
import io
import json
import os
import pickle
import shutil
import socket
import tempfile
import tomllib
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder import paths
from autograder.batch.run import grade_many
from autograder.authoring.build import canary
from autograder.authoring.corpus import fill_student_notebook
from autograder.engine.assignment import Assignment
from autograder.engine.result import Result
from tests.helpers import without_timings
from autograder.student_process.sandbox import LOCK_DIR, UID_BASE, is_root, processes_of

HW = "hw01"
ATTACKS = tomllib.loads((Path(__file__).parent / "attacks.toml").read_text(encoding="utf-8"))["attack"]
SECRET = "nncourse-secret-value-7f3a"
PICKLE_MARK = Path("/tmp/nncourse-pwned-by-pickle")

pytestmark = pytest.mark.slow


def base_notebook(kind: str) -> dict:
    if kind == "solution":
        return fill_student_notebook(HW, {})
    return json.loads((paths.assignments_dir() / HW / f"{HW}.ipynb").read_text(encoding="utf-8"))


def with_attack(base: dict, code: str) -> dict:
    nb = copy.deepcopy(base)
    nb["cells"].append(nbformat.v4.new_code_cell(code.strip("\n")))
    return nb


class Listener:
    """A TCP listener on 127.0.0.1 that records whether anything connected (the network attack)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]

    def connections(self) -> int:
        count = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return count
            count += 1
            conn.close()


def hostile_files(folder: Path, student: dict) -> dict[str, Path]:
    """Submissions that are hostile or broken as files rather than as code."""
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(student)
    files = {}

    class Payload:
        def __reduce__(self):
            return (Path.touch, (PICKLE_MARK,))

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hw01.ipynb", text)
        archive.writestr("../../escaped-by-zip.txt", "written outside the sandbox")
        archive.writestr("numpy.py", "raise SystemExit('hijacked numpy')")
        archive.writestr("sitecustomize.py", "import os; os._exit(9)")
        archive.writestr(".OTTER_LOG", pickle.dumps(Payload()))
    files["zip_with_traversal_and_hijacks"] = folder / "zip_with_traversal_and_hijacks.zip"
    files["zip_with_traversal_and_hijacks"].write_bytes(buffer.getvalue())
    raw = {
        "bad_json": b'{"cells": [ this is not json',
        "utf16_notebook": text.encode("utf-16"),
        "nbformat3": json.dumps({"nbformat": 3, "nbformat_minor": 0, "worksheets": [{"cells": []}],
                                 "metadata": {}}).encode(),
        "empty_file": b"",
        "no_cells": json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}).encode(),
    }
    for name, data in raw.items():
        files[name] = folder / f"{name}.ipynb"
        files[name].write_bytes(data)
    return files


FILE_CASES = {  # name -> (status, max score)
    "zip_with_traversal_and_hijacks": ("error", 0), "bad_json": ("ungradable", 0),
    "utf16_notebook": ("error", 0), "nbformat3": ("ungradable", 0), "empty_file": ("ungradable", 0),
    "no_cells": ("any", 0),
}


@pytest.fixture(scope="module")
def listener() -> Listener:
    return Listener()


@pytest.fixture(scope="module")
def graded(tmp_path_factory, listener) -> dict[str, Result]:
    tmp = tmp_path_factory.mktemp("attacks")
    PICKLE_MARK.unlink(missing_ok=True)
    bases = {kind: base_notebook(kind) for kind in ("student", "solution")}
    chosen = [a for a in ATTACKS if is_root() or not a.get("root_only")]
    groups: dict[bool, list[Path]] = {False: [], True: []}
    for attack in chosen:
        folder = tmp / ("slow" if attack.get("slow") else "normal")
        folder.mkdir(exist_ok=True)
        path = folder / f"{attack['name']}.ipynb"
        code = attack["code"].replace("{port}", str(listener.port))
        path.write_text(json.dumps(with_attack(bases[attack["base"]], code)), encoding="utf-8")
        groups[bool(attack.get("slow"))].append(path)
    groups[False] += hostile_files(tmp / "normal", bases["student"]).values()
    control = tmp / "normal" / "control_solution.ipynb"
    control.write_text(json.dumps(bases["solution"]), encoding="utf-8")
    groups[False].append(control)
    assignment = Assignment.load(HW)
    mp = pytest.MonkeyPatch()
    mp.setenv("NNCOURSE_TEST_SECRET", SECRET)  # a secret in the grader's environment
    # another checkout of the course, world-readable, that the grader was never told about
    decoy = Path(tempfile.mkdtemp(prefix="nncourse-decoy-checkout-"))
    (decoy / "dist" / HW / "tests").mkdir(parents=True)
    (decoy / "dist" / HW / "tests" / "q1.py").write_text(f"# {canary(HW)}\n", encoding="utf-8")
    for path in [decoy, *decoy.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    try:
        results = grade_many(groups[False], assignment, tmp / "out-normal", jobs=2, timeout=120, memory_mb=2048)
        results += grade_many(groups[True], assignment, tmp / "out-slow", jobs=2, timeout=15, memory_mb=2048)
    finally:
        mp.undo()
        shutil.rmtree(decoy)
    by_name = {r.submission: r for r in results}
    by_name["__outputs__"] = "\n".join(p.read_text(encoding="utf-8", errors="replace")
                                       for out in ("out-normal", "out-slow") for p in (tmp / out).rglob("*")
                                       if p.is_file())
    by_name["__tmp__"] = tmp
    return by_name


@pytest.mark.parametrize("name", FILE_CASES)
def test_hostile_or_broken_file(graded, name):
    status, most = FILE_CASES[name]
    result = graded[name]
    assert result.score <= most
    assert status == "any" or result.status == status, result.message
    assert result.message


def test_zip_members_are_never_extracted(graded):
    tmp = graded["__tmp__"]
    assert not any(tmp.parent.rglob("escaped-by-zip.txt")) and not (tmp / "escaped-by-zip.txt").exists()


@pytest.mark.skipif(not is_root(), reason="the network is cut only by the root sandbox")
def test_network_attempt_reaches_no_listener(graded, listener):
    assert graded["network_exfiltration"].score == 0
    assert listener.connections() == 0, "a submission connected to 127.0.0.1"


def test_attack_set_is_large_enough():
    assert len(ATTACKS) >= 25


@pytest.mark.parametrize("attack", ATTACKS, ids=[a["name"] for a in ATTACKS])
def test_attack_earns_nothing_extra(graded, attack):
    if attack.get("root_only") and not is_root():
        pytest.skip("needs the root-only sandbox (its own user id); see autograder/sandbox.py")
    result = graded[attack["name"]]
    assert result.score <= attack["max_score"], (result.score, result.message)
    if attack["status"] != "any":
        assert result.status == attack["status"], result.message
    for question in result.questions:
        if question.score < question.max_score:
            assert question.message and question.message != "all tests passed"


def test_innocent_submission_in_the_same_batch_keeps_full_marks(graded):
    control = graded["control_solution"]
    assert control.score == control.max_score == 17, control.message
    assert control.status == "ok"


def test_no_secret_reaches_any_output(graded):
    outputs = graded["__outputs__"]
    assert canary(HW) not in outputs, "a hidden test file was read by a submission"
    assert Assignment.load(HW).config.secret not in outputs, "the grading secret reached a submission"
    assert SECRET not in outputs, "the grader's environment leaked into a submission"
    assert not PICKLE_MARK.exists(), "the grader unpickled something a submission wrote"


def test_fake_results_do_not_count(graded):
    result = graded["fake_results_files"]
    assert result.score == 0


@pytest.mark.skipif(not is_root(), reason="only a root grader can give submissions their own user id")
def test_sandbox_is_used_and_leaves_no_process(graded):
    """Every user id no grader holds any more has no process left (other graders may hold some)."""
    import fcntl

    assert graded["control_solution"].sandbox in ("full", "user")
    left = []
    for uid in range(UID_BASE, UID_BASE + 16):
        lock = LOCK_DIR / f"{uid}.lock"
        if not lock.exists():
            continue
        fd = os.open(lock, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue  # in use by a grader running right now
        else:
            left += processes_of(uid)
        finally:
            os.close(fd)
    assert left == [], f"processes of finished submissions still running: {left}"




def test_removing_the_hostile_submissions_changes_nothing_for_the_rest(graded, tmp_path):
    """The control notebook graded alone gets the very result it got among the attacks."""
    control = graded["__tmp__"] / "normal" / "control_solution.ipynb"
    alone = tmp_path / "alone" / control.name
    alone.parent.mkdir()
    alone.write_bytes(control.read_bytes())
    [result] = grade_many([alone], Assignment.load(HW), tmp_path / "out", jobs=1, timeout=120, memory_mb=2048)
    assert without_timings(result) == without_timings(graded["control_solution"])
