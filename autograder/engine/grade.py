"""Grade one submission: run its cells in a student process, then run every test from outside.

The verdicts are made here, in the grader's process, from the plain values the student process
returns; hidden tests, hidden labels and scores never enter that process. The pipeline:
:func:`read_submission` -> :func:`open_session` -> run the cells -> :func:`run_tests` ->
:func:`assemble` (a :class:`~autograder.engine.result.Result`).
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from autograder import __version__, paths
from autograder.protocol import ProbeFailed
from autograder.checks.base import CheckFailed, GradingContext, Ref, grading, notebook_seed
from autograder.engine.assignment import Assignment
from autograder.engine.bounds import bound_result, clean_text
from autograder.engine.notebooks import CodeCell, Ungradable, code_cells, notebook_from_zip, read_notebook, \
    written_answers
from autograder.engine.options import GradeOptions
from autograder.engine.result import (CellResult, Image, QuestionResult, Result, TestResult, WrittenAnswer,
                                      points)
from autograder.student_process.sandbox import ResourceLimits
from autograder.student_process.scratch import scratch_dir
from autograder.student_process.session import CellReport, Limits, SessionDead, StudentSession

__all__ = ["Assignment", "GradeOptions", "grade_submission", "grader_failure"]

OUTPUT_PER_CELL = 2_000  # characters of a cell's output kept in its result (the end of it)
OUTPUT_KEPT = 100_000    # characters of output kept for all cells of one result


@dataclass
class Outcome:
    """One test case's verdict as the engine saw it."""

    passed: bool
    message: str
    internal: bool = False  # the test itself failed (a defect in the test, not the student's fault)
    measurements: list[dict] = field(default_factory=list)
    figures: list[dict] = field(default_factory=list)


@dataclass
class Submission:
    """A readable submission: its code cells and written answers, from a private copy of the notebook."""

    notebook: Path
    cells: list[CodeCell]
    written: list[WrittenAnswer]


@contextmanager
def read_submission(path: Path, assignment: Assignment) -> Iterator[Submission]:
    """Read ``path`` (a notebook or a zip holding one); raises Ungradable with the student's reason."""
    folder = Path(tempfile.mkdtemp(prefix="nncourse-grade-", dir=scratch_dir()))
    try:
        notebook = folder / "submission" / f"{assignment.name}.ipynb"
        notebook.parent.mkdir()
        try:
            if path.suffix.lower() == ".zip":
                notebook.write_bytes(notebook_from_zip(path, assignment.name))
            else:
                shutil.copyfile(path, notebook)
        except OSError as exc:
            raise Ungradable(f"the file cannot be read ({exc.strerror or exc})") from None
        nb = read_notebook(notebook)
        written = written_answers(nb, [(q.name, q.points) for q in assignment.manual])
        yield Submission(notebook, code_cells(nb), [WrittenAnswer(**w) for w in written])
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def open_session(submission: Submission, assignment: Assignment, options: GradeOptions, source: Path,
                 fork_server: Any = None) -> StudentSession:
    """A student process for ``submission`` (not started), confined and limited as configured."""
    config = assignment.config
    device = config.profile(options.profile).device
    env = {"NNCOURSE_DEVICE": device, **({"CUDA_VISIBLE_DEVICES": "0"} if device != "cpu" else {})}
    root = paths.course_root()
    hidden = [assignment.bundle, paths.solutions_dir(), paths.dist_dir(), root / "tests", root / ".git",
              source.resolve().parent, *options.hidden_paths]
    return StudentSession(
        submission.notebook.parent, seed=notebook_seed(config.secret, config.seed if options.seed is None else options.seed),
        threads=config.threads, env=env, hidden_paths=hidden, fork_server=fork_server,
        limits=Limits(total=options.timeout or config.submission_timeout, cell=config.cell_timeout,
                      probe=config.probe_timeout, total_wall=options.wall_timeout or 0.0),
        resources=ResourceLimits(memory_mb=options.memory_mb or config.memory_mb))


def run_case(case: Any, ctx: GradingContext) -> Outcome:
    """Run one test case with its arguments as references into the student's notebook."""
    with grading(ctx):
        try:
            case.function(*[Ref(name) for name in case.arguments])
        except CheckFailed as exc:
            return Outcome(False, str(exc))
        except SessionDead:
            raise
        except AssertionError as exc:
            return Outcome(False, str(exc) or f"{case.name} failed")
        except Exception as exc:  # noqa: BLE001 - a defect in the test, not the student's fault
            return Outcome(False, f"the grader could not run this test ({type(exc).__name__}: {exc})", True)
    return Outcome(True, "passed")


