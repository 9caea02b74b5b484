"""Rosters exported by Canvas and Moodle are read, and submissions are matched to their students."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.batch.submissions import Person, Submission
from autograder.lms.match import match
from autograder.lms.roster import RosterError, read_roster

DATA = Path(__file__).resolve().parents[2] / "data" / "lms"


def sub(id: str, *people: Person, source: str = "file") -> Submission:
    return Submission(id, Path(f"{id}.ipynb"), source, "", people=people)


def test_canvas_gradebook_export_reads_students_points_possible_and_assignment_columns() -> None:
    roster = read_roster(DATA / "canvas_gradebook_export.csv")
    assert roster.kind == "canvas"
    assert [s.name for s in roster.students] == ["Doe, Jane", "Liddell, Alice", "Builder, Bob", "Nobody, Nora"]
    assert roster.assignment_columns == ["HW1 (401234)", "HW2 (401235)"]
    assert roster.points_possible["HW1 (401234)"] == "19"


def test_moodle_grading_worksheet_reads_participant_numbers() -> None:
    roster = read_roster(DATA / "moodle_grading_worksheet.csv")
    assert roster.kind == "moodle" and roster.header[0] == "Identifier"
    assert [s.moodle_participant for s in roster.students] == ["1234567", "1234568", "1234569"]


def test_an_unknown_csv_is_refused_with_what_was_expected(tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_text("foo,bar\n1,2\n")
    with pytest.raises(RosterError, match="not a roster this tool knows: export Canvas's gradebook"):
        read_roster(tmp_path / "r.csv")


def test_canvas_downloads_match_by_user_id_and_folders_by_login_or_name() -> None:
    roster = read_roster(DATA / "canvas_gradebook_export.csv")
    found = match([sub("doejane_12345", Person(canvas_id="12345", login="doejane"), source="canvas"),
                   sub("aliddell", Person(login="aliddell")),
                   sub("builderbob", Person(login="builderbob")),
                   sub("stranger", Person(login="stranger"))], roster)
    assert found.by_student == {0: "doejane_12345", 1: "aliddell", 2: "builderbob"}
    assert (found.how[0], found.how[1], found.how[2]) == ("canvas_id", "login", "name")
    assert found.unmatched == ["stranger"] and found.missing == [3]


def test_gradescope_group_matches_each_member_and_the_stronger_identifier_wins_a_student() -> None:
    roster = read_roster(DATA / "canvas_gradebook_export.csv")
    group = sub("S1001-S1002", Person(name="Jane Doe", sid="S1001"), Person(name="Alice Liddell", sid="S1002"))
    by_name = sub("janedoe", Person(login="janedoe"))
    found = match([group, by_name], roster)
    assert found.by_student == {0: "S1001-S1002", 1: "S1001-S1002"}
    assert found.unmatched == ["janedoe"] and found.clashes == []


def test_two_equally_strong_claims_on_one_student_are_left_to_a_human() -> None:
    roster = read_roster(DATA / "canvas_gradebook_export.csv")
    found = match([sub("jdoe", Person(login="jdoe")), sub("jdoe-2", Person(login="J.Doe"))], roster)
    assert found.clashes == [(0, ["jdoe", "jdoe-2"])] and 0 not in found.by_student


def test_moodle_downloads_match_by_participant_number() -> None:
    roster = read_roster(DATA / "moodle_grading_worksheet.csv")
    found = match([sub("Jane_Doe_1234567", Person(name="Jane Doe", moodle_participant="1234567"), source="moodle")],
                  roster)
    assert found.by_student == {0: "Jane_Doe_1234567"} and found.missing == [1, 2]
