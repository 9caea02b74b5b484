"""The build proves each assignment: the master's solution gets full marks, the untouched student
notebook gets 0, on every autograded question, graded by the real grader.

Both notebooks go through :func:`autograder.batch.run.run_batch` (the fork server, the sandbox,
the ``cpu`` profile: what ``nncourse grade``, CI and Gradescope use). A proof is recorded in
``dist/<hw>/VERIFIED``, keyed by the bundle's SOURCE digest (the master notebook's folder): while
the master is unchanged, ``nncourse build --check`` needs no grading. A rebuild from the same
master keeps the record (the build is byte-identical); a changed master drops it. After a change
to the check library itself, ``nncourse build --verify-all`` proves every assignment again.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from autograder import __version__, paths

if TYPE_CHECKING:
    from autograder.engine.result import Result

VERIFIED_FILE = "VERIFIED"  # in a bundle: the proof, as JSON, keyed by the SOURCE digest it was made for
PROFILE = "cpu"


@dataclass
class Verification:
    """How one assignment's solution and student notebook graded; ``problems``: one line each."""

    name: str
    solution: str = ""  # "17 / 17"
    student: str = ""  # "0 / 17"
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def recorded_source(bundle: Path) -> str:
    """The SOURCE digest a bundle's VERIFIED record was made for ("" when there is none)."""
    try:
        return str(json.loads((bundle / VERIFIED_FILE).read_text(encoding="utf-8")).get("source", ""))
    except (OSError, ValueError, AttributeError):
        return ""


def is_verified(name: str) -> bool:
    """Whether ``dist/<name>`` holds a proof made for the master notebook as it is now."""
    from autograder.engine.assignment import source_digest

    bundle = paths.dist_dir() / name
    return bool(recorded_source(bundle)) and recorded_source(bundle) == source_digest(name)


def saved_record(bundle: Path) -> bytes | None:
    """The bundle's proof record as it is on disk (None when there is none), to keep over a rebuild."""
    path = bundle / VERIFIED_FILE
    return path.read_bytes() if path.is_file() else None


def keep_record(record: bytes | None, bundle: Path) -> None:
    """Put a saved proof ``record`` into a rebuilt ``bundle`` when it was made for the same source."""
    from autograder.engine.assignment import SOURCE_FILE

    source = bundle / SOURCE_FILE
    if record is None or not source.is_file():
        return
    try:
        made_for = str(json.loads(record).get("source", ""))
    except (ValueError, AttributeError):
        return
    if made_for and made_for == source.read_text().strip():
        (bundle / VERIFIED_FILE).write_bytes(record)


def _first_line(text: str) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line if len(line) <= 200 else line[:197] + "..."


def _judge(name: str, solution: Result, student: Result) -> list[str]:
    """One line per problem: a point the solution loses, a point the stub earns, a run that broke."""
    from autograder.engine.result import points

    problems = []
    if solution.status != "ok":
        problems.append(f"{name}: the solution (solutions/{name}/{name}.ipynb) did not run cleanly: "
                        f"{solution.status}: {_first_line(solution.message)}")
    for question in solution.questions:
        for test in question.tests:
            if test.score < test.max_score:
                problems.append(f"{name}: the solution loses {points(test.max_score - test.score)} of "
                                f"{points(question.max_score)} point(s) on {question.name}: {test.name} failed: "
                                f"{_first_line(test.message)}")
    if student.status in ("timeout", "kernel_died", "ungradable"):
        problems.append(f"{name}: grading the untouched student notebook (assignments/{name}/{name}.ipynb) "
                        f"did not finish: {student.status}: {_first_line(student.message)}")
    for question in student.questions:
        for test in question.tests:
            if test.score > 0:
                problems.append(f"{name}: the untouched student notebook gets {points(test.score)} point(s) on "
                                f"{question.name}: {test.name} passes before the question is answered "
                                "(a hidden test must fail on the unanswered stub)")
    if solution.max_score == 0:
        problems.append(f"{name}: no test is worth points: mark the tests that give points '# HIDDEN' "
                        "and give them 'points' in the question's config")
    return problems


def verify_assignment(name: str) -> Verification:
    """Grade ``name``'s master notebook and its committed student notebook; record the proof when
    the solution gets full marks and the stub 0 on every autograded question."""
    from autograder.batch.run import run_batch
    from autograder.engine.assignment import Assignment, BundleNotReady, source_digest

    started = time.monotonic()
    outcome = Verification(name)
    try:
        assignment = Assignment.load(name)
    except BundleNotReady as exc:
        outcome.problems.append(f"{name}: cannot be proven: {exc}")
        return outcome
    (paths.dist_dir() / name / VERIFIED_FILE).unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"nncourse-verify-{name}-") as tmp:
        folder = Path(tmp) / "notebooks"
        folder.mkdir()
        shutil.copyfile(paths.solutions_dir() / name / f"{name}.ipynb", folder / "solution.ipynb")
        shutil.copyfile(paths.assignments_dir() / name / f"{name}.ipynb", folder / "student.ipynb")
        batch = run_batch([folder], assignment, Path(tmp) / "graded", jobs=2, profile=PROFILE, resume=False)
    if batch.interrupted:
        raise KeyboardInterrupt
    results = {r.submission: r for r in batch.results}
    if set(results) != {"solution", "student"}:
        outcome.problems.append(f"{name}: cannot be proven: grading gave results for {sorted(results)}")
        return outcome
    solution, student = results["solution"], results["student"]
    outcome.solution = f"{solution.score:g} / {solution.max_score:g}"
    outcome.student = f"{student.score:g} / {student.max_score:g}"
    outcome.problems = _judge(name, solution, student)
    outcome.seconds = round(time.monotonic() - started, 1)
    if outcome.ok:
        record = {"source": source_digest(name), "profile": PROFILE, "grader": __version__,
                  "solution": outcome.solution, "student": outcome.student}
        (paths.dist_dir() / name / VERIFIED_FILE).write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    return outcome


def verify_assignments(names: list[str], *, echo: Callable[[str], None] = print) -> list[Verification]:
    """Prove each of ``names`` in turn (saying so with ``echo``); returns every outcome."""
    outcomes = []
    for name in names:
        echo(f"Verifying {name}: grading the solution and the untouched student notebook ({PROFILE} profile) ...")
        outcome = verify_assignment(name)
        if outcome.ok:
            echo(f"  {name} verified: the solution gets {outcome.solution}, the student notebook "
                 f"{outcome.student} ({outcome.seconds:g} s)")
        outcomes.append(outcome)
    return outcomes