NOT_GRADED = "not graded: "  # the message of a test that could not run because the process was gone


def run_tests(session: StudentSession, assignment: Assignment, options: GradeOptions,
              dead: SessionDead | None) -> tuple[dict[str, Outcome], SessionDead | None]:
    """Every test case of the assignment against the running session; stops probing once it died.

    Public tests run first, all of them: a hidden test that crashes or stalls the student's
    process cannot change what a public test says (which a student sees at once, on Gradescope).
    """
    config = assignment.config
    profile = config.profile(options.profile)
    outcomes: dict[str, Outcome] = {}
    cases = [c for f in assignment.tests for c in f.cases if not c.hidden] + \
            [c for f in assignment.tests for c in f.cases if c.hidden]
    for case in cases:
        if dead is not None:
            outcomes[case.name] = Outcome(False, f"{NOT_GRADED}{dead.message}")
            continue
        ctx = GradingContext(session=session, seed=config.seed if options.seed is None else options.seed,
                             secret=config.secret, test_name=case.name,
                             thresholds=profile.thresholds, budgets=profile.budgets,
                             probe_timeout=config.probe_timeout, data_dir=str(assignment.bundle / "data"))
        try:
            outcome = run_case(case, ctx)
        except SessionDead as exc:
            dead, outcome = exc, Outcome(False, f"{NOT_GRADED}{exc.message}")
        outcome.measurements, outcome.figures = ctx.measurements, ctx.figures
        outcomes[case.name] = outcome
    return outcomes, dead


INTERFERED = "the notebook interfered with grading"


def refuse_if_interfered(session: StudentSession, outcomes: dict[str, Outcome],
                         dead: SessionDead | None) -> dict[str, Outcome]:
    """Every test fails when student code wrote on the reply channel (a second reply to one probe, or a
    malformed message): one last round trip brings in the real reply a forged one came before."""
    if dead is None and not session.interfered:
        try:
            session.probe("value", 0)
        except (ProbeFailed, SessionDead):
            pass
    if not session.interfered:
        return outcomes
    message = f"{INTERFERED} ({session.interfered}): no test counts"
    return {name: Outcome(False, message) for name in outcomes}


def grade_submission(path: Path, assignment: Assignment, options: GradeOptions | None = None, *,
                     submission_id: str | None = None, fork_server: Any = None) -> Result:
    """Grade the notebook at ``path``; always returns a Result with a status and a message, also
    when the grader itself fails on it (:func:`grader_failure`). Every text in it is bounded
    (:func:`autograder.engine.bounds.bound_result`).

    ``fork_server`` (:class:`autograder.student_process.fork_server.ForkServer`) starts the
    student process; None starts a new interpreter.
    """
    options = options or GradeOptions()
    started = time.monotonic()
    try:
        sha = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
    except OSError:
        sha = None
    result = Result(
        submission=submission_id or path.stem, assignment=assignment.name, file=path.name,
        grader_version=__version__, profile=options.profile,
        seed=assignment.config.seed if options.seed is None else options.seed,
        sha256=sha, max_score=points(assignment.max_score))
    try:
        return bound_result(_grade(path, assignment, options, result, started, fork_server))
    except Exception as exc:  # noqa: BLE001 - one submission's failure never stops a batch
        return grader_failure(result, assignment, exc, started)


def grader_failure(result: Result, assignment: Assignment, exc: BaseException,
                   started: float | None = None) -> Result:
    """``result`` marked ``error`` because the grader itself failed on it; every test gets 0 and says why."""
    message = f"the grader could not grade this submission: {type(exc).__name__}: {clean_text(exc, 500)}"
    failed = Result(submission=result.submission, assignment=result.assignment, file=result.file,
                    grader_version=result.grader_version or __version__, profile=result.profile,
                    seed=result.seed, sha256=result.sha256, max_score=points(assignment.max_score),
                    key=result.key, grader_error=True)
    return bound_result(assemble(failed, assignment, {}, {}, "error", message, started or time.monotonic()))


