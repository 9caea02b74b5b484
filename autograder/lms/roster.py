"""Read the class roster an LMS exports, keeping every column so its import file can be written back.

- **Canvas** gradebook export (Grades > Export): ``Student, ID, SIS User ID, SIS Login ID,
  [Integration ID,] Section`` then one column per assignment (``HW1 (123456)``) and Canvas's
  computed totals; a second row ``Points Possible`` gives each assignment's points; Canvas's
  ``Student, Test`` row (Student View) is left out.
- **Moodle** grading worksheet (the assignment's "Download grading worksheet"): ``Identifier``
  (``Participant 1234567``, the number in the file names of "Download all submissions"),
  ``Full name``, ``Email address``, ``Status``, ``Grade``, ``Maximum Grade``, ...,
  ``Feedback comments``.
- **Plain CSV**: any of ``name``, ``email``, ``sid`` (or ``student id``), ``login``, ``section``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_REQUIRED = ["Identifier", "Full name", "Grade"]


class RosterError(ValueError):
    """The roster cannot be used; the message names the file and the fix."""


@dataclass
class Student:
    """One student of the roster, with the identifiers the LMS gave."""

    name: str = ""
    canvas_id: str = ""
    sid: str = ""           # SIS User ID (Canvas), ID number (Moodle), student number
    login: str = ""         # SIS Login ID (Canvas), username
    email: str = ""
    section: str = ""
    moodle_participant: str = ""
    row: dict[str, str] = field(default_factory=dict)  # the roster's own row, as read


@dataclass
class Roster:
    kind: str                      # canvas | moodle | csv
    path: Path
    header: list[str]
    students: list[Student]
    points_possible: dict[str, str] = field(default_factory=dict)  # Canvas: column -> points
    assignment_columns: list[str] = field(default_factory=list)    # Canvas: the gradable columns


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise RosterError(f"{path}: no such roster file") from None
    except UnicodeDecodeError:
        raise RosterError(f"{path}: not UTF-8 text; export it from the LMS again, or save it as 'CSV UTF-8'") from None
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [h.strip() for h in reader.fieldnames or []]
        reader.fieldnames = header
        rows = [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in reader]
    except csv.Error as exc:
        raise RosterError(f"{path}: not a readable CSV file ({exc})") from None
    return header, rows


_CANVAS_COMPUTED = re.compile(r"(Current|Final|Unposted Current|Unposted Final) (Score|Points|Grade)$"
                              r"|^Notes$|^Integration ID$")


def read_roster(path: Path) -> Roster:
    """The roster at ``path``, its kind told from its columns; RosterError when it is none of them."""
    path = Path(path)
    header, rows = _rows(path)
    if all(c in header for c in ("Student", "ID", "SIS Login ID")):
        return _canvas(path, header, rows)
    if all(c in header for c in MOODLE_REQUIRED):
        return _moodle(path, header, rows)
    lower = {h.lower(): h for h in header}
    if {"name", "email", "sid", "student id", "login"} & set(lower):
        return _plain(path, header, rows, lower)
    raise RosterError(f"{path}: not a roster this tool knows: export Canvas's gradebook (columns "
                      f"{', '.join(CANVAS_IDENTITY)}), Moodle's grading worksheet (columns Identifier, Full name, "
                      f"..., Grade) or give a CSV with name, email and/or sid columns; found {', '.join(header[:8])}")


def _canvas(path: Path, header: list[str], rows: list[dict[str, str]]) -> Roster:
    points: dict[str, str] = {}
    students = []
    for row in rows:
        name = row.get("Student", "")
        if name.strip() == "Points Possible":
            points = {k: v for k, v in row.items() if k not in CANVAS_IDENTITY}
            continue
        if not name or name == "Student, Test" or not row.get("ID"):
            continue
        students.append(Student(name=name, canvas_id=row.get("ID", ""), sid=row.get("SIS User ID", ""),
                                login=row.get("SIS Login ID", ""), section=row.get("Section", ""),
                                email=row.get("SIS Login ID", "") if "@" in row.get("SIS Login ID", "") else "",
                                row=row))
    identity = set(CANVAS_IDENTITY) | {"Integration ID"}
    columns = [h for h in header if h not in identity and not _CANVAS_COMPUTED.search(h)]
    return Roster("canvas", path, header, students, points, columns)


def _moodle(path: Path, header: list[str], rows: list[dict[str, str]]) -> Roster:
    students = []
    for row in rows:
        number = re.search(r"(\d+)\s*$", row.get("Identifier", ""))
        if not number:
            continue
        students.append(Student(name=row.get("Full name", ""), sid=row.get("ID number", ""),
                                email=row.get("Email address", ""), login=row.get("Username", ""),
                                moodle_participant=number[1], row=row))
    return Roster("moodle", path, header, students)


def _plain(path: Path, header: list[str], rows: list[dict[str, str]], lower: dict[str, str]) -> Roster:
    def get(row: dict[str, str], *names: str) -> str:
        return next((row.get(lower[n], "") for n in names if n in lower and row.get(lower[n])), "")

    students = [Student(name=get(r, "name"), sid=get(r, "sid", "student id"), email=get(r, "email"),
                        login=get(r, "login", "username"), section=get(r, "section"), row=r)
                for r in rows if any(r.values())]
    return Roster("csv", path, header, students)
