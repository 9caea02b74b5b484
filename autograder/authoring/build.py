"""``nncourse build``: master notebooks in solutions/ -> student notebooks and autograder bundles.

Pipeline for one assignment, in order:
1. split the master: the ``# GRADING CONFIG`` cell goes to ``grading.json``, the rest to otter;
2. ``otter assign --no-run-tests`` makes the student notebook (public tests only) and the full tests;
3. normalise the student notebook (deterministic cell ids, sorted keys) so output is byte-identical;
   in the student's public test files, import :mod:`autograder.checks.notebook` (the checks word
   otter's report) and leave the points to otter's default (otter's local tools divide by the
   total; public tests earn nothing either way: the grader reads points from ``dist/``);
4. write ``assignments/<hw>/`` (committed) and ``dist/<hw>/`` (the grader's bundle, not committed).
"""

from __future__ import annotations

import filecmp
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from autograder import paths
from autograder.authoring import cells
from autograder.authoring.verify import keep_record, saved_record
from autograder.config import GRADING_CONFIG_MARKER, OTTER_IGNORE_LINE, ConfigError, config_cell_body, \
    has_ignore_line, parse_grading_cell
from autograder.engine.assignment import SOURCE_FILE, bundle_problem, source_digest


class BuildError(Exception):
    """The master notebook could not be built; the message says where."""


@dataclass
class BuildResult:
    name: str
    student_dir: Path
    bundle_dir: Path


def assignment_names() -> list[str]:
    """Every assignment with a master notebook ``solutions/<hw>/<hw>.ipynb``."""
    root = paths.solutions_dir()
    return sorted(p.name for p in root.iterdir() if (p / f"{p.name}.ipynb").is_file()) if root.is_dir() else []


def split_master(master: dict, where: str = "the master notebook") -> tuple[dict, dict]:
    """Return (notebook for otter, grading config as a dict) from a master notebook.

    ``where`` names the master in errors: every problem of the GRADING CONFIG cell is one line
    naming the notebook, the cell and the key (a :class:`BuildError`).
    """
    kept, found = [], []
    for position, cell in enumerate(master["cells"], start=1):
        if config_cell_body(cells.source(cell)) is not None:
            found.append((position, cell))
            continue
        kept.append(cell)
    if not found:
        raise BuildError(f"{where}: no raw '{GRADING_CONFIG_MARKER}' cell (see autograder/config.py)")
    if len(found) > 1:
        raise BuildError(f"{where}: cells {', '.join(str(p) for p, _ in found)} are all GRADING CONFIG "
                         "cells; keep one")
    position, cell = found[0]
    at = f"{where}, cell {position} ({GRADING_CONFIG_MARKER})"
    problems = []
    if cell.get("cell_type") != "raw":
        problems.append(f"{at}: is a {cell.get('cell_type')} cell; make it a raw cell")
    if not has_ignore_line(cells.source(cell)):
        problems.append(f"{at}: its first line must be '{OTTER_IGNORE_LINE}', so that otter assign leaves "
                        "the grader's settings out of the student notebook")
    try:
        config = parse_grading_cell(cells.source(cell))
    except ConfigError as exc:
        problems += [f"{at}: {problem}" for problem in exc.problems]
    else:
        if not config.secret:
            problems.append(f"{at}: key secret is missing; add `secret: <64 hex digits>` (make one with "
                            "python3 -c 'import secrets; print(secrets.token_hex(32))'): the hidden data "
                            "derives from it, so a notebook that knows the seed cannot regenerate it")
    if problems:
        raise BuildError("\n".join(problems))
    return {**master, "cells": kept}, config.to_dict()


def canary(name: str) -> str:
    """A string written into every hidden test file of ``name``: it must never reach the student side."""
    return "nncourse-canary-" + hashlib.sha256(f"hidden tests of {name}".encode()).hexdigest()[:16]


