"""Find the submissions a TA hands to ``nncourse grade`` and give each one a student id.

Arguments are files or folders; folders are searched recursively. Hidden names (``.*``, so also
``.ipynb_checkpoints``) and ``__MACOSX`` are ignored. What is recognised, and the id it gets:

- **Gradescope "Export Submissions"**: a folder holding ``submission_metadata.yml`` and one entry
  per submission (``submission_123456/`` with the student's files). The metadata maps each entry
  to its ``:submitters`` (``:name``, ``:sid``, ``:email``) and ``:created_at``. Id: the submitter's
  ``:sid``, else ``:email``, else ``:name`` (group submissions: all of them, sorted, joined by
  ``-``). Two entries are one student only if these values are equal as written (emails ignoring
  case): names that differ only in an accent are two people, even when their ids look alike.
  The graded file is the entry's only notebook, or the one named after the assignment when there are several (the others are listed as skipped); no notebook: a zip. A student in
  several entries (two exports handed together): the newest ``:created_at`` is graded. Missing
  from the metadata, or metadata that cannot be read: the id is the entry's folder name.
- **Canvas bulk download**: ``doejane_12345_67890_hw01.ipynb`` or
  ``doejane_LATE_12345_67890_hw01-1.ipynb`` (name, optional LATE, user id, submission id, the
  uploaded file's name; both ids have at least 3 digits). Id: ``doejane_12345``. Several files
  of one student in one folder (one download): the largest submission id is graded (Canvas
  numbers re-submissions upwards). A file named like that in another folder never replaces them.
- **Moodle "Download all submissions"**: ``Jane Doe_1234567_assignsubmission_file_hw01.ipynb``,
  or the same name without the file part as a folder holding the files ("Download submissions in
  folders"), or ``Participant 1234567_assignsubmission_file_...`` under blind marking (full name,
  participant number, the submission plugin, the uploaded file's name). Id:
  ``Jane_Doe_1234567`` (``Participant_1234567``). Several notebooks of one participant: the one
  named after the assignment, else the last by name, is graded. A Moodle **grading worksheet**
  (``Grades-....csv``, from "Download grading worksheet") among the inputs is not graded: its
  ``Last modified (submission)`` gives each participant's submission time, and a status saying
  "late" marks it late.
- **otter export zip** (``hw01_2024_01_15T10_20_30_123456.zip``) and **plain notebook**: id from
  the file name, without otter's timestamp (kept in ``submitted``, the student's local time).
  A file named after the assignment (``hw01.ipynb``, ``HW01 (1).ipynb``, ``hw01-2.ipynb``) in a
  sub-folder of a folder named on the command line takes the folder's name:
  ``submissions/alice/hw01.ipynb`` -> ``alice``. Ids that still collide get their parent folders'
  names in front, up to three, as few as make them unique (``sec1-alice``, ``alice-hw01``). Plain
  files carry no student identity, so two of them are never taken for one student's re-submission.

Canvas's ``LATE`` marker is kept (``late_marker``), and each submission keeps what the LMS said
about its student(s) (``people``: name, email, sid, Canvas user id, Moodle participant number) so
that ``nncourse export`` can match it to a roster. ``lms_time`` is a submission time from an LMS's
own records only (Gradescope, Moodle's worksheet): otter's zip timestamp is the student's clock.

Every id is made filesystem-safe with :func:`autograder.reports.files.safe_name`. Ids still
equal after all that get ``-2``, ``-3``, ...: a platform's student (Gradescope, Canvas, Moodle)
keeps its id before any plain file, then path order decides; every such collision is listed in
``Found.collisions``, so a plain file can never take a platform student's id unnoticed. The
result does not depend on the order in which the file system lists a folder or in which the
paths are given. Nothing is extracted or
executed here; files that cannot be graded are reported in ``Found.skipped``.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import yaml

from autograder.reports.files import safe_name

METADATA = "submission_metadata.yml"
GRADABLE = (".ipynb", ".zip")
_OTTER_STAMP = re.compile(r"^(?P<stem>.+)_(?P<stamp>\d{4}_\d\d_\d\dT\d\d_\d\d_\d\d_\d{6})$")
_CANVAS = re.compile(r"^(?P<name>[A-Za-z][A-Za-z0-9-]*)_(?:(?i:late)_)?(?P<user>\d{3,})_"
                     r"(?P<number>\d{3,})_(?P<original>.+)$")
_MOODLE = re.compile(r"^(?:Participant (?P<blind>\d+)|(?P<name>.+?)_(?P<participant>\d+))"
                     r"_assignsubmission_(?P<plugin>[a-z]+)(?:_(?P<original>.*))?$")
_COPY_MARK = re.compile(r"(?:[-_ ]\d+|\s*\(\d+\))$")  # hw01-1, hw01_2, "hw01 (1)"


@dataclass(frozen=True)
class Person:
    """What an LMS's download says about one student ("" where it says nothing)."""

    name: str = ""
    email: str = ""
    sid: str = ""
    canvas_id: str = ""           # Canvas user id (the gradebook's ID column)
    moodle_participant: str = ""  # Moodle's participant number (the worksheet's Identifier)
    login: str = ""               # a login-like name: Canvas's name part, a folder's name