def _grade(path: Path, assignment: Assignment, options: GradeOptions, result: Result, started: float,
           fork_server: Any) -> Result:
    try:
        with read_submission(path, assignment) as submission:
            result.written = submission.written
            session = open_session(submission, assignment, options, path, fork_server)
            with session:
                dead = None
                try:
                    session.run_notebook([{"index": c.index, "source": c.source} for c in submission.cells])
                except SessionDead as exc:
                    dead = exc
                outcomes, dead = run_tests(session, assignment, options, dead)
                outcomes = refuse_if_interfered(session, outcomes, dead)
                result.sandbox = session.sandbox.mode
                result.fingerprint = session.fingerprint()
                crash_output = session.process_output() if dead is not None else ""
    except Ungradable as exc:
        return assemble(result, assignment, {}, {}, "ungradable", f"ungradable: {exc}", started)
    question_of = {c.index: c.question for c in submission.cells}
    result.cells = _cell_results(session.cells, question_of)
    status, message = _status(session.cells, question_of, dead)
    if session.interfered:
        status, message = "error", f"{INTERFERED} ({session.interfered})"
    if dead is not None and crash_output.strip():
        result.process_output = crash_output[-2000:]
    errors: dict[str | None, list[str]] = {}
    for report in session.cells:
        if report.error or report.timed_out:
            question = question_of.get(report.index)
            errors.setdefault(question, []).append(_cell_error_text(report, question))
    return assemble(result, assignment, outcomes, errors, status, message, started)


def _cell_results(reports: list[CellReport], question_of: dict[int, str | None]) -> list[CellResult]:
    """One entry per cell that ran: time, error, the tail of its output (the tails of all cells
    together are capped at OUTPUT_KEPT characters) and its plots."""
    results, budget = [], OUTPUT_KEPT
    for r in reports:
        output = r.output[-min(OUTPUT_PER_CELL, budget):] if budget > 0 else ""
        budget -= len(output)
        results.append(CellResult(cell=r.index, question=question_of.get(r.index), seconds=r.seconds,
                                  error=r.error, timed_out=r.timed_out, output=output,
                                  images=[Image(data=i) for i in r.images]))
    return results


def _cell_error_text(cell: CellReport, question: str | None) -> str:
    where = f"cell {cell.index}" + (f" ({question})" if question else "")
    if cell.timed_out:
        return f"{where} was stopped: it {cell.limit_reached or 'ran past its time limit'}"
    error = cell.error or {}
    return f"{where} raised {error.get('ename')}: {error.get('evalue')}".rstrip(": ")


def _status(reports: list[CellReport], question_of: dict[int, str | None],
            dead: SessionDead | None) -> tuple[str, str]:
    """The submission's status and one-line message, from how its cells and process ended."""
    if dead is not None:
        return dead.status, dead.message
    errors = [r for r in reports if r.error or r.timed_out]
    timed_out = [r for r in errors if r.timed_out]
    if timed_out:
        return "timeout", _cell_error_text(timed_out[0], question_of.get(timed_out[0].index))
    if errors:
        message = _cell_error_text(errors[0], question_of.get(errors[0].index))
        if len(errors) > 1:
            message += f" (and {len(errors) - 1} more cell(s) raised)"
        return "error", message
    return "ok", "all cells ran"


def assemble(result: Result, assignment: Assignment, outcomes: dict[str, Outcome],
             errors_by_question: dict[str | None, list[str]], status: str, message: str,
             started: float) -> Result:
    """Fill ``result`` with the points of every test (0 for one that has no outcome) and totals."""
    internal = False
    result.questions = []
    for test_file in assignment.tests:
        tests = []
        for case in test_file.cases:
            outcome = outcomes.get(case.name) or Outcome(False, message)
            internal = internal or outcome.internal
            tests.append(TestResult(
                name=case.name, hidden=case.hidden, passed=outcome.passed,
                score=points(case.points if outcome.passed else 0.0), max_score=points(case.points),
                message=outcome.message, measurements=outcome.measurements,
                figures=[Image(title=f["title"], data=base64.b64encode(f["png"]).decode("ascii"))
                         for f in outcome.figures]))
        failing = [t.message for t in tests if not t.passed]
        cell_errors = errors_by_question.get(test_file.name, [])
        summary = "; ".join(dict.fromkeys(cell_errors + failing)) if failing or cell_errors else "all tests passed"
        result.questions.append(QuestionResult(name=test_file.name, score=points(sum(t.score for t in tests)),
                                               max_score=points(test_file.points), message=summary, tests=tests))
    result.score = points(sum(q.score for q in result.questions))
    result.status = status
    result.message = message + (" [a grader test itself failed: tell your instructor]" if internal else "")
    result.seconds = round(time.monotonic() - started, 2)
    return result