def normalise_notebook(nb: dict) -> str:
    """Deterministic JSON text for a generated notebook: stable cell ids, no outputs, sorted keys."""
    for index, cell in enumerate(nb["cells"]):
        digest = hashlib.sha1(f"{index}|{cell['cell_type']}|{cells.source(cell)}".encode()).hexdigest()
        cell["id"] = digest[:12]
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    nb["nbformat"], nb["nbformat_minor"] = 4, 5
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


_OTTER_IMPORT = "from otter.test_files import test_case\n"
_POINTS_LINE = re.compile(r"^points = .*$", re.MULTILINE)


def student_test_file(text: str) -> str:
    """A public test file as the student's kernel runs it (see step 3 of the module docstring)."""
    if not text.startswith(_OTTER_IMPORT):
        raise BuildError(f"otter wrote a public test file that does not start with {_OTTER_IMPORT.strip()!r}")
    text = _OTTER_IMPORT + ("import autograder.checks.notebook  # nncourse: check messages for students\n"
                            + text[len(_OTTER_IMPORT):])
    return _POINTS_LINE.sub("points = None  # public tests earn 0; otter's local tools need a total", text, count=1)


def _run_otter_assign(master_path: Path, out_dir: Path) -> None:
    command = [sys.executable, "-m", "otter", "assign", "--no-run-tests", str(master_path), str(out_dir)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise BuildError(f"otter assign failed on {master_path.name}: {' | '.join(tail)}")


DATA_DIR = "data"  # in a master's folder and its bundle: data only the grader reads


def build_assignment(name: str, out_root: Path, *, student: bool = True) -> BuildResult:
    """Build one assignment into ``out_root/assignments/<name>`` and ``out_root/dist/<name>``."""
    source_dir = paths.solutions_dir() / name
    where = f"solutions/{name}/{name}.ipynb"
    try:
        master = json.loads((source_dir / f"{name}.ipynb").read_text(encoding="utf-8"))
    except ValueError as exc:
        raise BuildError(f"{where} is not valid notebook JSON ({exc}); open it in Jupyter and save it again") from None
    otter_master, grading = split_master(master, where)
    student_dir = out_root / "assignments" / name
    bundle_dir = out_root / "dist" / name
    with tempfile.TemporaryDirectory(prefix=f"nncourse-build-{name}-") as tmp:
        work = Path(tmp) / "master"
        shutil.copytree(source_dir, work, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        (work / f"{name}.ipynb").write_text(json.dumps(otter_master, indent=1), encoding="utf-8")
        generated = Path(tmp) / "out"
        _run_otter_assign(work / f"{name}.ipynb", generated)
        record = saved_record(bundle_dir)
        for target in (student_dir, bundle_dir) if student else (bundle_dir,):
            if target.exists():
                shutil.rmtree(target)
        if student:
            shutil.copytree(generated / "student", student_dir)
            student_nb = json.loads((student_dir / f"{name}.ipynb").read_text(encoding="utf-8"))
            (student_dir / f"{name}.ipynb").write_text(normalise_notebook(student_nb), encoding="utf-8")
            for test_file in sorted((student_dir / "tests").glob("*.py")):
                test_file.write_text(student_test_file(test_file.read_text(encoding="utf-8")), encoding="utf-8")
        bundle_dir.mkdir(parents=True)
        shutil.copytree(generated / "autograder" / "tests", bundle_dir / "tests")
        if (source_dir / DATA_DIR).is_dir():  # grader-only data (held-out digits): never in the student pack
            shutil.copytree(source_dir / DATA_DIR, bundle_dir / DATA_DIR)
        for test_file in sorted((bundle_dir / "tests").glob("*.py")):
            text = test_file.read_text(encoding="utf-8")
            test_file.write_text(f"# {canary(name)}\n{text}", encoding="utf-8")
        (bundle_dir / "grading.json").write_text(json.dumps(grading, indent=1, sort_keys=True) + "\n")
        (bundle_dir / "manual.json").write_text(json.dumps(cells.manual_questions(master), indent=1) + "\n")
        (bundle_dir / SOURCE_FILE).write_text(source_digest(name) + "\n")
        if student:
            (bundle_dir / STUDENT_FILE).write_text(tree_digest(student_dir) + "\n")
        keep_record(record, bundle_dir)
    return BuildResult(name, student_dir, bundle_dir)


STUDENT_FILE = "STUDENT"  # in a bundle: tree_digest of the student folder the same build produced


def tree_digest(folder: Path) -> str:
    """A digest of every file under ``folder`` (relative path and content); "" when it is missing."""
    if not folder.is_dir():
        return ""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _install_bundle(built: Path, name: str) -> None:
    """Replace ``dist/<name>`` with a freshly built bundle (dist/ is a cache of the masters)."""
    target = paths.dist_dir() / name
    staging = target.with_name(f".{name}.installing")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(built, staging)
    keep_record(saved_record(target), staging)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)


def stale_files(expected: Path, actual: Path) -> list[str]:
    """Paths that differ between two trees (missing, extra or changed), relative to them."""
    problems = []
    for path in sorted(expected.rglob("*")):
        rel = path.relative_to(expected)
        other = actual / rel
        if path.is_file() and (not other.is_file() or not filecmp.cmp(path, other, shallow=False)):
            problems.append(str(rel))
    if actual.is_dir():
        for path in sorted(actual.rglob("*")):
            rel = path.relative_to(actual)
            if path.is_file() and not (expected / rel).exists() and "__pycache__" not in rel.parts:
                problems.append(f"{rel} (not generated)")
    return problems


def _recorded(name: str, file: str) -> str:
    path = paths.dist_dir() / name / file
    return path.read_text().strip() if path.is_file() else ""


def check_assignment(name: str) -> list[str]:
    """Committed files of ``name`` that differ from what its master builds to (changes nothing
    committed). When ``dist/<name>`` is current, its record of the student folder answers without
    running otter; otherwise the assignment is built aside and its bundle installed in dist/."""
    committed = paths.assignments_dir() / name
    if bundle_problem(name) is None and _recorded(name, STUDENT_FILE):
        if _recorded(name, STUDENT_FILE) == tree_digest(committed):
            return []
    with tempfile.TemporaryDirectory(prefix="nncourse-check-") as tmp:
        result = build_assignment(name, Path(tmp))
        _install_bundle(result.bundle_dir, name)
        return [f"assignments/{name}/{rel}" for rel in stale_files(result.student_dir, committed)]


def build(names: list[str] | None = None, *, check: bool = False, jobs: int | None = None) -> list[str]:
    """Build assignments (``jobs`` otter runs at once); with ``check``, change nothing committed and
    return the stale committed files. A BuildError holds one line per problem of every assignment."""
    names = names or assignment_names()
    if not names:
        raise BuildError(f"no master notebooks found under {paths.solutions_dir()}")
    unknown = [n for n in names if not (paths.solutions_dir() / n / f"{n}.ipynb").is_file()]
    if unknown:
        raise BuildError(f"unknown assignment(s) {', '.join(unknown)}: no master notebook in {paths.solutions_dir()}")
    root = paths.course_root()

    def work(name: str) -> list[str] | BuildError:
        try:
            return check_assignment(name) if check else (build_assignment(name, root) and [])
        except BuildError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=jobs or min(len(names), os.cpu_count() or 1)) as pool:
        done = list(pool.map(work, names))
    errors = [str(d) for d in done if isinstance(d, BuildError)]
    if errors:
        raise BuildError("\n".join(errors))
    return [path for stale in done if not isinstance(stale, BuildError) for path in stale]


def ensure_bundle(name: str, echo: Callable[[str], None] = print) -> Path:
    """The grader's bundle for ``name``, built first (saying so with ``echo``) when missing or stale."""
    problem = bundle_problem(name)
    if problem and not (paths.solutions_dir() / name / f"{name}.ipynb").is_file():
        raise BuildError(problem)
    if problem:
        echo(f"{problem.split(': run')[0]}: building it now (nncourse build {name}) ...")
        check_assignment(name)
    return paths.dist_dir() / name
