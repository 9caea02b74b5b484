"""Match graded submissions to the students of a roster.

Each person a submission names (a Gradescope group names several) is looked up by the strongest
identifier both sides have, in this order: the LMS's own number (Canvas user id from a Canvas
download, Moodle participant number from a Moodle download), the student id (SIS User ID, ID
number, Gradescope's sid), the email address or SIS login, a login-like name (a folder's name:
``alice`` matches the login ``alice`` or the email ``alice@...``), and last the full name with
case, accents, punctuation and word order ignored (Canvas's ``doejane`` matches ``Doe, Jane``).
A weaker identifier is used only when exactly one student has it. A student reached by two
submissions goes to the one with the stronger identifier (the other is reported as matching no
student); two equally strong claims get neither, and both are reported: a human decides.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from autograder.batch.submissions import Person, Submission
from autograder.lms.roster import Roster, Student


@dataclass
class Matching:
    """Which roster student each submission belongs to, and what did not match."""

    by_student: dict[int, str] = field(default_factory=dict)  # roster index -> submission id
    how: dict[int, str] = field(default_factory=dict)         # roster index -> identifier used
    unmatched: list[str] = field(default_factory=list)        # submission ids matching no student
    missing: list[int] = field(default_factory=list)          # roster indexes with no submission
    clashes: list[tuple[int, list[str]]] = field(default_factory=list)  # a student claimed twice


def _letters(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]", "", plain)


def _name_keys(name: str) -> set[str]:
    """``Doe, Jane`` and ``Jane Doe`` give {doejane, janedoe}: word order does not matter."""
    words = [_letters(w) for w in re.split(r"[\s,]+", name) if _letters(w)]
    if not words:
        return set()
    return {"".join(words), "".join(reversed(words)), "".join(sorted(words))}


def _id_keys(record: Student | Person) -> list[tuple[str, str]]:
    """The LMS ids a roster row and a graded person may share."""
    keys = []
    if record.canvas_id:
        keys.append(("canvas_id", record.canvas_id))
    if record.moodle_participant:
        keys.append(("moodle_participant", record.moodle_participant))
    if record.sid:
        keys.append(("sid", record.sid.strip().lower()))
    return keys


def _student_keys(student: Student) -> list[tuple[str, str]]:
    keys = _id_keys(student)
    for value in {student.email, student.login} - {""}:
        keys.append(("email", value.strip().lower()))
        keys.append(("login", _letters(value.split("@")[0])))
    keys += [("name", k) for k in _name_keys(student.name)]
    return keys


def _person_keys(person: Person) -> list[tuple[str, str]]:
    keys = _id_keys(person)
    if person.email:
        keys.append(("email", person.email.strip().lower()))
    if person.login:
        keys.append(("login", _letters(person.login.split("@")[0])))
        keys += [("name", k) for k in _name_keys(person.login)]
    if person.name:
        keys += [("name", k) for k in _name_keys(person.name)]
    return keys


ORDER = ["canvas_id", "moodle_participant", "sid", "email", "login", "name"]


def match(submissions: list[Submission], roster: Roster) -> Matching:
    """Match every submission's people to ``roster``'s students (see the module docstring)."""
    index: dict[tuple[str, str], set[int]] = {}
    for i, student in enumerate(roster.students):
        for key in _student_keys(student):
            index.setdefault(key, set()).add(i)
    claims: dict[int, list[tuple[str, str]]] = {}
    result = Matching()
    for submission in submissions:
        found_any = False
        for person in submission.people:
            keys = _person_keys(person)
            for kind in ORDER:
                hits = set().union(*(index.get(k, set()) for k in keys if k[0] == kind))
                if len(hits) == 1:
                    student = hits.pop()
                    claims.setdefault(student, []).append((submission.id, kind))
                    found_any = True
                    break
        if not found_any:
            result.unmatched.append(submission.id)
    for student, claimed in sorted(claims.items()):
        strongest = min(ORDER.index(kind) for _, kind in claimed)
        best = sorted({sid for sid, kind in claimed if ORDER.index(kind) == strongest})
        weaker = sorted({sid for sid, _ in claimed} - set(best))
        if len(best) > 1:
            result.clashes.append((student, sorted({sid for sid, _ in claimed})))
            continue
        result.by_student[student] = best[0]
        result.how[student] = ORDER[strongest]
        result.unmatched += [sid for sid in weaker if sid not in result.unmatched]  # a stronger id won
    taken = set(result.by_student) | {s for s, _ in result.clashes}
    result.missing = [i for i in range(len(roster.students)) if i not in taken]
    return result
