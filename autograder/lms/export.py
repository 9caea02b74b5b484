"""Write the grade file an LMS imports as is, from everyone's :class:`~autograder.reports.marks.Marks`.

- ``canvas``: Canvas's gradebook import CSV (Grades > Import): ``Student, ID, SIS User ID, SIS Login
  ID, Section, <assignment>`` with a ``Points Possible`` row, one row per roster student. The
  assignment column is the roster's column for this assignment (``HW1 (123456)``: Canvas updates
  that assignment) or, with none, the assignment's name (Canvas creates a new assignment).
- ``moodle``: the Moodle grading worksheet given as roster, with ``Grade`` (and ``Feedback
  comments``) filled in; upload it in the assignment (View all submissions > Upload grading
  worksheet). Moodle matches rows by their ``Identifier`` column.
- ``csv``: one row per student: every part of the mark, for a spreadsheet or another system.

Scores are final scores (raw less the late penalty). Where the LMS gives the assignment fewer or
more points than the notebook (Canvas's Points Possible, Moodle's Maximum Grade), scores are scaled
to it and the note says so. Students without a submission get an empty grade (``--missing zero``:
0), so importing never overwrites a grade entered by hand for them. No cell starts like a spreadsheet
formula (``escape.csv_cell``: a leading ``=``, ``+``, ``-``, ``@`` gets an apostrophe, numbers stay).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from autograder.batch.submissions import Submission
from autograder.engine.result import points
from autograder.lms.match import Matching, match
from autograder.lms.roster import CANVAS_IDENTITY, Roster
from autograder.reports.escape import SafeWriter
from autograder.reports.marks import Marks

TARGETS = ("canvas", "moodle", "csv")
CSV_COLUMNS = ["student", "name", "sid", "login", "email", "section", "submission", "autograded", "written",
               "raw", "late_penalty", "final", "max", "ungraded", "late"]


class ExportError(ValueError):
    """The export cannot be written as asked; the message says what to change."""


@dataclass
class Export:
    """What :func:`export` wrote and what a TA should look at."""

    path: Path
    rows: int
    matching: Matching | None
    roster: Roster | None
    column: str = ""
    notes: list[str] = field(default_factory=list)


def _normal(name: str) -> str:
    """``HW 01 (123456)`` -> ``hw1``: Canvas's id suffix, spaces, case and leading zeros ignored."""
    name = re.sub(r"\s*\(\d+\)\s*$", "", name).lower()
    name = re.sub(r"[\s_-]+", "", name)
    return re.sub(r"(?<!\d)0+(?=\d)", "", name)


def canvas_column(roster: Roster, assignment: str, column: str | None) -> tuple[str, bool]:
    """(the assignment column to fill, whether the roster has it)."""
    if column:
        return column, column in roster.assignment_columns
    same = [c for c in roster.assignment_columns if _normal(c) == _normal(assignment)]
    if len(same) > 1:
        raise ExportError(f"{roster.path}: several columns could be {assignment} ({', '.join(same)}); "
                          "choose one with --column")
    return (same[0], True) if same else (assignment, False)


def _scale(value: float, ours: float, theirs: str) -> float:
    try:
        target = float(theirs)
    except (TypeError, ValueError):
        return value
    return points(value * target / ours) if ours and target and abs(target - ours) > 1e-9 else value


def _feedback(marks: Marks) -> str:
    parts = [f"Autograded {marks.autograded:g}/{marks.autograded_max:g}"]
    for w in marks.written:
        parts.append(f"{w.question} {'not graded yet' if w.points is None else f'{w.points:g}'}/{w.max_score:g}")
    if marks.penalty:
        parts.append(f"late penalty -{marks.penalty:g} ({marks.lateness.percent:g}%)")
    parts.append(f"total {marks.final:g}/{marks.max_score:g}")
    return "; ".join(parts) + "."


