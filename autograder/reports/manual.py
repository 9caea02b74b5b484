"""``GRADES/manual.csv``: the points and comments TAs give written answers, one row per student and question.

The file is the source of truth: the review page writes it, a TA may edit it by hand, and every
report reads it again. Columns: ``submission, question, points, comment, rubric, grader, updated``
(``points`` empty: not graded yet; ``rubric``: the numbers of the rubric items that applied,
``1;3``). Every save takes a file lock, reads the file again, merges its rows in and writes the
whole file atomically, so two browser tabs or two TAs never lose each other's work; a row changed
by someone else since the page showed it is not overwritten but reported as a conflict.
"""

from __future__ import annotations

import csv
import io
import math
import os
import tempfile
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from filelock import FileLock

from autograder.reports.escape import from_sheet_text, sheet_text

FILENAME = "manual.csv"
COLUMNS = ["submission", "question", "points", "comment", "rubric", "grader", "updated"]
REQUIRED = ("submission", "question", "points")
MAX_COMMENT = 20_000


class ManualGradesError(ValueError):
    """manual.csv cannot be used; the message names the file, the line and the fix."""


@dataclass(frozen=True)
class ManualGrade:
    """One written answer's grade (``points`` None: seen but not graded yet)."""

    submission: str
    question: str
    points: float | None
    comment: str = ""
    rubric: tuple[int, ...] = ()
    grader: str = ""
    updated: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return self.submission, self.question

    def same_grade(self, other: "ManualGrade | None") -> bool:
        """Same points, comment and rubric (who saved it and when aside)."""
        return other is not None and (self.points, self.comment, self.rubric) == \
            (other.points, other.comment, other.rubric)


def manual_path(out_dir: Path) -> Path:
    return Path(out_dir) / FILENAME


def _number(text: str, where: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text.replace(",", ".")) if text.count(",") == 1 and "." not in text else float(text)
    except ValueError:
        raise ManualGradesError(f"{where}: points {text!r} is not a number; write for example 1.5, "
                                "or leave it empty for 'not graded yet'") from None
    if not math.isfinite(value) or value < 0:
        raise ManualGradesError(f"{where}: points {text!r} must be a number >= 0")
    return value


def _rubric(text: str, where: str) -> tuple[int, ...]:
    items = [part.strip() for part in text.replace(",", ";").split(";") if part.strip()]
    try:
        numbers = tuple(sorted({int(item) for item in items}))
    except ValueError:
        raise ManualGradesError(f"{where}: rubric {text!r} should list rubric item numbers like 1;3") from None
    if any(n < 1 for n in numbers):
        raise ManualGradesError(f"{where}: rubric {text!r}: items are numbered from 1")
    return numbers


def parse_manual(text: str, name: str = FILENAME) -> dict[tuple[str, str], ManualGrade]:
    """The grades in a manual.csv text, by (submission, question); ManualGradesError says what is wrong."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        return {}
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ManualGradesError(f"{name}: the first line must name the columns {', '.join(COLUMNS)}; "
                                f"{', '.join(missing)} missing (found {', '.join(header) or 'nothing'})")
    reader.fieldnames = header
    grades: dict[tuple[str, str], ManualGrade] = {}
    lines: dict[tuple[str, str], int] = {}
    for row in reader:
        line = reader.line_num
        where = f"{name} line {line}"
        values = {k: from_sheet_text((v or "").strip() if k != "comment" else (v or ""))
                  for k, v in row.items() if k}
        if not any(values.values()):
            continue
        if None in row:
            raise ManualGradesError(f"{where}: more fields than columns; put a comment with commas in "
                                    'double quotes ("good, but ...")')
        submission, question = values.get("submission", ""), values.get("question", "")
        if not submission or not question:
            raise ManualGradesError(f"{where}: submission and question must both be filled in")
        grade = ManualGrade(submission, question, _number(values.get("points", ""), where),
                            values.get("comment", "").strip()[:MAX_COMMENT],
                            _rubric(values.get("rubric", ""), where), values.get("grader", ""),
                            values.get("updated", ""))
        if grade.key in grades:
            raise ManualGradesError(f"{where}: {question} of {submission} is also graded on line "
                                    f"{lines[grade.key]}; delete one of the two lines")
        grades[grade.key] = grade
        lines[grade.key] = line
    return grades


def read_manual(out_dir: Path) -> dict[tuple[str, str], ManualGrade]:
    """The grades in ``out_dir/manual.csv`` ({} when there is none yet)."""
    path = manual_path(out_dir)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ManualGradesError(f"{path}: not UTF-8 text; save it as 'CSV UTF-8' from the spreadsheet") from None
    return parse_manual(text, str(path))


def format_manual(grades: dict[tuple[str, str], ManualGrade]) -> str:
    """The CSV text for ``grades``, sorted by submission then question."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for key in sorted(grades):
        g = grades[key]
        points = "" if g.points is None else f"{g.points:g}"
        writer.writerow([sheet_text(v) for v in (g.submission, g.question, points, g.comment,
                                                 ";".join(map(str, g.rubric)), g.grader, g.updated)])
    return buffer.getvalue()


def _write_atomic(path: Path, text: str) -> None:
    """Write ``text`` durably at once, through a temporary file whose name cannot be guessed."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o644)
        with open(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass
class SaveOutcome:
    """What :func:`save_grades` did: rows written, and rows refused because someone changed them first."""

    saved: list[ManualGrade]
    conflicts: list[tuple[ManualGrade, ManualGrade]]  # (what we tried to save, what the file holds)


def save_grades(out_dir: Path, grades: list[ManualGrade], *, seen: dict[tuple[str, str], str] | None = None,
                timeout: float = 30.0) -> SaveOutcome:
    """Merge ``grades`` into ``out_dir/manual.csv`` under a lock, atomically.

    ``seen`` maps (submission, question) to the ``updated`` stamp the TA's page showed ("" for no
    row yet). A row whose stamp has changed since, to a different grade, is left as it is and
    returned in ``conflicts``; with ``seen`` None every row is written.
    """
    path = manual_path(out_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    outcome = SaveOutcome([], [])
    with FileLock(str(path) + ".lock", timeout=timeout):
        current = read_manual(out_dir)
        for grade in grades:
            stored = current.get(grade.key)
            if seen is not None and stored is not None and stored.updated != seen.get(grade.key, "") \
                    and not grade.same_grade(stored):
                outcome.conflicts.append((grade, stored))
                continue
            if grade.same_grade(stored):
                outcome.saved.append(stored)
                continue
            current[grade.key] = replace(grade, updated=stamp)
            outcome.saved.append(current[grade.key])
        _write_atomic(path, format_manual(current))
    return outcome
