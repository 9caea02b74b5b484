"""What a TA reads first: per-submission result files, the gradebook CSV and the terminal score table."""

from __future__ import annotations

import io
from pathlib import Path

from autograder.engine.result import Result
from autograder.reports.escape import SafeWriter, terminal
from autograder.reports.marks import Marks
from autograder.reports.files import safe_name, write_atomic


def result_path(out_dir: Path, submission: str) -> Path:
    return out_dir / "results" / f"{safe_name(submission)}.json"


def write_result(out_dir: Path, result: Result) -> Path:
    path = result_path(out_dir, result.submission)
    write_atomic(path, result.to_json())
    return path


def _questions(results: list[Result]) -> list[str]:
    names: list[str] = []
    for result in results:
        names += [q.name for q in result.questions if q.name not in names]
    return names


def gradebook_csv(results: list[Result], marks: dict[str, Marks] | None = None) -> str:
    """One row per submission: points per question, total, max, status, message (timing left out).

    With ``marks`` (written-question grades and late penalties) the row also has each written
    question (empty until graded), ``autograded``, ``written``, ``raw``, ``late_penalty``, the
    ``ungraded`` written questions and ``late``; ``total`` and ``max`` are then the final score and
    the notebook's full points. Text cells are escaped and capped, and never start like a formula
    (see ``escape.csv_cell``).
    """
    questions = _questions(results)
    written = [w.question for w in next(iter(marks.values())).written] if marks else []
    buffer = io.StringIO()
    writer = SafeWriter(buffer)
    extra = ["autograded", "written", "raw", "late_penalty"] if marks else []
    after = ["ungraded", "late"] if marks else []
    writer.writerow(["submission", *questions, *written, *extra, "total", "max", *after, "status", "message"])
    for result in sorted(results, key=lambda r: r.submission):
        points = result.points_by_question()
        m = marks.get(result.submission) if marks else None
        if m is None:
            writer.writerow([result.submission, *[points.get(q, 0) for q in questions],
                             *[""] * (len(written) + len(extra)), result.score, result.max_score,
                             *[""] * len(after), result.status, result.message])
            continue
        by_question = {w.question: w.points for w in m.written}
        writer.writerow([result.submission, *[points.get(q, 0) for q in questions],
                         *["" if by_question.get(q) is None else f"{by_question[q]:g}" for q in written],
                         f"{m.autograded:g}", f"{m.written_points:g}", f"{m.raw:g}", f"{m.penalty:g}",
                         f"{m.final:g}", f"{m.max_score:g}", ";".join(m.ungraded), _late(m),
                         result.status, result.message])
    return buffer.getvalue()


def _late(marks: Marks) -> str:
    late = marks.lateness
    if late is None or not late.late:
        return ""
    if late.flag_only:
        return f"marked late by {late.source or 'the LMS'}"
    return f"{late.late_minutes / 60:.1f} h late, -{late.percent:g}%"


def score_table(results: list[Result], marks: dict[str, Marks] | None = None) -> str:
    """A plain-text table for the terminal (with ``marks``: written points and the final total)."""
    if not results:
        return "(no submissions)"
    questions = _questions(results)
    written = [w.question for w in next(iter(marks.values())).written] if marks else []
    rows = [["submission", *[terminal(q) for q in questions], *[terminal(q) for q in written], "total", "status"]]
    for result in sorted(results, key=lambda r: r.submission):
        points = result.points_by_question()
        m = marks.get(result.submission) if marks else None
        if m is None:
            rows.append([terminal(result.submission)[:40], *[str(points.get(q, 0)) for q in questions], *["-"] * len(written),
                         f"{result.score}/{result.max_score}", terminal(result.status)])
            continue
        by_question = {w.question: w.points for w in m.written}
        rows.append([terminal(result.submission)[:40], *[str(points.get(q, 0)) for q in questions],
                     *["-" if by_question.get(q) is None else f"{by_question[q]:g}" for q in written],
                     f"{m.final:g}/{m.max_score:g}", terminal(result.status)])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
