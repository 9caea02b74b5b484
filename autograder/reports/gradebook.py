"""What a TA reads first: per-submission result files, the gradebook CSV and the terminal score table."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from autograder.engine.result import Result
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


def gradebook_csv(results: list[Result]) -> str:
    """One row per submission: points per question, total, max, status, message (timing left out)."""
    questions = _questions(results)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["submission", *questions, "total", "max", "status", "message"])
    for result in sorted(results, key=lambda r: r.submission):
        points = result.points_by_question()
        writer.writerow([result.submission, *[points.get(q, 0) for q in questions],
                         result.score, result.max_score, result.status, result.message])
    return buffer.getvalue()


def score_table(results: list[Result]) -> str:
    """A plain-text table for the terminal."""
    if not results:
        return "(no submissions)"
    questions = _questions(results)
    rows = [["submission", *questions, "total", "status"]]
    for result in sorted(results, key=lambda r: r.submission):
        points = result.points_by_question()
        rows.append([result.submission[:40], *[str(points.get(q, 0)) for q in questions],
                     f"{result.score}/{result.max_score}", result.status])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
