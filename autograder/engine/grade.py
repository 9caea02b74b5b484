"""Grade one submission: run its cells in a student process, then run every test from outside.

The verdicts are made here, in the grader's process, from the plain values the student process
returns; hidden tests, hidden labels and scores never enter that process.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder import __version__, paths
from autograder.authoring.build import ensure_bundle
from autograder.checks.base import CheckFailed, GradingContext, Ref, grading
from autograder.config import GradingConfig
from autograder.engine.notebooks import Ungradable, code_cells, notebook_from_zip, read_notebook
from autograder.student_process.sandbox import ResourceLimits
from autograder.student_process.session import CellReport, Limits, SessionDead, StudentSession
from autograder.engine.bundle import TestFile, load_test_dir

STATUSES = ("ok", "error", "timeout", "kernel_died", "ungradable")


@dataclass
class Assignment:
    """An assignment's grading bundle: tests (public and hidden) and configuration."""

    name: str
    bundle: Path
    config: GradingConfig
    tests: list[TestFile]

    @classmethod
    def load(cls, name: str, bundle: Path | None = None) -> "Assignment":
        bundle = bundle or ensure_bundle(name)
        config = GradingConfig.from_dict(json.loads((bundle / "grading.json").read_text()))
        return cls(name, bundle, config, load_test_dir(bundle / "tests"))

    @property
    def max_score(self) -> float:
        return sum(t.points for t in self.tests)

    def __reduce__(self) -> tuple:
        # tests are code loaded from the bundle: another process (a Dask worker) loads them again
        return (_reload_assignment, (self.name, str(self.bundle), self.config))


def _reload_assignment(name: str, bundle: str, config: GradingConfig) -> Assignment:
    return Assignment(name, Path(bundle), config, load_test_dir(Path(bundle) / "tests"))


def _fmt(points: float) -> float | int:
    return int(points) if float(points).is_integer() else round(points, 3)


def _cell_error_text(cell: CellReport, question: str | None) -> str:
    where = f"cell {cell.index}" + (f" ({question})" if question else "")
    if cell.timed_out:
        return f"{where} ran past its time limit and was stopped"
    error = cell.error or {}
    return f"{where} raised {error.get('ename')}: {error.get('evalue')}".rstrip(": ")


def _run_case(case: Any, ctx: GradingContext) -> tuple[bool, str, bool]:
    """Run one test case; returns (passed, message, internal_error); measurements land in ``ctx``."""
    with grading(ctx):
        try:
            case.function(*[Ref(name) for name in case.arguments])
        except CheckFailed as exc:
            return False, str(exc), False
        except SessionDead:
            raise
        except AssertionError as exc:
            return False, str(exc) or f"{case.name} failed", False
        except Exception as exc:  # noqa: BLE001 - a defect in the test, not the student's fault
            return False, f"the grader could not run this test ({type(exc).__name__}: {exc})", True
    return True, "passed", False