def _write(path: Path, header: list[str], rows: list[list[str]], *, bom: bool = False) -> None:
    buffer = io.StringIO()
    # a roster's names are the students' own text: no cell may be read as a spreadsheet formula
    writer = SafeWriter(buffer, lineterminator="\r\n" if bom else "\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(("\ufeff" if bom else "") + buffer.getvalue(), encoding="utf-8", newline="")


def export(target: str, marks: dict[str, Marks], submissions: dict[str, Submission], *, assignment: str,
           roster: Roster | None, out: Path, column: str | None = None, missing: str = "blank") -> Export:
    """Write ``target``'s import file to ``out`` (see the module docstring)."""
    if target not in TARGETS:
        raise ExportError(f"--to {target}: choose one of {', '.join(TARGETS)}")
    if target in ("canvas", "moodle") and roster is None:
        raise ExportError(f"--to {target} needs --roster: the {'gradebook export' if target == 'canvas' else 'grading worksheet'} "
                          f"from {target.capitalize()}")
    if roster is not None and target in ("canvas", "moodle") and roster.kind != target:
        raise ExportError(f"{roster.path} is a {roster.kind} roster, but --to {target} needs "
                          + ("Canvas's gradebook export (Grades > Export)" if target == "canvas"
                             else "the assignment's Moodle grading worksheet (Download grading worksheet)"))
    known = [submissions[s] if s in submissions else Submission(s, Path(s), "file", "") for s in sorted(marks)]
    matching = match(known, roster) if roster is not None else None
    empty = "0" if missing == "zero" else ""
    result = Export(out, 0, matching, roster)
    if target == "canvas":
        name, exists = canvas_column(roster, assignment, column)
        result.column = name
        possible = roster.points_possible.get(name, "") if exists else ""
        if not exists:
            result.notes.append(f"the roster has no column for {assignment}: Canvas will create the "
                                f"assignment {name!r} (use --column 'HW1 (123456)' to fill an existing one)")
        header = [*CANVAS_IDENTITY, name]
        ours = next(iter(marks.values())).max_score if marks else 0
        rows = [["    Points Possible", "", "", "", "", possible or f"{ours:g}"]]
        for i, student in enumerate(roster.students):
            sub = matching.by_student.get(i)
            score = f"{_scale(marks[sub].final, marks[sub].max_score, possible):g}" if sub else empty
            rows.append([student.row.get(c, "") for c in CANVAS_IDENTITY[:-1]] + [student.section, score])
        if possible and ours and abs(float(possible) - ours) > 1e-9:
            result.notes.append(f"scores scaled from {ours:g} to Canvas's {possible} points possible")
        _write(out, header, rows)
        result.rows = len(roster.students)
    elif target == "moodle":
        header = list(roster.header)
        rows = []
        scaled = False
        for i, student in enumerate(roster.students):
            row = dict(student.row)
            sub = matching.by_student.get(i)
            if sub:
                maximum = row.get("Maximum Grade") or row.get("Maximum grade") or ""
                value = _scale(marks[sub].final, marks[sub].max_score, maximum)
                scaled = scaled or value != marks[sub].final
                row["Grade"] = f"{value:g}"
                if "Feedback comments" in row:
                    row["Feedback comments"] = _feedback(marks[sub])
            elif missing == "zero":
                row["Grade"] = "0"
            rows.append([row.get(h, "") for h in header])
        if scaled:
            result.notes.append("scores scaled to the worksheet's Maximum Grade")
        _write(out, header, rows, bom=True)
        result.rows = len(rows)
    else:
        rows = []
        listed: set[str] = set()
        for i, student in enumerate(roster.students if roster else []):
            sub = matching.by_student.get(i)
            rows.append(_csv_row(student.name, student.sid, student.login, student.email, student.section,
                                 sub, marks.get(sub) if sub else None, empty))
            listed.add(sub or "")
        for sub in sorted(set(marks) - listed):
            person = submissions[sub].people[0] if sub in submissions and submissions[sub].people else None
            rows.append(_csv_row(person.name if person else "", person.sid if person else "",
                                 person.login if person else "", person.email if person else "", "",
                                 sub, marks[sub], empty))
        _write(out, CSV_COLUMNS, rows)
        result.rows = len(rows)
    return result


def _csv_row(name: str, sid: str, login: str, email: str, section: str, sub: str | None, m: Marks | None,
             empty: str) -> list[str]:
    student = sid or login or email or name or (sub or "")
    if m is None:
        return [student, name, sid, login, email, section, "", "", "", "", "", empty, "", "", ""]
    late = "" if not m.lateness or not m.lateness.late else ("marked late" if m.lateness.flag_only else
                                                           f"{m.lateness.late_minutes / 60:.1f} h")
    return [student, name, sid, login, email, section, sub or "", f"{m.autograded:g}", f"{m.written_points:g}",
            f"{m.raw:g}", f"{m.penalty:g}", f"{m.final:g}", f"{m.max_score:g}", ";".join(m.ungraded), late]