@dataclass(frozen=True)
class Submission:
    """One file to grade and the student it belongs to."""

    id: str          # student id, filesystem-safe (safe_name), unique in the batch
    path: Path       # the .ipynb or .zip to grade
    source: str      # "file", "canvas", "moodle", "gradescope", "zip"
    submitted: str   # ISO time used to pick the newest ("" when unknown)
    lms_time: str = ""          # submission time from the LMS's records (ISO; "" when unknown)
    late_marker: bool = False   # the LMS marked it late (Canvas's LATE, Moodle's status)
    people: tuple[Person, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "path": str(self.path), "source": self.source, "submitted": self.submitted,
                "lms_time": self.lms_time, "late_marker": self.late_marker,
                "people": [{k: v for k, v in vars(p).items() if v} for p in self.people]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Submission":
        return cls(str(data["id"]), Path(data.get("path", "")), str(data.get("source", "")),
                   str(data.get("submitted", "")), str(data.get("lms_time", "")),
                   bool(data.get("late_marker")),
                   tuple(Person(**{k: str(v) for k, v in p.items() if k in Person.__dataclass_fields__})
                         for p in data.get("people", []) if isinstance(p, dict)))


@dataclass
class Found:
    """What :func:`find_submissions` found, ready to report."""

    submissions: list[Submission]  # sorted by id
    duplicates: list[dict]         # {"submission": id, "path": str, "kept": str}: older ones, not graded
    skipped: list[dict]            # {"path": str, "reason": str}: not notebooks, unreadable, ...
    collisions: list[dict] = field(default_factory=list)  # {"submission", "path", "wanted", "kept_by"}


@dataclass
class _Entry:
    path: Path
    source: str
    submitted: str = ""
    parts: list[str] = field(default_factory=list)  # plain files: folder names, then the base name
    id: str = ""                                     # canvas / gradescope: the student id
    identity: tuple | None = None                    # one student (or group): newest one is graded
    rank: tuple = ()                                 # larger is newer, within one identity
    lms_time: str = ""
    late_marker: bool = False
    people: tuple[Person, ...] = ()


def find_submissions(paths: list[Path], assignment: str) -> Found:
    """Every submission in ``paths`` (files or folders) for ``assignment`` (``"hw01"``), one id each.

    Raises ValueError when a path does not exist; anything else that cannot be graded goes to
    ``skipped`` with a reason. See the module docstring for the id rules.
    """
    paths = [Path(p) for p in paths]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise ValueError(f"no such file or folder: {', '.join(missing)}")
    entries: list[_Entry] = []
    skipped: list[dict] = []
    worksheets: list[Path] = []
    for path in paths:
        if path.is_dir() and (path / METADATA).is_file():
            entries += _gradescope(path, assignment, skipped)
        elif path.is_dir() and (path.parent / METADATA).is_file():  # one folder of an export
            entries += _gradescope(path.parent, assignment, skipped, only=path.name)
        elif path.name == METADATA:
            entries += _gradescope(path.parent, assignment, skipped)
        elif path.is_dir():
            entries += _scan(path, path, assignment, skipped, worksheets)
        else:
            entries += _file(path, None, assignment, skipped, worksheets)
    _apply_worksheets(entries, worksheets, skipped)

    # the same file reached twice (a folder and a file in it): keep the most informed reading,
    # whatever the order of the arguments (a folder's name, found by walking, beats the stem)
    priority = {"gradescope": 0, "canvas": 1, "moodle": 1, "zip": 2, "file": 2}
    by_file: dict[Path, _Entry] = {}
    for entry in sorted(entries, key=lambda e: (priority[e.source], str(e.path), e.parts, e.id)):
        by_file.setdefault(entry.path.resolve(), entry)
    entries = sorted(by_file.values(), key=lambda e: str(e.path.resolve()))

    kept, older = _newest_per_student(entries)
    _name_plain_files([e for e in kept if e.source in ("file", "zip")])
    collisions = _make_unique(kept, Counter(e.path.resolve().parent for e in entries if e.source == "canvas"))
    duplicates = [{"submission": winner.id, "path": str(e.path), "kept": str(winner.path)}
                  for e, winner in older]
    return Found(
        submissions=sorted((Submission(e.id, e.path, e.source, e.submitted, e.lms_time, e.late_marker,
                                       e.people or (Person(login=e.id),)) for e in kept),
                           key=lambda s: (s.id, str(s.path))),
        duplicates=sorted(duplicates, key=lambda d: (d["submission"], d["path"])),
        skipped=sorted(skipped, key=lambda s: (s["path"], s["reason"])),
        collisions=sorted(collisions, key=lambda c: (c["wanted"], c["submission"])),
    )


# ------------------------------------------------------------------------------------------
# walking folders


def _ignored(name: str) -> bool:
    return name.startswith(".") or name == "__MACOSX"


def _children(folder: Path, skipped: list[dict]) -> list[Path]:
    """The folder's entries worth looking at, sorted by name; unreadable folders are reported."""
    try:
        children = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        skipped.append({"path": str(folder), "reason": f"the folder cannot be read ({exc.strerror})"})
        return []
    kept = []
    for child in children:
        if _ignored(child.name):
            continue
        if child.is_symlink() and (child.is_dir() or not child.exists()):
            reason = "a link to a folder (not followed)" if child.is_dir() else "a link to nothing"
            skipped.append({"path": str(child), "reason": reason})
            continue
        kept.append(child)
    return kept


def _files(folder: Path, skipped: list[dict]) -> Iterator[Path]:
    for child in _children(folder, skipped):
        if child.is_dir():
            yield from _files(child, skipped)
        else:
            yield child


def _scan(folder: Path, root: Path, assignment: str, skipped: list[dict], worksheets: list[Path]) -> list[_Entry]:
    entries: list[_Entry] = []
    for child in _children(folder, skipped):
        if child.is_dir() and (child / METADATA).is_file():
            entries += _gradescope(child, assignment, skipped)
        elif child.is_dir() and _MOODLE.match(child.name):
            entries += _moodle_folder(child, assignment, skipped)
        elif child.is_dir():
            entries += _scan(child, root, assignment, skipped, worksheets)
        else:
            entries += _file(child, root, assignment, skipped, worksheets)
    return entries


# ------------------------------------------------------------------------------------------
# plain files, otter zips and Canvas downloads: everything is in the file name


def _base(stem: str) -> tuple[str, str]:
    """(name without otter's export timestamp, that timestamp in ISO form or "")."""
    match = _OTTER_STAMP.match(stem)
    if not match:
        return stem, ""
    d, t = match["stamp"].split("T")
    return match["stem"], f"{d.replace('_', '-')}T{t[:8].replace('_', ':')}.{t[9:]}"


def _is_assignment(stem: str, assignment: str) -> bool:
    """True for hw01, HW01, hw01-1, "hw01 (2)", hw01_2024_01_15T10_20_30_123456 (assignment hw01)."""
    name = _base(stem)[0].strip()
    return name.lower() == assignment.lower() or _COPY_MARK.sub("", name).lower() == assignment.lower()


def _file(path: Path, root: Path | None, assignment: str, skipped: list[dict],
          worksheets: list[Path] | None = None) -> list[_Entry]:
    suffix = path.suffix.lower()
    if suffix == ".csv" and worksheets is not None and _is_worksheet(path):
        worksheets.append(path)
        return []
    if suffix not in GRADABLE:
        skipped.append({"path": str(path), "reason": "not a notebook or zip"})
        return []
    stem, submitted = _base(path.stem) if suffix == ".zip" else (path.stem, "")
    moodle = _MOODLE.match(path.name)
    if moodle and moodle["original"]:
        original = Path(moodle["original"]).stem
        return [_moodle_entry(path, moodle, original, assignment)]
    canvas = _CANVAS.match(stem)
    if canvas:
        student = safe_name(f"{canvas['name']}_{canvas['user']}")
        late = bool(re.match(r"^[A-Za-z][A-Za-z0-9-]*_(?i:late)_", stem))
        # one download is one folder: a file named like it elsewhere never replaces its files
        return [_Entry(path, "canvas", submitted, id=student,
                       identity=("canvas", str(path.resolve().parent), student),
                       rank=(int(canvas["number"]),), late_marker=late,
                       people=(Person(canvas_id=canvas["user"], login=canvas["name"]),))]
    parents = list(path.resolve().parent.parts)
    named_by_folder = root is not None and path.parent != root and _is_assignment(stem, assignment)
    parts = parents if named_by_folder else [*parents, stem]
    return [_Entry(path, "zip" if suffix == ".zip" else "file", submitted, parts=parts)]


# ------------------------------------------------------------------------------------------
# Moodle downloads: the file or folder name carries the full name and participant number


def _moodle_entry(path: Path, match: re.Match, original_stem: str, assignment: str) -> _Entry:
    participant = match["blind"] or match["participant"]
    name = "" if match["blind"] else match["name"]
    student = safe_name(f"{name or 'Participant'}_{participant}")
    return _Entry(path, "moodle", id=student, identity=("moodle", participant),
                  rank=(_is_assignment(original_stem, assignment), path.name),
                  people=(Person(name=name, moodle_participant=participant),))


def _moodle_folder(folder: Path, assignment: str, skipped: list[dict]) -> list[_Entry]:
    """A "Download submissions in folders" folder: its notebooks (or zips) belong to one participant."""
    match = _MOODLE.match(folder.name)
    files = list(_files(folder, skipped))
    gradable = [f for f in files if f.suffix.lower() in GRADABLE]
    for other in files:
        if other not in gradable:
            skipped.append({"path": str(other), "reason": "not a notebook or zip"})
    return [_moodle_entry(f, match, _base(f.stem)[0], assignment) for f in gradable]


_WORKSHEET_TIMES = ("%A, %d %B %Y, %I:%M %p", "%A, %B %d, %Y, %I:%M %p", "%A, %d %B %Y, %H:%M",
                    "%d %B %Y, %I:%M %p", "%B %d, %Y, %I:%M %p", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S")


def _is_worksheet(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return False
    return "Identifier" in header and "Last modified (submission)" in header


def worksheet_time(text: str) -> str:
    """A worksheet's "Last modified (submission)" as a naive ISO time (the site's zone), or ""."""
    text = " ".join(text.split())
    for pattern in _WORKSHEET_TIMES:
        try:
            return datetime.strptime(text, pattern).isoformat()
        except ValueError:
            continue
    return ""


def read_worksheet(path: Path) -> dict[str, tuple[str, bool]]:
    """{participant number: (submission time or "", marked late)} from a Moodle grading worksheet."""
    times: dict[str, tuple[str, bool]] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            number = re.search(r"(\d+)\s*$", row.get("Identifier") or "")
            if number:
                status = (row.get("Status") or "").lower()
                times[number[1]] = (worksheet_time(row.get("Last modified (submission)") or ""),
                                    bool(re.search(r"\blate\b", status)))
    return times


def _apply_worksheets(entries: list[_Entry], worksheets: list[Path], skipped: list[dict]) -> None:
    times: dict[str, tuple[str, bool]] = {}
    for sheet in sorted(worksheets):
        try:
            times.update(read_worksheet(sheet))
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            skipped.append({"path": str(sheet), "reason": f"Moodle grading worksheet cannot be read ({exc})"})
    for entry in entries:
        if entry.source == "moodle" and entry.identity and entry.identity[1] in times:
            entry.lms_time, entry.late_marker = times[entry.identity[1]]


# ------------------------------------------------------------------------------------------
# Gradescope exports: submission_metadata.yml names the students


class _MetadataLoader(yaml.SafeLoader):
    """SafeLoader that reads unknown tags (Ruby's ``!ruby/object:BigDecimal``, ...) as plain data."""


def _untagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)


_MetadataLoader.add_multi_constructor("", _untagged)


def _read_metadata(path: Path) -> dict | str:
    """The metadata as a dict, or why it cannot be used."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8", errors="replace"), Loader=_MetadataLoader)
    except OSError as exc:
        return f"{METADATA} cannot be read ({exc.strerror})"
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return f"{METADATA} is not valid YAML" + (f" (line {mark.line + 1})" if mark else "")
    except Exception as exc:  # a bad date, an unhashable key, ...: must not stop the batch
        return f"{METADATA} cannot be parsed ({type(exc).__name__})"
    if not isinstance(data, dict):
        return f"{METADATA} does not map submission folders to their submitters"
    return {str(key): value for key, value in data.items()}


def _get(record: Any, key: str) -> Any:
    """``record[":key"]`` as Gradescope writes it (Ruby symbols), or ``record["key"]``."""
    if not isinstance(record, dict):
        return None
    return record.get(f":{key}", record.get(key))


def _people(record: Any) -> tuple[Person, ...]:
    submitters = _get(record, "submitters")
    found = []
    for person in submitters if isinstance(submitters, list) else []:
        values = {key: str(_get(person, key) or "").strip() for key in ("name", "email", "sid")}
        if any(values.values()):
            found.append(Person(**values))
    return tuple(sorted(found, key=lambda p: (p.sid, p.email, p.name)))


def _submitters(record: Any) -> list[tuple[str, str, str]]:
    """(kind, identity, value) per submitter: the ``:sid``, else the ``:email``, else the ``:name``.
    The identity is the value as written (Unicode NFC; emails in lower case), never folded
    further, so distinct people stay distinct even when their ids look alike."""
    submitters = _get(record, "submitters")
    found = set()
    for person in submitters if isinstance(submitters, list) else []:
        for key in ("sid", "email", "name"):
            value = _get(person, key)
            if value is not None and str(value).strip():
                text = unicodedata.normalize("NFC", str(value).strip())
                found.add((key, text.lower() if key == "email" else text, text))
                break
    return sorted(found)


def _created_at(record: Any) -> datetime | None:
    """``:created_at`` in UTC (times without a zone are taken as UTC)."""
    value = _get(record, "created_at")
    if isinstance(value, str):
        text = re.sub(r"\s*(Z|UTC)$", "+00:00", value.strip())
        text = re.sub(r"(\.\d{6})\d+", r"\1", text)  # Gradescope writes nanoseconds
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            return None
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _pick(target: Path, assignment: str, skipped: list[dict]) -> Path | None:
    """The file to grade in one Gradescope submission (a folder, or a single uploaded file)."""
    if not target.is_dir():
        if target.suffix.lower() in GRADABLE:
            return target
        skipped.append({"path": str(target), "reason": "not a notebook or zip"})
        return None
    files = list(_files(target, skipped))
    candidates = ([f for f in files if f.suffix.lower() == ".ipynb"]
                  or [f for f in files if f.suffix.lower() == ".zip"])
    if len(candidates) == 1:
        return candidates[0]
    preferred = [f for f in candidates if _is_assignment(f.stem, assignment)]
    if len(preferred) == 1:
        for other in candidates:
            if other != preferred[0]:
                skipped.append({"path": str(other), "reason": "another notebook of this Gradescope "
                                f"submission is graded ({preferred[0].relative_to(target)})"})
        return preferred[0]
    if candidates:
        names = ", ".join(str(f.relative_to(target)) for f in candidates)
        reason = f"several notebooks ({names}) and not one named {assignment}.ipynb: none graded"
    else:
        names = ", ".join(str(f.relative_to(target)) for f in files) or "nothing"
        reason = f"no notebook or zip in this Gradescope submission (found {names})"
    skipped.append({"path": str(target), "reason": reason})
    return None


def _gradescope(root: Path, assignment: str, skipped: list[dict], only: str | None = None) -> list[_Entry]:
    metadata = _read_metadata(root / METADATA)
    if isinstance(metadata, str):
        skipped.append({"path": str(root / METADATA),
                        "reason": f"{metadata}: submission ids are the folder names"})
        metadata = {}
    present = {child.name: child for child in _children(root, skipped) if child.name != METADATA}
    entries = []
    for key in sorted(set(metadata) | set(present)):
        if only is not None and key != only:
            continue
        if key not in present:
            skipped.append({"path": str(root / key),
                            "reason": f"listed in {METADATA} but not in the export"})
            continue
        chosen = _pick(present[key], assignment, skipped)
        if chosen is None:
            continue
        record = metadata.get(key)
        people = _submitters(record)
        students = sorted({safe_name(value) for _, _, value in people})
        created = _created_at(record)
        number = re.search(r"(\d+)$", Path(key).stem)
        entry = _Entry(chosen, "gradescope", created.isoformat() if created else "",
                       id="-".join(students) or safe_name(Path(key).stem),
                       lms_time=created.isoformat() if created else "", people=_people(record),
                       rank=(created is not None, created or datetime.min.replace(tzinfo=timezone.utc),
                             int(number[1]) if number else -1))
        if people:
            entry.identity = ("gradescope", *((kind, key) for kind, key, _ in people))
        entries.append(entry)
    return entries


# ------------------------------------------------------------------------------------------
# ids


def _newest_per_student(entries: list[_Entry]) -> tuple[list[_Entry], list[tuple[_Entry, _Entry]]]:
    """(entries to grade, [(older entry, the entry graded instead)])."""
    groups: dict[tuple, list[_Entry]] = defaultdict(list)
    kept: list[_Entry] = []
    for entry in entries:
        if entry.identity is None:
            kept.append(entry)
        else:
            groups[entry.identity].append(entry)
    older = []
    for group in groups.values():
        group.sort(key=lambda e: (e.rank, str(e.path)))
        kept.append(group[-1])
        older += [(e, group[-1]) for e in group[:-1]]
    return kept, older


def _name_plain_files(entries: list[_Entry]) -> None:
    """discover's rule: add parent folder names (up to 3) until the name is unique among files.

    Where no number of folders makes it unique (two files in one folder), as few folders as give
    the fewest clashes are added; ``_make_unique`` then numbers what is left.
    """
    def name_of(entry: _Entry, depth: int) -> str:
        return safe_name("-".join(entry.parts[-1 - depth:]))

    counts = [Counter(name_of(e, depth) for e in entries) for depth in range(4)]
    for entry in entries:
        names = [name_of(entry, depth) for depth in range(4)]
        clashes = [counts[depth][name] for depth, name in enumerate(names)]
        entry.id = names[clashes.index(min(clashes))]


PRIORITY = {"gradescope": 0, "canvas": 0, "moodle": 0, "zip": 1, "file": 1}  # platform students keep their id first


def _make_unique(entries: list[_Entry], canvas_files: Counter | None = None) -> list[dict]:
    """Equal ids: a platform's student first (for Canvas, the one in the folder holding most
    Canvas files: the download), then the first by path, keeps it; the others get -2, -3, ...
    (never an id in use). Returns one record per renamed entry."""
    canvas_files = canvas_files or Counter()
    taken = {e.id for e in entries}
    by_id: dict[str, list[_Entry]] = defaultdict(list)
    for entry in entries:
        by_id[entry.id].append(entry)
    collisions = []
    for base in sorted(by_id):
        group = sorted(by_id[base], key=lambda e: (PRIORITY[e.source], -canvas_files[e.path.resolve().parent],
                                                   str(e.path.resolve())))
        n = 1
        for entry in group[1:]:
            n += 1
            while f"{base}-{n}" in taken:
                n += 1
            entry.id = f"{base}-{n}"
            taken.add(entry.id)
            collisions.append({"submission": entry.id, "path": str(entry.path), "wanted": base,
                               "kept_by": str(group[0].path)})
    return collisions
