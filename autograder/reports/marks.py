"""A submission's marks: autograded points plus the TAs' written-question points, less the late penalty.

Every report (gradebook, feedback, summary, LMS export) reads :class:`Marks`; none adds points up
on its own. The late penalty is a percent of the raw score (autograded + written), so grading a
written answer after the penalty was set changes the final score as it should.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from autograder.config import LatePolicy
from autograder.engine.assignment import ManualQuestion
from autograder.engine.result import Result, points
from autograder.reports.late import Extension, Lateness, assess, read_extensions
from autograder.reports.manual import ManualGrade, ManualGradesError, read_manual

if TYPE_CHECKING:
    from autograder.batch.submissions import Submission


@dataclass(frozen=True)
class WrittenMark:
    question: str
    max_score: float
    grade: ManualGrade | None  # None or points None: not graded yet
    answered: bool = True      # False: the notebook could not be read, there is nothing to grade (0)

    @property
    def points(self) -> float | None:
        return None if self.grade is None else self.grade.points


@dataclass(frozen=True)
class Marks:
    """One submission's final marks (see the module docstring)."""

    submission: str
    autograded: float
    autograded_max: float
    written: tuple[WrittenMark, ...] = ()
    lateness: Lateness | None = None

    @property
    def written_points(self) -> float:
        return sum(w.points or 0 for w in self.written)

    @property
    def max_score(self) -> float:
        return points(self.autograded_max + sum(w.max_score for w in self.written))

    @property
    def raw(self) -> float:
        return points(self.autograded + self.written_points)

    @property
    def ungraded(self) -> list[str]:
        return [w.question for w in self.written if w.answered and w.points is None]

    @property
    def penalty(self) -> float:
        percent = self.lateness.percent if self.lateness else 0.0
        return points(min(self.raw, self.raw * percent / 100))

    @property
    def final(self) -> float:
        return points(max(0.0, self.raw - self.penalty))


def marks_for(result: Result, questions: list[ManualQuestion], manual: dict[tuple[str, str], ManualGrade],
              *, submission: "Submission | None" = None, policy: LatePolicy | None = None,
              extension: Extension | None = None) -> Marks:
    """The marks of one graded submission."""
    answered = {w.question for w in result.written}
    written = tuple(WrittenMark(q.name, q.points, manual.get((result.submission, q.name)), q.name in answered)
                    for q in questions)
    lateness = None
    if policy is not None and policy.due:
        lateness = assess(policy, submitted=submission.lms_time if submission else "",
                          source=submission.source if submission else "",
                          marker=bool(submission and submission.late_marker), extension=extension)
    return Marks(result.submission, result.score, result.max_score, written, lateness)


def check_manual(manual: dict[tuple[str, str], ManualGrade], questions: list[ManualQuestion],
                 submissions: set[str], path: Path) -> list[str]:
    """Raise ManualGradesError for a row no report could use; return warnings for rows of unknown students."""
    maxima = {q.name: q.points for q in questions}
    warnings = []
    for (submission, question), grade in sorted(manual.items()):
        if question not in maxima:
            known = ", ".join(maxima) or "none"
            raise ManualGradesError(f"{path}: {question!r} (for {submission}) is not a written question of "
                                    f"this assignment ({known}); correct the question column")
        if grade.points is not None and grade.points > maxima[question]:
            raise ManualGradesError(f"{path}: {question} of {submission} has {grade.points:g} points, more "
                                    f"than the question's {maxima[question]:g}; correct the points")
        if submission not in submissions:
            warnings.append(f"{path}: {question} is graded for {submission}, which is not among the graded "
                            "submissions (kept, not used)")
    return warnings


def class_marks(out_dir: Path, results: list[Result], questions: list[ManualQuestion], policy: LatePolicy,
                submissions: "dict[str, Submission]") -> tuple[dict[str, Marks], list[str]]:
    """Everyone's marks from ``out_dir``'s manual.csv and extensions.csv; (marks by id, warnings).

    Raises ManualGradesError or ExtensionsError (one line each) for files a TA must fix.
    """
    manual = read_manual(out_dir)
    warnings = check_manual(manual, questions, {r.submission for r in results}, out_dir / "manual.csv")
    extensions = read_extensions(out_dir) if policy.due else {}
    unknown = sorted(set(extensions) - {r.submission for r in results})
    warnings += [f"{out_dir / 'extensions.csv'}: no graded submission {s!r} (extension not used)" for s in unknown]
    marks = {r.submission: marks_for(r, questions, manual, submission=submissions.get(r.submission),
                                     policy=policy, extension=extensions.get(r.submission))
             for r in results}
    return marks, warnings