def grade_submission(path: Path, assignment: Assignment, *, profile: str = "cpu",
                     seed: int | None = None, timeout: float | None = None,
                     submission_id: str | None = None, memory_mb: int | None = None,
                     hidden_paths: list[Path] | None = None, fork_server: Any = None) -> dict[str, Any]:
    """Grade the notebook at ``path``; always returns a result dict with a status and a message.

    ``hidden_paths`` are hidden from the student process besides the grader's own files (a
    batch's output folder, for example). ``fork_server`` is a fork server
    (:class:`autograder.student_process.fork_server.ForkServer`) to start the student process from; None starts a new
    interpreter.
    """
    config = assignment.config
    prof = config.profile(profile)
    seed = config.seed if seed is None else seed
    started = time.monotonic()
    result: dict[str, Any] = {
        "submission": submission_id or path.stem, "file": path.name, "assignment": assignment.name,
        "grader_version": __version__, "profile": profile, "seed": seed,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None,
        "status": "ok", "message": "", "score": 0, "max_score": _fmt(assignment.max_score),
        "questions": [], "cells": [],
    }
    unzipped: Path | None = None
    try:
        if path.suffix.lower() == ".zip":
            unzipped = Path(tempfile.mkdtemp(prefix="nncourse-zip-")) / f"{assignment.name}.ipynb"
            unzipped.write_bytes(notebook_from_zip(path, assignment.name))
        cells = code_cells(read_notebook(unzipped or path))
    except Ungradable as exc:
        if unzipped:
            shutil.rmtree(unzipped.parent, ignore_errors=True)
        return _finish(result, assignment, {}, {}, "ungradable", f"ungradable: {exc}", started)

    limits = Limits(total=timeout or config.submission_timeout, cell=config.cell_timeout,
                    probe=config.probe_timeout)
    env = {"NNCOURSE_DEVICE": prof.device}
    if prof.device != "cpu":
        env["CUDA_VISIBLE_DEVICES"] = "0"
    question_of = {c.index: c.question for c in cells}
    outcomes: dict[str, tuple[bool, str, bool]] = {}
    measured: dict[str, list[dict]] = {}
    figures: dict[str, list[dict]] = {}
    dead: SessionDead | None = None
    workdir = Path(tempfile.mkdtemp(prefix="nncourse-grade-"))
    try:
        (workdir / "submission").mkdir()
        shutil.copyfile(unzipped or path, workdir / "submission" / f"{assignment.name}.ipynb")
        root = paths.course_root()
        session = StudentSession(workdir / "submission", seed=seed, threads=config.threads,
                                 limits=limits, env=env,
                                 secret_paths=[assignment.bundle, paths.solutions_dir(), paths.dist_dir(),
                                               root / "tests", root / ".git", path.resolve().parent,
                                               *(hidden_paths or [])],
                                 resources=ResourceLimits(memory_mb=memory_mb or config.memory_mb),
                                 fork_server=fork_server)
        with session:
            try:
                session.run_notebook([{"index": c.index, "source": c.source} for c in cells])
            except SessionDead as exc:
                dead = exc
            for test_file in assignment.tests:
                for case in test_file.cases:
                    if dead is not None:
                        outcomes[case.name] = (False, f"not graded: {dead.message}", False)
                        continue
                    ctx = GradingContext(session=session, seed=seed, test_name=case.name,
                                         thresholds=prof.thresholds, budgets=prof.budgets,
                                         probe_timeout=config.probe_timeout)
                    measured[case.name] = ctx.measurements
                    figures[case.name] = ctx.figures
                    try:
                        outcomes[case.name] = _run_case(case, ctx)
                    except SessionDead as exc:
                        dead = exc
                        outcomes[case.name] = (False, f"not graded: {exc.message}", False)
            reports = session.cells
            result["sandbox"] = session.sandbox.mode
            result["fingerprint"] = session.fingerprint()
            crash_output = session.process_output() if dead is not None else ""
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if unzipped:
            shutil.rmtree(unzipped.parent, ignore_errors=True)

    result["cells"] = [{"cell": r.index, "question": question_of.get(r.index), "seconds": r.seconds,
                        "error": r.error, "timed_out": r.timed_out, "output": r.output[-2000:],
                        **({"images": [{"mime": "image/png", "data": i} for i in r.images]} if r.images else {})}
                       for r in reports]
    errors = {r.index: r for r in reports if r.error or r.timed_out}
    if dead is not None:
        status, message = dead.status, dead.message
        if crash_output.strip():
            result["process_output"] = crash_output[-2000:]
    elif any(r.timed_out for r in errors.values()):
        first = next(r for r in errors.values() if r.timed_out)
        status, message = "timeout", _cell_error_text(first, question_of.get(first.index))
    elif errors:
        first = next(iter(errors.values()))
        status = "error"
        message = _cell_error_text(first, question_of.get(first.index))
        if len(errors) > 1:
            message += f" (and {len(errors) - 1} more cell(s) raised)"
    else:
        status, message = "ok", "all cells ran"
    errors_by_question: dict[str | None, list[str]] = {}
    for report in errors.values():
        question = question_of.get(report.index)
        errors_by_question.setdefault(question, []).append(_cell_error_text(report, question))
    return _finish(result, assignment, outcomes, errors_by_question, status, message, started, measured,
                   figures)


def _finish(result: dict, assignment: Assignment, outcomes: dict, errors_by_question: dict,
            status: str, message: str, started: float, measured: dict | None = None,
            figures: dict | None = None) -> dict:
    total = 0.0
    internal = False
    for test_file in assignment.tests:
        tests, score = [], 0.0
        for case in test_file.cases:
            passed, text, broken = outcomes.get(case.name, (False, message, False))
            internal = internal or broken
            earned = case.points if passed else 0.0
            score += earned
            tests.append({"name": case.name, "hidden": case.hidden, "passed": passed,
                          "score": _fmt(earned), "max_score": _fmt(case.points), "message": text,
                          "measurements": (measured or {}).get(case.name, [])})
            pictures = (figures or {}).get(case.name)
            if pictures:  # only tests that attached one (a failing boundary check) carry the key
                tests[-1]["figures"] = [{"title": f["title"], "mime": "image/png",
                                         "data": base64.b64encode(f["png"]).decode("ascii")}
                                        for f in pictures]
        failing = [t["message"] for t in tests if not t["passed"]]
        cell_errors = errors_by_question.get(test_file.name, [])
        summary = "; ".join(dict.fromkeys(cell_errors + failing)) if failing or cell_errors else "all tests passed"
        result["questions"].append({"name": test_file.name, "score": _fmt(score),
                                    "max_score": _fmt(test_file.points), "message": summary,
                                    "tests": tests})
        total += score
    result["score"] = _fmt(total)
    result["status"] = status
    result["message"] = message + (" [a grader test itself failed: tell your instructor]" if internal else "")
    result["seconds"] = round(time.monotonic() - started, 2)
    return result
