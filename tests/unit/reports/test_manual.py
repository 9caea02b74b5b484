"""manual.csv: the TAs' written-question grades, hand-editable, saved under a lock without losing rows."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from autograder.reports.manual import ManualGrade, ManualGradesError, read_manual, save_grades


def test_saved_grades_read_back_with_comment_commas_quotes_and_newlines(tmp_path: Path) -> None:
    comment = 'Good, but "hyperplane" needs\na second sentence.'
    save_grades(tmp_path, [ManualGrade("alice", "q6_written", 1.5, comment, (1, 3), "ta1")])
    grades = read_manual(tmp_path)
    grade = grades[("alice", "q6_written")]
    assert (grade.points, grade.comment, grade.rubric, grade.grader) == (1.5, comment, (1, 3), "ta1")
    assert grade.updated.endswith("Z")
    assert (tmp_path / "manual.csv").read_text().startswith("submission,question,points,comment,rubric")


def test_hand_edited_file_with_blank_points_and_bom_reads(tmp_path: Path) -> None:
    (tmp_path / "manual.csv").write_text("\ufeffsubmission,question,points,comment\n"
                                         "bob,q6_written,,look again\n\ncarol,q6_written,2,\n", encoding="utf-8")
    grades = read_manual(tmp_path)
    assert grades[("bob", "q6_written")].points is None
    assert grades[("carol", "q6_written")].points == 2


@pytest.mark.parametrize("text, expected", [
    ("submission,question,points\nalice,q6_written,two\n", "line 2: points 'two' is not a number"),
    ("submission,question,points\nalice,q6_written,-1\n", "line 2: points '-1' must be a number >= 0"),
    ("submission,question,points\nalice,q6_written,1\nalice,q6_written,2\n", "also graded on line 2"),
    ("student,points\nalice,1\n", "submission, question missing"),
    ("submission,question,points\n,q6_written,1\n", "line 2: submission and question must both be filled in"),
])
def test_a_hand_editing_mistake_names_the_file_line_and_fix(tmp_path: Path, text: str, expected: str) -> None:
    (tmp_path / "manual.csv").write_text(text, encoding="utf-8")
    with pytest.raises(ManualGradesError) as error:
        read_manual(tmp_path)
    assert expected in str(error.value) and "manual.csv" in str(error.value)


def test_two_writers_on_different_questions_lose_nothing(tmp_path: Path) -> None:
    """Many concurrent saves (two TAs, two tabs) each re-read the file under the lock: every row survives."""
    def grade(question: str) -> None:
        for i in range(25):
            save_grades(tmp_path, [ManualGrade(f"s{i:02d}", question, 1, f"{question} {i}")])

    threads = [threading.Thread(target=grade, args=(q,)) for q in ("q6_written", "q7_written")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    grades = read_manual(tmp_path)
    assert len(grades) == 50
    assert grades[("s07", "q7_written")].comment == "q7_written 7"


def test_a_grade_changed_by_someone_else_since_the_page_showed_it_is_not_overwritten(tmp_path: Path) -> None:
    first = save_grades(tmp_path, [ManualGrade("alice", "q6_written", 1, "first")]).saved[0]
    save_grades(tmp_path, [ManualGrade("alice", "q6_written", 2, "second TA")],
                seen={first.key: first.updated})  # the second TA saw the first grade
    stale = save_grades(tmp_path, [ManualGrade("alice", "q6_written", 0, "stale tab")],
                        seen={first.key: "an older stamp"})
    assert stale.saved == [] and stale.conflicts[0][1].comment == "second TA"
    assert read_manual(tmp_path)[("alice", "q6_written")].points == 2


def test_ids_and_comments_like_formulas_are_stored_safe_for_a_spreadsheet_and_read_back_exactly(
        tmp_path: Path) -> None:
    """A submission id from a file name such as ``-2-3.ipynb`` would be computed (-5) by a spreadsheet
    opening manual.csv; it is written with an apostrophe, and read back as it was."""
    grades = [ManualGrade("-2-3", "q6_written", 1, "=A1 is wrong"),
              ManualGrade("alice", "q6_written", 2, "'=quoted already"),
              ManualGrade("bob", "q6_written", 0, "-1 for the sign")]
    save_grades(tmp_path, grades)
    text = (tmp_path / "manual.csv").read_text(encoding="utf-8")
    assert "\n'-2-3,q6_written,1,'=A1 is wrong," in text and ",''=quoted already," in text
    back = read_manual(tmp_path)
    assert [(g.submission, g.comment) for g in back.values()] == [(g.submission, g.comment) for g in grades]
