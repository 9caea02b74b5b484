"""The sandbox's parts, without grading a notebook: limits, user ids, hidden paths."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from autograder.student_process.sandbox import ResourceLimits, Sandbox, is_root, namespaces_available, outside

needs_root = pytest.mark.skipif(not is_root(), reason="only a root grader switches user ids")


def test_limits_are_applied_before_anything_else():
    spec = ResourceLimits(memory_mb=1500, file_mb=1, open_files=64).to_env(own_user=False)
    code = ("import resource, sys; from autograder.student_process.sandbox import apply_limits; apply_limits(sys.argv[1]);"
            "print(resource.getrlimit(resource.RLIMIT_DATA)[0], resource.getrlimit(resource.RLIMIT_FSIZE)[0],"
            "resource.getrlimit(resource.RLIMIT_NOFILE)[0], resource.getrlimit(resource.RLIMIT_NPROC)[0])")
    done = subprocess.run([sys.executable, "-c", code, spec], capture_output=True, text=True, check=True)
    data, fsize, nofile, nproc = map(int, done.stdout.split())
    assert (data, fsize, nofile) == (1500 * 2**20, 2**20, 64)
    assert nproc != 64, "the process limit counts per user: never set it for a shared user id"


def test_writing_past_the_file_cap_raises_instead_of_killing(tmp_path):
    spec = ResourceLimits(file_mb=1).to_env(own_user=False)
    code = ("import sys; from autograder.student_process.sandbox import apply_limits; apply_limits(sys.argv[1])\n"
            "try:\n    open(sys.argv[2], 'wb').write(b'x' * 3 * 2**20)\nexcept OSError as e:\n    print('capped', e.errno)")
    done = subprocess.run([sys.executable, "-c", code, spec, str(tmp_path / "big")], capture_output=True, text=True)
    assert "capped" in done.stdout, done.stdout + done.stderr


@needs_root
def test_each_sandbox_gets_its_own_user_id_across_processes(tmp_path):
    """Two graders on one machine never share an id (a shared id would let one kill the other's work)."""
    (tmp_path / "w").mkdir()
    box = Sandbox(tmp_path / "w", [], ResourceLimits())
    code = ("from pathlib import Path; from autograder.student_process.sandbox import Sandbox, ResourceLimits;"
            f"print(Sandbox(Path({str(tmp_path / 'w')!r}), [], ResourceLimits()).uid)")
    other = int(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    try:
        assert box.uid is not None and other != box.uid
    finally:
        box.release()


@needs_root
@pytest.mark.skipif(not namespaces_available(), reason="no namespaces here")
def test_secret_paths_are_covered_and_nested_ones_merged():
    """A world-readable secret folder is empty for the student process, and intact afterwards."""
    top = Path(tempfile.mkdtemp(prefix="nncourse-sandbox-test-"))
    try:
        top.chmod(0o755)  # readable by anyone: only the mount can hide it
        secret = top / "secret"
        (secret / "inner").mkdir(parents=True)
        (secret / "hidden.txt").write_text("canary")
        for path in (secret, secret / "inner"):
            path.chmod(0o755)
        (secret / "hidden.txt").chmod(0o644)
        work = top / "grade" / "submission"
        work.mkdir(parents=True)
        box = Sandbox(work, [secret, secret / "inner"], ResourceLimits())
        try:
            assert box.secret_paths == [secret.resolve()]
            box.prepare()
            code = ("import json, os, sys; from autograder.student_process.sandbox import enter;"
                    "enter(json.loads(os.environ['NNCOURSE_SANDBOX']));"
                    "print(json.dumps([os.getuid(), os.listdir(%r)]))" % str(secret))
            done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=work,
                                  env={**os.environ, **box.env()})
            uid, listing = json.loads(done.stdout)
            assert uid == box.uid and listing == []
        finally:
            box.release()
        assert (secret / "hidden.txt").read_text() == "canary"
    finally:
        shutil.rmtree(top)


def test_outside_lists_every_sibling_on_the_way_to_what_is_needed(tmp_path):
    """Only the needed paths and the folders leading to them stay visible; links are left alone."""
    for folder in ("course/.venv/lib", "course/student_lib", "course/tests", "other-checkout/dist", "home/ta"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "course" / "README.md").write_text("x")
    (tmp_path / "course" / "link").symlink_to(tmp_path / "other-checkout")
    needed = [tmp_path / "course" / ".venv", tmp_path / "course" / "student_lib"]
    hidden = {p.relative_to(tmp_path).as_posix() for p in outside(needed, root=tmp_path)}
    assert hidden == {"course/tests", "course/README.md", "other-checkout", "home"}


@needs_root
@pytest.mark.skipif(not namespaces_available(), reason="no namespaces here")
def test_student_process_sees_no_other_checkout_but_reaches_python_behind_a_closed_folder():
    """A second copy of the course (not among the grader's secret paths) is invisible, while a
    needed folder under a folder others may not enter (a Python under /root) stays usable."""
    top = Path(tempfile.mkdtemp(prefix="nncourse-sandbox-test-"))
    try:
        top.chmod(0o755)
        decoy = top / "old-checkout" / "dist" / "hw01" / "tests"
        decoy.mkdir(parents=True)
        (decoy / "q1.py").write_text("canary")
        closed = top / "closed"
        (closed / "python" / "lib").mkdir(parents=True)
        (closed / "python" / "lib" / "module.txt").write_text("stdlib")
        closed.chmod(0o700)
        for path in (closed / "python", closed / "python" / "lib"):
            path.chmod(0o755)
        for path in [top / "old-checkout", *(top / "old-checkout").rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        work = top / "grade" / "submission"
        work.mkdir(parents=True)
        box = Sandbox(work, [], ResourceLimits(), needed=[Path(sys.prefix), Path(sys.base_prefix),
                                                         closed / "python", Path(__file__).parents[3]])
        try:
            box.prepare()
            code = ("import json, os; from autograder.student_process.sandbox import enter;"
                    "enter(json.loads(os.environ['NNCOURSE_SANDBOX']));"
                    f"print(json.dumps([os.listdir({str(top / 'old-checkout')!r}),"
                    f" open({str(closed / 'python' / 'lib' / 'module.txt')!r}).read()]))")
            done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=work,
                                  env={**os.environ, **box.env()})
            assert done.returncode == 0, done.stderr
            listing, text = json.loads(done.stdout)
            assert listing == [] and text == "stdlib"
        finally:
            box.release()
    finally:
        shutil.rmtree(top)
