"""``nncourse build``: master notebooks in solutions/ -> student notebooks and autograder bundles.

Pipeline for one assignment, in order:
1. split the master: the ``# GRADING CONFIG`` cell goes to ``grading.json``, the rest to otter;
2. ``otter assign --no-run-tests`` makes the student notebook (public tests only) and the full tests;
3. normalise the student notebook (deterministic cell ids, sorted keys) so output is byte-identical;
4. write ``assignments/<hw>/`` (committed) and ``dist/<hw>/`` (the grader's bundle, not committed).
"""

from __future__ import annotations

import filecmp
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from autograder import paths
from autograder.authoring import cells
from autograder.config import GRADING_CONFIG_MARKER, parse_grading_cell
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


def split_master(master: dict) -> tuple[dict, dict]:
    """Return (notebook for otter, grading config as a dict) from a master notebook."""
    kept, config = [], None
    for cell in master["cells"]:
        if cell.get("cell_type") == "raw" and cells.source(cell).lstrip().startswith(GRADING_CONFIG_MARKER):
            config = parse_grading_cell(cells.source(cell))
            continue
        kept.append(cell)
    if config is None:
        raise BuildError(f"the master notebook has no raw '{GRADING_CONFIG_MARKER}' cell")
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


def _run_otter_assign(master_path: Path, out_dir: Path) -> None:
    command = [sys.executable, "-m", "otter", "assign", "--no-run-tests", str(master_path), str(out_dir)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise BuildError(f"otter assign failed on {master_path.name}: {' | '.join(tail)}")


def build_assignment(name: str, out_root: Path, *, student: bool = True) -> BuildResult:
    """Build one assignment into ``out_root/assignments/<name>`` and ``out_root/dist/<name>``."""
    source_dir = paths.solutions_dir() / name
    master = json.loads((source_dir / f"{name}.ipynb").read_text(encoding="utf-8"))
    otter_master, grading = split_master(master)
    student_dir = out_root / "assignments" / name
    bundle_dir = out_root / "dist" / name
    with tempfile.TemporaryDirectory(prefix=f"nncourse-build-{name}-") as tmp:
        work = Path(tmp) / "master"
        shutil.copytree(source_dir, work, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        (work / f"{name}.ipynb").write_text(json.dumps(otter_master, indent=1), encoding="utf-8")
        generated = Path(tmp) / "out"
        _run_otter_assign(work / f"{name}.ipynb", generated)
        for target in (student_dir, bundle_dir) if student else (bundle_dir,):
            if target.exists():
                shutil.rmtree(target)
        if student:
            shutil.copytree(generated / "student", student_dir)
            student_nb = json.loads((student_dir / f"{name}.ipynb").read_text(encoding="utf-8"))
            (student_dir / f"{name}.ipynb").write_text(normalise_notebook(student_nb), encoding="utf-8")
        bundle_dir.mkdir(parents=True)
        shutil.copytree(generated / "autograder" / "tests", bundle_dir / "tests")
        for test_file in sorted((bundle_dir / "tests").glob("*.py")):
            text = test_file.read_text(encoding="utf-8")
            test_file.write_text(f"# {canary(name)}\n{text}", encoding="utf-8")
        (bundle_dir / "grading.json").write_text(json.dumps(grading, indent=1, sort_keys=True) + "\n")
        (bundle_dir / "manual.json").write_text(json.dumps(cells.manual_questions(master), indent=1) + "\n")
        (bundle_dir / SOURCE_FILE).write_text(source_digest(name) + "\n")
    return BuildResult(name, student_dir, bundle_dir)


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


def build(names: list[str] | None = None, *, check: bool = False) -> list[str]:
    """Build assignments; with ``check``, change nothing and return the stale committed files."""
    names = names or assignment_names()
    if not names:
        raise BuildError(f"no master notebooks found under {paths.solutions_dir()}")
    root = paths.course_root()
    stale: list[str] = []
    for name in names:
        if check:
            with tempfile.TemporaryDirectory(prefix="nncourse-check-") as tmp:
                result = build_assignment(name, Path(tmp))
                for rel in stale_files(result.student_dir, root / "assignments" / name):
                    stale.append(f"assignments/{name}/{rel}")
        else:
            build_assignment(name, root)
    return stale


def ensure_bundle(name: str, echo: Callable[[str], None] = print) -> Path:
    """The grader's bundle for ``name``, built first (saying so with ``echo``) when missing or stale."""
    problem = bundle_problem(name)
    if problem and not (paths.solutions_dir() / name / f"{name}.ipynb").is_file():
        raise BuildError(problem)
    if problem:
        echo(f"{problem.split(': run')[0]}: building it now (nncourse build {name}) ...")
        build_assignment(name, paths.course_root(), student=False)
    return paths.dist_dir() / name
