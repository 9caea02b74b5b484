"""Hostile and broken submissions (attacks.toml) never earn more than they would without the attack.

Each attack is one cell appended to the hw01 notebook as distributed (worth 0) or to a correct
one (full marks). The whole set is graded as one batch, next to an untouched correct notebook that
must keep all its points. No output the grader keeps may contain the canary written into every
hidden test file, the grader's environment secrets, or evidence that the grader unpickled
anything.
"""

from __future__ import annotations

import copy
import csv
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
from autograder.authoring.corpus import load_manifest
from autograder.batch.run import grade_many
from autograder.authoring.build import canary
from autograder.authoring.corpus import fill_student_notebook
from autograder.engine.assignment import Assignment
from autograder.engine.result import Result
from tests.helpers import without_timings
from autograder.student_process.sandbox import LOCK_DIR, NAMESPACED, UID_BASE, is_root, level, processes_of

HW = "hw01"
ATTACKS = tomllib.loads((Path(__file__).parent / "attacks.toml").read_text(encoding="utf-8"))["attack"]
SECRET = "nncourse-secret-value-7f3a"
PICKLE_MARK = Path("/tmp/nncourse-pwned-by-pickle")

pytestmark = pytest.mark.slow
OUTPUTS = ("out-normal", "out-slow")


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
    chosen = [a for a in ATTACKS if selected(a)]
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
    code_before = grader_code_digest()
    mp = pytest.MonkeyPatch()
    mp.setenv("NNCOURSE_TEST_SECRET", SECRET)  # a secret in the grader's environment
    # another checkout of the course, world-readable, that the grader was never told about
    decoy = Path(tempfile.mkdtemp(prefix="nncourse-decoy-checkout-", dir=decoy_parent()))
    (decoy / "dist" / HW / "tests").mkdir(parents=True)
    (decoy / "dist" / HW / "tests" / "q1.py").write_text(f"# {canary(HW)}\n", encoding="utf-8")
    for path in [decoy, *decoy.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    try:
        results = grade_many(groups[False], assignment, tmp / "out-normal", jobs=2, timeout=120, memory_mb=2048)
        if groups[True]:  # none among NNCOURSE_ATTACKS=sandbox
            results += grade_many(groups[True], assignment, tmp / "out-slow", jobs=2, timeout=6, memory_mb=2048)
    finally:
        mp.undo()
        shutil.rmtree(decoy)
    by_name = {r.submission: r for r in results}
    by_name["__outputs__"] = "\n".join(p.read_text(encoding="utf-8", errors="replace")
                                       for out in OUTPUTS for p in (tmp / out).rglob("*")
                                       if p.is_file())
    by_name["__tmp__"] = tmp
    by_name["__code_changed__"] = grader_code_digest() != code_before
    return by_name


def selected(attack: dict) -> bool:
    """Whether ``attack`` is graded here: NNCOURSE_ATTACKS=sandbox keeps those the sandbox stops."""
    if attack.get("confined") and level() == "none":
        return False
    return os.environ.get("NNCOURSE_ATTACKS") != "sandbox" or bool(attack.get("sandbox"))


def decoy_parent() -> str:
    """Outside /tmp (replaced as a whole by the sandbox) and the system folders, where it can be."""
    for folder in ("/opt", "/srv", os.path.expanduser("~")):
        if os.access(folder, os.W_OK) and not Path(folder).resolve().is_relative_to("/tmp"):
            return folder
    return tempfile.gettempdir()


def grader_code_digest() -> str:
    import hashlib

    digest = hashlib.sha256()
    for path in sorted((paths.course_root() / "autograder").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


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


@pytest.mark.skipif(level() not in NAMESPACED, reason="the network is cut only with namespaces")
def test_network_attempt_reaches_no_listener(graded, listener):
    assert graded["network_exfiltration"].score == 0
    assert listener.connections() == 0, "a submission connected to 127.0.0.1"


def test_attack_set_is_large_enough():
    assert len(ATTACKS) >= 25


@pytest.mark.parametrize("attack", ATTACKS, ids=[a["name"] for a in ATTACKS])
def test_attack_earns_nothing_extra(graded, attack):
    if attack.get("confined") and level() == "none":
        pytest.skip("needs a sandbox; this machine gives submissions none (see README, 'The sandbox')")
    if not selected(attack):
        pytest.skip("not among NNCOURSE_ATTACKS")
    result = graded[attack["name"]]
    assert result.score <= attack["max_score"], (result.score, result.message)
    assert result.score >= attack.get("min_score", 0), (result.score, result.message)
    if attack["status"] != "any":
        assert result.status == attack["status"], result.message
    for question in result.questions:
        if question.score < question.max_score:
            assert question.message and question.message != "all tests passed"


def test_innocent_submission_in_the_same_batch_keeps_full_marks(graded):
    control = graded["control_solution"]
    full = sum(next(e for e in load_manifest(paths.corpus_dir("hw01")) if e.name == "solution").expect.values())
    assert control.score == control.max_score == full, control.message
    assert control.status == "ok"


@pytest.mark.skipif(level() == "none", reason="without a sandbox a submission reads what the TA reads")
def test_no_secret_reaches_any_output(graded):
    outputs = graded["__outputs__"]
    assert canary(HW) not in outputs, "a hidden test file was read by a submission"
    assert Assignment.load(HW).config.secret not in outputs, "the grading secret reached a submission"
    assert SECRET not in outputs, "the grader's environment leaked into a submission"
    assert not PICKLE_MARK.exists(), "the grader unpickled something a submission wrote"


def test_every_output_stays_under_its_cap(graded):
    """Huge plots, forged cell events and huge errors leave results, pages and gradebook cells small."""
    from autograder.reports.escape import MAX_CSV_CELL

    tmp = graded["__tmp__"]
    sizes = {p.relative_to(tmp).as_posix(): p.stat().st_size for out in OUTPUTS
             for p in (tmp / out).rglob("*") if p.is_file()}
    assert max(sizes.values()) < 5 * 2**20, sorted(sizes.items(), key=lambda kv: -kv[1])[:3]
    for out in (o for o in OUTPUTS if (tmp / o).is_dir()):
        with open(tmp / out / "gradebook.csv", newline="", encoding="utf-8") as handle:
            assert max(len(cell) for row in csv.reader(handle) for cell in row) < MAX_CSV_CELL + 50
    images = graded.get("huge_displayed_images")
    if images is not None:
        assert sum(len(i.data) for c in images.cells for i in c.images) * 3 // 4 <= 3_000_000


def test_fake_results_do_not_count(graded):
    result = graded["fake_results_files"]
    assert result.score == 0


def test_the_sandbox_level_is_recorded(graded):
    assert graded["control_solution"].sandbox == level()


@pytest.mark.skipif(not is_root(), reason="only a root grader can give submissions their own user id")
def test_no_process_is_left_under_a_freed_user_id(graded):
    """Every user id no grader holds any more has no process left (other graders may hold some)."""
    import fcntl

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


@pytest.mark.skipif(level() == "none", reason="without a sandbox a daemon can leave the process group")
def test_no_survivor_and_nothing_left_behind(graded):
    """No process of a submission outlives its grading (the daemon named with bytes that are not
    UTF-8 included); no file, IPC object or work folder it made stays; the grader's code is intact."""
    from autograder.student_process import cgroups
    from autograder.student_process.scratch import scratch_dir

    survivors = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_bytes().startswith(b"\xff\xfe\xfd"):
                survivors.append(int(entry.name))
        except OSError:
            continue
    assert survivors == [], "a submission's daemon survived"
    marks = [Path(folder, name) for folder in ("/tmp", "/dev/shm", "/var/tmp", "/run/lock")
             for name in ("nncourse-survivor-mark", "nncourse-leftover-mark", "nncourse-backdoor-ran")]
    assert [m for m in marks if m.exists()] == []
    for kind in ("shm", "sem", "msg"):
        table = Path(f"/proc/sysvipc/{kind}").read_text()
        assert not any(f"{key:>10}" in table for key in (0x6E6E6331, 0x6E6E6332, 0x6E6E6333)), kind
    assert not graded["__code_changed__"], "a submission changed the grader's code"
    assert [p.name for p in scratch_dir().iterdir() if p.name.startswith("nncourse-grade-")] == []
    found = cgroups.layout()
    for base in (found.bases.values() if found else []):
        run = base / scratch_dir().name
        assert not run.exists() or [p for p in run.iterdir() if p.is_dir()] == [], "a control group was left"


def test_removing_the_hostile_submissions_changes_nothing_for_the_rest(graded, tmp_path):
    """The control notebook graded alone gets the very result it got among the attacks."""
    control = graded["__tmp__"] / "normal" / "control_solution.ipynb"
    alone = tmp_path / "alone" / control.name
    alone.parent.mkdir()
    alone.write_bytes(control.read_bytes())
    [result] = grade_many([alone], Assignment.load(HW), tmp_path / "out", jobs=1, timeout=120, memory_mb=2048)
    assert without_timings(result) == without_timings(graded["control_solution"])
