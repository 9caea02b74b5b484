"""Write what grading produced: per-submission JSON, the gradebook CSV and a score table."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path
from typing import Any

GRADEBOOK_FIXED = ["submission", "file", "status", "score", "max_score", "message"]


def safe_name(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "submission"
    return cleaned[:120]


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_result(out_dir: Path, result: dict[str, Any]) -> Path:
    path = out_dir / "results" / f"{safe_name(result['submission'])}.json"
    write_atomic(path, json.dumps(result, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    return path


def gradebook_csv(results: list[dict[str, Any]]) -> str:
    """One row per submission: points per question, total, max, status, message (timing left out)."""
    questions: list[str] = []
    for result in results:
        for q in result["questions"]:
            if q["name"] not in questions:
                questions.append(q["name"])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["submission", *questions, "total", "max", "status", "message"])
    for result in sorted(results, key=lambda r: r["submission"]):
        points = {q["name"]: q["score"] for q in result["questions"]}
        writer.writerow([result["submission"], *[points.get(q, 0) for q in questions],
                         result["score"], result["max_score"], result["status"], result["message"]])
    return buffer.getvalue()


def score_table(results: list[dict[str, Any]]) -> str:
    """A plain-text table for the terminal."""
    if not results:
        return "(no submissions)"
    questions = [q["name"] for q in results[0]["questions"]]
    header = ["submission", *questions, "total", "status"]
    rows = [header]
    for result in sorted(results, key=lambda r: r["submission"]):
        points = {q["name"]: q["score"] for q in result["questions"]}
        rows.append([result["submission"][:40], *[str(points.get(q, 0)) for q in questions],
                     f"{result['score']}/{result['max_score']}", result["status"]])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
