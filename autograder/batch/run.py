"""Grade a class: find the submissions, grade them N at a time, write every output, resume.

Each submission is graded in its own student process, forked from a fork server that has
imported torch once (:mod:`autograder.student_process.fork_server`). Results are written atomically as each one
finishes and carry a key made of the submission's content hash, the grader's version, the
grading bundle and the options; a rerun reuses every result whose key still matches, so a batch
killed at any moment and started again ends with the same gradebook as an uninterrupted run.
Only results this grader signed are reused (:mod:`autograder.batch.resume`).

The pool is any :class:`concurrent.futures.Executor`: threads in this process by default (each
thread waits on its own student process), or a Dask cluster's executor (``dask.distributed``),
whose workers must see the same files.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import threading
from concurrent.futures import Executor, Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from autograder import __version__
from autograder.config import LatePolicy
from autograder.batch.resume import genuine, sign, unsigned
from autograder.batch.submissions import Found, Submission, find_submissions
from autograder.engine.assignment import Assignment
from autograder.engine.grade import grade_submission, grader_failure
from autograder.engine.options import GradeOptions
from autograder.engine.result import Result
from autograder.reports.feedback import feedback_html
from autograder.reports.files import write_atomic
from autograder.reports.marks import Marks
from autograder.reports.gradebook import result_path, write_result
from autograder.reports.rebuild import graded_class, write_index, write_reports


@dataclass
class Batch:
    """What a batch produced: every result (sorted by id) and what was left out of grading."""

    results: list[Result]
    found: Found
    reused: int = 0
    graded: int = 0
    interrupted: bool = False
    summary: dict[str, Any] = field(default_factory=dict)
    marks: dict[str, Marks] = field(default_factory=dict)  # by id: written grades and late penalty included
    warnings: list[str] = field(default_factory=list)


def default_jobs() -> int:
    """Submissions graded at once by default: one per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def bundle_digest(assignment: Assignment) -> str:
    """A hash of the grading bundle's tests and configuration: a rebuilt bundle changes it (the
    build's proof record does not: proving a bundle changes no grade)."""
    from autograder.authoring.verify import VERIFIED_FILE

    digest = hashlib.sha256()
    for path in sorted(p for p in assignment.bundle.rglob("*") if p.is_file() and p.name != VERIFIED_FILE):
        digest.update(path.relative_to(assignment.bundle).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    # the late policy changes reports, not grades: a new due date must not regrade the class
    config = dataclasses.replace(assignment.config, late=LatePolicy())
    digest.update(json.dumps(config, default=repr, sort_keys=True).encode())
    return digest.hexdigest()


def result_key(path: Path, bundle: str, assignment: str, options: GradeOptions) -> str:
    """What a stored result was graded from: the same key means the same grade."""
    content = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "missing"
    text = json.dumps({"submission": content, "grader": __version__, "bundle": bundle, "assignment": assignment,
                       **options.key()}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _stored(out_dir: Path, submission_id: str, key: str) -> Result | None:
    try:
        result = Result.from_json(result_path(out_dir, submission_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if result.key != key or result.grader_error:
        return None  # a result the grader could not make is tried again
    if not genuine(result):
        return None  # not written by this grader (or changed since): graded again
    return unsigned(result)


@dataclass
class Task:
    """One submission to grade, as a pool thread or a Dask worker receives it."""

    assignment: Assignment
    path: Path
    id: str
    key: str
    options: GradeOptions
    preload: list[str]
    fork: bool = True


def grade_task(task: Task) -> Result:
    """Grade one submission (runs in a pool thread or on a Dask worker); returns its result, also
    when the grader fails on it (status ``error``, saying so)."""
    from autograder.student_process import fork_server
    from autograder.student_process.session import base_env

    try:
        server = (fork_server.shared(base_env(task.assignment.config.threads), task.preload)
                  if task.fork else None)
        result = grade_submission(task.path, task.assignment, task.options, submission_id=task.id,
                                  fork_server=server)
    except Exception as exc:  # noqa: BLE001 - one submission's failure never stops the batch
        result = _failure(task, exc)
    result.key = task.key
    return result


def _failure(task: Task, exc: BaseException) -> Result:
    """The result of a submission the grader failed on (an exception outside grade_submission)."""
    base = Result(submission=task.id, assignment=task.assignment.name, file=task.path.name,
                  profile=task.options.profile, seed=task.options.seed or 0, key=task.key)
    return grader_failure(base, task.assignment, exc)


def grade_many(paths: list[Path], assignment: Assignment, out_dir: Path, **options: Any) -> list[Result]:
    """Grade every submission found under ``paths``; :func:`run_batch` with its results only."""
    return run_batch(paths, assignment, out_dir, **options).results


def run_batch(paths: list[Path] | Found, assignment: Assignment, out_dir: Path, *, jobs: int | None = None,
              profile: str = "cpu", timeout: float | None = None, seed: int | None = None,
              memory_mb: int | None = None, executor: Executor | None = None, resume: bool = True,
              progress: Callable[[Result, bool], None] | None = None,
              stop: threading.Event | None = None) -> Batch:
    """Grade the submissions found under ``paths`` (or already found) and write, under ``out_dir``:
    ``results/<id>.json``, ``feedback/<id>.html``, ``gradebook.csv``, ``summary.json`` and
    ``summary.html``.

    ``progress(result, reused)`` is called in this thread as each submission is done. Setting
    ``stop`` (Ctrl-C does, through the CLI) grades nothing more: submissions still running are
    left ungraded, no partial result is written, and a rerun picks up where this one stopped.
    """
    found = paths if isinstance(paths, Found) else find_submissions(list(paths), assignment.name)
    out_dir.mkdir(parents=True, exist_ok=True)
    # no submission may read another's notebook or the grades written so far
    hidden = (out_dir.resolve(), *dict.fromkeys(s.path.resolve().parent for s in found.submissions))
    options = GradeOptions(profile=profile, seed=assignment.config.seed if seed is None else seed,
                           timeout=timeout, memory_mb=memory_mb, hidden_paths=hidden)
    bundle = bundle_digest(assignment)
    batch = Batch(results=[], found=found)
    todo: list[tuple[Submission, str]] = []
    for submission in found.submissions:
        key = result_key(submission.path, bundle, assignment.name, options)
        stored = _stored(out_dir, submission.id, key) if resume else None
        if stored is not None:
            batch.results.append(stored)
            batch.reused += 1
            _write_feedback(out_dir, stored)
            if progress:
                progress(stored, True)
        else:
            todo.append((submission, key))

    own_pool = executor is None
    from autograder.student_process import fork_server, session
    from autograder.student_process.session import base_env

    session.allow_new()
    preload = assignment.preload()
    if own_pool and todo:
        # the grader's own imports (torch, the checks) on the other core while the fork server starts
        threading.Thread(target=_warm_grader, daemon=True).start()
        fork_server.shared(base_env(assignment.config.threads), preload)  # here: it lives as long as this thread
    pool = executor or ThreadPoolExecutor(max_workers=jobs or default_jobs(), thread_name_prefix="nncourse-grade")
    futures: dict[Future, Task] = {}
    try:
        for submission, key in todo:
            task = Task(assignment, submission.path, submission.id, key, options, preload)
            futures[pool.submit(grade_task, task)] = task
        for future in as_completed(futures):
            if stop is not None and stop.is_set():
                batch.interrupted = True
                break
            result = _settle(out_dir, future, futures[future])
            batch.results.append(result)
            batch.graded += 1
            if progress:
                progress(result, False)
    except KeyboardInterrupt:
        batch.interrupted = True
    finally:
        if batch.interrupted:
            for future in futures:
                future.cancel()
            session.kill_all()  # the submissions still running: their results are not kept
        if own_pool:
            pool.shutdown(wait=True, cancel_futures=True)
    batch.results.sort(key=lambda r: r.submission)
    if not batch.interrupted:
        # gradebook, feedback and summary with the TAs' written-question grades and the late policy;
        # a manual.csv or extensions.csv a TA must fix raises here, after every result is stored
        write_index(out_dir, found)
        graded = graded_class(out_dir, assignment, batch.results, found)
        batch.marks, batch.warnings = graded.marks, graded.warnings
        batch.summary = write_reports(graded)
    return batch


def _settle(out_dir: Path, future: Future, task: Task) -> Result:
    """The finished submission's result, written with its feedback page; whatever failed on the
    way (the pool, a worker, the disk) becomes that submission's ``error``, never the batch's end."""
    try:
        result = future.result()
    except Exception as exc:  # noqa: BLE001 - a pool or worker failure: this submission's result
        result = _failure(task, exc)
    try:
        write_result(out_dir, sign(result))
        _write_feedback(out_dir, result)
    except Exception as exc:  # noqa: BLE001 - something in the result could not be written
        result = _failure(task, exc)
        write_result(out_dir, sign(result))
        _write_feedback(out_dir, result)
    return result


def _warm_grader() -> None:
    import importlib
    import pkgutil

    import torch  # noqa: F401 - the checks import it on first use

    import autograder.checks

    for module in pkgutil.iter_modules(autograder.checks.__path__):
        importlib.import_module(f"autograder.checks.{module.name}")


def _write_feedback(out_dir: Path, result: Result) -> None:
    write_atomic(out_dir / "feedback" / f"{result.submission}.html", feedback_html(result))
