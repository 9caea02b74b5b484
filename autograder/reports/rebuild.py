"""A graded class as stored in ``GRADES``, and its reports written again from it.

``nncourse grade`` stores each result (``results/<id>.json``) and what it found
(``submissions.json``: every submission with its LMS details, the skipped files, the
duplicates). TAs add ``manual.csv`` (written-question grades) and ``extensions.csv``; the late
policy is in the GRADING CONFIG. From all of that, :func:`write_reports` writes ``gradebook.csv``,
``feedback/<id>.html``, ``summary.json`` and ``summary.html``: after grading, after each save in
the review page, and on ``nncourse report``. Nothing here grades anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from autograder.batch.submissions import Found, Submission
from autograder.engine.assignment import Assignment
from autograder.engine.result import Result
from autograder.reports.feedback import feedback_html
from autograder.reports.files import safe_name, write_atomic
from autograder.reports.gradebook import gradebook_csv
from autograder.reports.marks import Marks, class_marks
from autograder.reports.summary import class_summary, summary_html

INDEX = "submissions.json"


class NothingGraded(ValueError):
    """``GRADES`` holds no graded submission; the message says which command makes some."""


def write_index(out_dir: Path, found: Found) -> None:
    """``submissions.json``: what ``find_submissions`` found, for reports written later."""
    data = {"submissions": [s.to_dict() for s in found.submissions], "skipped": found.skipped,
            "duplicates": found.duplicates, "collisions": found.collisions}
    write_atomic(Path(out_dir) / INDEX, json.dumps(data, indent=1, sort_keys=True, default=str) + "\n")


def read_index(out_dir: Path) -> Found | None:
    """The stored ``submissions.json``, or None when there is none (or it cannot be read)."""
    try:
        data = json.loads((Path(out_dir) / INDEX).read_text(encoding="utf-8"))
        return Found([Submission.from_dict(s) for s in data["submissions"]], list(data.get("duplicates", [])),
                     list(data.get("skipped", [])), list(data.get("collisions", [])))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def load_results(out_dir: Path, ids: set[str] | None = None) -> tuple[list[Result], list[str]]:
    """Every stored result under ``out_dir/results`` (only ``ids`` when given); (results, problems)."""
    results, problems = [], []
    for path in sorted((Path(out_dir) / "results").glob("*.json")):
        try:
            result = Result.from_json(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            problems.append(f"{path}: {exc}; grade again with nncourse grade")
            continue
        if ids is None or result.submission in ids:
            results.append(result)
    return sorted(results, key=lambda r: r.submission), problems


@dataclass
class GradedClass:
    """Everything the reports of one graded class are made from."""

    out_dir: Path
    assignment: Assignment
    results: list[Result]
    found: Found
    marks: dict[str, Marks] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def submissions(self) -> dict[str, Submission]:
        return {s.id: s for s in self.found.submissions}


def graded_class(out_dir: Path, assignment: Assignment, results: list[Result] | None = None,
                 found: Found | None = None) -> GradedClass:
    """The class in ``out_dir`` with everyone's marks; ``results`` and ``found`` default to the stored ones.

    Raises NothingGraded, or ManualGradesError / ExtensionsError for a file a TA must fix.
    """
    out_dir = Path(out_dir)
    found = found or read_index(out_dir)
    warnings: list[str] = []
    if results is None:
        results, warnings = load_results(out_dir, {s.id for s in found.submissions} if found else None)
    if not results:
        raise NothingGraded(f"{out_dir} holds no graded submission of {assignment.name}: run "
                            f"nncourse grade {assignment.name} SUBMISSIONS --out {out_dir} first")
    found = found or Found([], [], [])
    marks, more = class_marks(out_dir, results, assignment.manual, assignment.config.late,
                              {s.id: s for s in found.submissions})
    return GradedClass(out_dir, assignment, results, found, marks, warnings + more)


def write_reports(graded: GradedClass, *, only: list[str] | None = None) -> dict:
    """Write gradebook.csv, summary.json/.html and the feedback pages (all, or those of ``only``);
    returns the summary."""
    out_dir = graded.out_dir
    for result in graded.results:
        if only is None or result.submission in only:
            write_atomic(out_dir / "feedback" / f"{safe_name(result.submission)}.html",
                         feedback_html(result, graded.marks.get(result.submission)))
    write_atomic(out_dir / "gradebook.csv", gradebook_csv(graded.results, graded.marks))
    summary = class_summary(graded.results, skipped=graded.found.skipped, duplicates=graded.found.duplicates,
                            collisions=graded.found.collisions, marks=graded.marks)
    write_atomic(out_dir / "summary.json", json.dumps(summary, indent=1, sort_keys=True) + "\n")
    write_atomic(out_dir / "summary.html", summary_html(summary))
    return summary
