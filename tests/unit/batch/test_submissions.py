"""Finding submissions and naming their students: plain folders, zips, Canvas and Gradescope."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from autograder.batch.submissions import Found, find_submissions

# A Gradescope "Export Submissions" folder, in the format of otter-grader's own fixture
# (ucbds-infra/otter-grader test/sample-metadata/gradescope-export/submission_metadata.yml):
# one key per submission folder, Ruby-symbol keys, times with nanoseconds and a zone.
METADATA = """\
---
submission_1001:
  :submitters:
  - :name: Alice Liddell
    :email: alice@example.edu
    :sid: '3031'
  :created_at: 2024-02-01 17:03:57.297916000 Z
  :score: 10.0
  :history:
  - :created_at: 2024-02-01 16:40:11.120000000 Z
    :score: 4.0
submission_1002:
  :submitters:
  - :name: Bob Builder
    :email: bob@example.edu
    :sid: ''
  :created_at: 2024-02-01 18:00:00.000000000 -08:00
  :score: 7.5
submission_1003:
  :submitters:
  - :name: Dana Scully
    :email: dana@example.edu
    :sid: '3044'
  - :name: Carl Sagan
    :email: carl@example.edu
    :sid: '3040'
  :created_at: 2024-02-02 09:00:00.000000000 Z
  :score: 9.0
submission_1004:
  :submitters:
  - :name: Eve Only-Pdf
    :email: eve@example.edu
    :sid: '3050'
  :created_at: 2024-02-02 10:00:00.000000000 Z
  :score: 0.0
submission_1005:
  :submitters:
  - :name: Frank Two-Notebooks
    :email: frank@example.edu
    :sid: '3060'
  :created_at: 2024-02-02 11:00:00.000000000 Z
  :score: 0.0
submission_1006:
  :submitters:
  - :name: Gone Missing
    :email: gone@example.edu
    :sid: '3070'
  :created_at: 2024-02-02 12:00:00.000000000 Z
  :score: 0.0
"""


def notebook(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nbformat.writes(nbformat.v4.new_notebook()), encoding="utf-8")
    return path


def touch(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def ids(found: Found) -> dict[str, str]:
    """{id: path relative to the first folder's parent} for compact assertions."""
    return {s.id: s.path.as_posix() for s in found.submissions}


def gradescope_export(root: Path, metadata: str = METADATA) -> Path:
    touch(root / "submission_metadata.yml", metadata)
    notebook(root / "submission_1001" / "hw01.ipynb")
    notebook(root / "submission_1001" / ".ipynb_checkpoints" / "hw01-checkpoint.ipynb")
    notebook(root / "submission_1002" / "hw01.ipynb")
    notebook(root / "submission_1002" / "scratch.ipynb")
    touch(root / "submission_1002" / "__MACOSX" / "._hw01.ipynb")
    notebook(root / "submission_1003" / "sub" / "our_hw01.ipynb")
    touch(root / "submission_1004" / "hw01.pdf")
    notebook(root / "submission_1005" / "a.ipynb")
    notebook(root / "submission_1005" / "b.ipynb")
    return root


# --------------------------------------------------------------------------------------------
# plain notebooks and zips


def test_plain_folder_ids_are_file_stems_and_non_notebooks_are_skipped(tmp_path):
    notebook(tmp_path / "subs" / "alice.ipynb")
    notebook(tmp_path / "subs" / "bob.ipynb")
    touch(tmp_path / "subs" / "notes.pdf")
    touch(tmp_path / "subs" / ".DS_Store")
    notebook(tmp_path / "subs" / ".ipynb_checkpoints" / "alice-checkpoint.ipynb")
    touch(tmp_path / "subs" / "__MACOSX" / "._alice.ipynb")
    found = find_submissions([tmp_path / "subs"], "hw01")
    assert [(s.id, s.path.name, s.source, s.submitted) for s in found.submissions] == [
        ("alice", "alice.ipynb", "file", ""), ("bob", "bob.ipynb", "file", "")]
    assert found.skipped == [{"path": str(tmp_path / "subs" / "notes.pdf"),
                              "reason": "not a notebook or zip"}]
    assert found.duplicates == []


def test_notebook_named_after_the_assignment_takes_its_folder_name(tmp_path):
    notebook(tmp_path / "subs" / "alice" / "hw01.ipynb")
    notebook(tmp_path / "subs" / "bob" / "HW01 (1).ipynb")
    notebook(tmp_path / "subs" / "carol" / "hw01-2.ipynb")
    notebook(tmp_path / "subs" / "dave" / "my_answers.ipynb")
    notebook(tmp_path / "subs" / "hw01.ipynb")  # directly in the folder named: keeps its stem
    found = find_submissions([tmp_path / "subs"], "hw01")
    assert sorted(ids(found)) == ["alice", "bob", "carol", "hw01", "my_answers"]


def test_stem_collisions_get_parent_folder_names_like_discover(tmp_path):
    notebook(tmp_path / "subs" / "sec1" / "alice" / "hw01.ipynb")
    notebook(tmp_path / "subs" / "sec2" / "alice" / "hw01.ipynb")
    notebook(tmp_path / "subs" / "g1" / "answers.ipynb")
    notebook(tmp_path / "subs" / "g2" / "answers.ipynb")
    found = find_submissions([tmp_path / "subs"], "hw01")
    assert sorted(ids(found)) == ["g1-answers", "g2-answers", "sec1-alice", "sec2-alice"]


def test_files_named_directly_keep_their_stem_and_collide_like_discover(tmp_path):
    a = notebook(tmp_path / "alice" / "hw01.ipynb")
    b = notebook(tmp_path / "bob" / "hw01.ipynb")
    found = find_submissions([a, b], "hw01")
    assert ids(found) == {"alice-hw01": a.as_posix(), "bob-hw01": b.as_posix()}


def test_ids_equal_after_safe_name_are_both_graded_with_a_suffix_not_deduplicated(tmp_path):
    first = notebook(tmp_path / "subs" / "a b.ipynb")
    second = notebook(tmp_path / "subs" / "a_b.ipynb")
    notebook(tmp_path / "subs" / "a_b-2.ipynb")  # a real id is never taken by a suffix
    found = find_submissions([tmp_path / "subs"], "hw01")
    assert ids(found) == {"a_b": first.as_posix(), "a_b-3": second.as_posix(),
                          "a_b-2": (tmp_path / "subs" / "a_b-2.ipynb").as_posix()}
    assert found.duplicates == []


def test_otter_export_zips_are_one_submission_each_with_their_timestamp(tmp_path):
    stamped = touch(tmp_path / "subs" / "alice" / "hw01_2024_01_15T10_20_30_123456.zip")
    plain = touch(tmp_path / "subs" / "bob_hw01.zip")
    found = find_submissions([tmp_path / "subs"], "hw01")
    assert [(s.id, s.path, s.source, s.submitted) for s in found.submissions] == [
        ("alice", stamped, "zip", "2024-01-15T10:20:30.123456"), ("bob_hw01", plain, "zip", "")]
    assert sorted(p.name for p in (tmp_path / "subs").rglob("*")) == [
        "alice", "bob_hw01.zip", "hw01_2024_01_15T10_20_30_123456.zip"]  # nothing extracted


def test_a_file_reached_twice_is_one_submission_named_the_same_in_any_argument_order(tmp_path):
    nb = notebook(tmp_path / "subs" / "alice" / "hw01.ipynb")
    assert list(ids(find_submissions([tmp_path / "subs", nb], "hw01"))) == ["alice"]
    assert list(ids(find_submissions([nb, tmp_path / "subs"], "hw01"))) == ["alice"]


def test_nonexistent_path_is_a_value_error_naming_it(tmp_path):
    notebook(tmp_path / "subs" / "alice.ipynb")
    with pytest.raises(ValueError, match="no such file or folder: .*nope"):
        find_submissions([tmp_path / "subs", tmp_path / "nope"], "hw01")


def test_a_named_file_that_is_not_a_notebook_is_skipped_not_raised(tmp_path):
    pdf = touch(tmp_path / "report.pdf")
    found = find_submissions([pdf], "hw01")
    assert found.submissions == []
    assert found.skipped == [{"path": str(pdf), "reason": "not a notebook or zip"}]


# --------------------------------------------------------------------------------------------
# Canvas bulk downloads


def test_canvas_names_give_name_and_user_id_and_the_newest_resubmission_wins(tmp_path):
    folder = tmp_path / "canvas"
    old = notebook(folder / "doejane_12345_67890_hw01.ipynb")
    new = notebook(folder / "doejane_LATE_12345_67999_hw01-1.ipynb")
    other = notebook(folder / "smithjohn_23456_67000_hw01.ipynb")
    touch(folder / "smithjohn_23456_67001_hw01.pdf")
    found = find_submissions([folder], "hw01")
    assert [(s.id, s.path, s.source) for s in found.submissions] == [
        ("doejane_12345", new, "canvas"), ("smithjohn_23456", other, "canvas")]
    assert found.duplicates == [{"submission": "doejane_12345", "path": str(old), "kept": str(new)}]
    assert found.skipped == [{"path": str(folder / "smithjohn_23456_67001_hw01.pdf"),
                              "reason": "not a notebook or zip"}]


def test_canvas_resubmission_is_chosen_by_submission_id_not_by_file_name(tmp_path):
    newer = notebook(tmp_path / "canvas" / "doejane_12345_70000_a_hw01.ipynb")
    notebook(tmp_path / "canvas" / "doejane_12345_69999_z_hw01.ipynb")
    found = find_submissions([tmp_path / "canvas"], "hw01")
    assert [s.path for s in found.submissions] == [newer]


def test_canvas_zip_is_a_canvas_submission(tmp_path):
    zipped = touch(tmp_path / "doejane_12345_67890_hw01_2024_01_15T10_20_30_123456.zip")
    found = find_submissions([zipped], "hw01")
    assert [(s.id, s.source, s.submitted) for s in found.submissions] == [
        ("doejane_12345", "canvas", "2024-01-15T10:20:30.123456")]


# --------------------------------------------------------------------------------------------
# Gradescope exports


def test_gradescope_export_ids_come_from_the_metadata(tmp_path):
    root = gradescope_export(tmp_path / "assignment_123_export")
    found = find_submissions([root], "hw01")
    assert [(s.id, s.path.relative_to(root).as_posix(), s.source, s.submitted)
            for s in found.submissions] == [
        ("3031", "submission_1001/hw01.ipynb", "gradescope", "2024-02-01T17:03:57.297916+00:00"),
        ("3040-3044", "submission_1003/sub/our_hw01.ipynb", "gradescope",
         "2024-02-02T09:00:00+00:00"),
        ("bob_example.edu", "submission_1002/hw01.ipynb", "gradescope",
         "2024-02-02T02:00:00+00:00"),
    ]
    reasons = {Path(s["path"]).relative_to(root).as_posix(): s["reason"] for s in found.skipped}
    assert reasons == {
        "submission_1002/scratch.ipynb":
            "another notebook of this Gradescope submission is graded (hw01.ipynb)",
        "submission_1004": "no notebook or zip in this Gradescope submission (found hw01.pdf)",
        "submission_1005":
            "several notebooks (a.ipynb, b.ipynb) and not one named hw01.ipynb: none graded",
        "submission_1006": "listed in submission_metadata.yml but not in the export",
    }
    assert found.duplicates == []


def test_gradescope_newest_created_at_wins_across_exports_with_time_zones(tmp_path):
    def export(root: Path, created_at: str) -> Path:
        touch(root / "submission_metadata.yml",
              "submission_5:\n  :submitters:\n  - :name: Alice\n    :sid: '3031'\n"
              f"  :created_at: {created_at}\n")
        return notebook(root / "submission_5" / "hw01.ipynb")

    early = export(tmp_path / "regular", "2024-02-01 10:00:00.000000000 Z")
    late = export(tmp_path / "late", "2024-02-01 09:30:00.000000000 -08:00")  # 17:30 UTC
    found = find_submissions([tmp_path / "regular", tmp_path / "late"], "hw01")
    assert [(s.id, s.path) for s in found.submissions] == [("3031", late)]
    assert found.duplicates == [{"submission": "3031", "path": str(early), "kept": str(late)}]


def test_gradescope_export_found_inside_a_folder_and_one_of_its_folders_alone(tmp_path):
    root = gradescope_export(tmp_path / "downloads" / "assignment_123_export")
    notebook(tmp_path / "downloads" / "other" / "alice.ipynb")
    assert sorted(ids(find_submissions([tmp_path / "downloads"], "hw01"))) == [
        "3031", "3040-3044", "alice", "bob_example.edu"]
    single = find_submissions([root / "submission_1001"], "hw01")
    assert [(s.id, s.source) for s in single.submissions] == [("3031", "gradescope")]


def test_unreadable_gradescope_metadata_falls_back_to_folder_names_with_a_note(tmp_path):
    root = gradescope_export(tmp_path / "export", metadata="submission_1001: [unclosed\n")
    found = find_submissions([root], "hw01")
    assert sorted(ids(found)) == ["submission_1001", "submission_1002", "submission_1003"]
    note = next(s for s in found.skipped if s["path"] == str(root / "submission_metadata.yml"))
    assert note["reason"] == ("submission_metadata.yml is not valid YAML (line 2): "
                              "submission ids are the folder names")


def test_gradescope_metadata_with_unknown_yaml_tags_is_still_read(tmp_path):
    """Defensive: Ruby-serialised values (a BigDecimal score) must not hide the submitters."""
    touch(tmp_path / "export" / "submission_metadata.yml",
          "submission_7:\n  :submitters:\n  - :name: Alice\n    :sid: '3031'\n"
          "  :created_at: 2024-02-01 10:00:00.000000000 Z\n"
          "  :score: !ruby/object:BigDecimal 18:0.1E2\n")
    notebook(tmp_path / "export" / "submission_7" / "hw01.ipynb")
    assert list(ids(find_submissions([tmp_path / "export"], "hw01"))) == ["3031"]


# --------------------------------------------------------------------------------------------
# determinism


def test_ids_do_not_depend_on_listing_order_or_argument_order(tmp_path, monkeypatch):
    gradescope_export(tmp_path / "gs")
    notebook(tmp_path / "subs" / "sec1" / "alice" / "hw01.ipynb")
    notebook(tmp_path / "subs" / "sec2" / "alice" / "hw01.ipynb")
    notebook(tmp_path / "subs" / "x" / "a b.ipynb")
    notebook(tmp_path / "subs" / "y" / "a b.ipynb")
    notebook(tmp_path / "subs" / "canvas" / "doejane_12345_67890_hw01.ipynb")
    notebook(tmp_path / "subs" / "canvas" / "doejane_12345_67999_hw01-1.ipynb")
    args = [tmp_path / "gs", tmp_path / "subs"]
    first = find_submissions(args, "hw01")

    listing = Path.iterdir
    monkeypatch.setattr(Path, "iterdir", lambda self: iter(sorted(listing(self), reverse=True)))
    second = find_submissions(list(reversed(args)), "hw01")
    assert second == first
    assert len(first.submissions) == 8


def test_links_to_nothing_and_to_folders_are_skipped_with_a_reason(tmp_path):
    notebook(tmp_path / "elsewhere" / "carol.ipynb")
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "ghost.ipynb").symlink_to(tmp_path / "nothing.ipynb")
    (tmp_path / "subs" / "linked").symlink_to(tmp_path / "elsewhere")
    found = find_submissions([tmp_path / "subs"], "hw01")
    assert found.submissions == []
    assert found.skipped == [
        {"path": str(tmp_path / "subs" / "ghost.ipynb"), "reason": "a link to nothing"},
        {"path": str(tmp_path / "subs" / "linked"), "reason": "a link to a folder (not followed)"}]


# --------------------------------------------------------------------------------------------
# Moodle downloads, Canvas's LATE marker and what each submission says about its student

DATA = Path(__file__).resolve().parents[2] / "data" / "lms"


def test_moodle_bulk_download_files_and_folders_get_name_and_participant_ids(tmp_path):
    notebook(tmp_path / "moodle" / "Jane Doe_1234567_assignsubmission_file_hw01.ipynb")
    notebook(tmp_path / "moodle" / "Alice Liddell_1234568_assignsubmission_file" / "hw01.ipynb")
    touch(tmp_path / "moodle" / "Alice Liddell_1234568_assignsubmission_file" / "notes.txt")
    notebook(tmp_path / "moodle" / "Participant 1234570_assignsubmission_file_hw01.ipynb")
    found = find_submissions([tmp_path / "moodle"], "hw01")
    assert sorted(ids(found)) == ["Alice_Liddell_1234568", "Jane_Doe_1234567", "Participant_1234570"]
    jane = next(s for s in found.submissions if s.id == "Jane_Doe_1234567")
    assert (jane.source, jane.people[0].name, jane.people[0].moodle_participant) == ("moodle", "Jane Doe", "1234567")
    assert [s["reason"] for s in found.skipped] == ["not a notebook or zip"]


def test_moodle_participant_with_two_notebooks_gets_the_one_named_after_the_assignment(tmp_path):
    notebook(tmp_path / "m" / "Jane Doe_1234567_assignsubmission_file_hw01.ipynb")
    notebook(tmp_path / "m" / "Jane Doe_1234567_assignsubmission_file_scratch.ipynb")
    found = find_submissions([tmp_path / "m"], "hw01")
    assert [s.path.name for s in found.submissions] == ["Jane Doe_1234567_assignsubmission_file_hw01.ipynb"]
    assert len(found.duplicates) == 1


def test_moodle_grading_worksheet_among_inputs_gives_submission_times_and_late_status(tmp_path):
    notebook(tmp_path / "m" / "Jane Doe_1234567_assignsubmission_file_hw01.ipynb")
    notebook(tmp_path / "m" / "Alice Liddell_1234568_assignsubmission_file_hw01.ipynb")
    worksheet = touch(tmp_path / "m" / "Grades-NN-HW1-42.csv", (DATA / "moodle_grading_worksheet.csv").read_text())
    found = find_submissions([tmp_path / "m"], "hw01")
    times = {s.id: (s.lms_time, s.late_marker) for s in found.submissions}
    assert times == {"Jane_Doe_1234567": ("2026-02-06T23:40:00", False),
                     "Alice_Liddell_1234568": ("2026-02-08T02:05:00", True)}
    assert str(worksheet) not in [s["path"] for s in found.skipped]


def test_canvas_late_marker_is_kept_and_gradescope_times_are_lms_times(tmp_path):
    notebook(tmp_path / "canvas" / "doejane_LATE_12345_67890_hw01.ipynb")
    notebook(tmp_path / "canvas" / "liddellalice_12346_67891_hw01.ipynb")
    found = find_submissions([tmp_path / "canvas", gradescope_export(tmp_path / "gs")], "hw01")
    by_id = {s.id: s for s in found.submissions}
    assert by_id["doejane_12345"].late_marker and not by_id["liddellalice_12346"].late_marker
    assert by_id["doejane_12345"].people[0].canvas_id == "12345" and by_id["doejane_12345"].lms_time == ""
    assert by_id["3031"].lms_time.startswith("2024-02-01T17:03:57") and by_id["3031"].people[0].email == "alice@example.edu"


def test_submission_round_trips_through_its_dict(tmp_path):
    notebook(tmp_path / "c" / "doejane_LATE_12345_67890_hw01.ipynb")
    submission = find_submissions([tmp_path / "c"], "hw01").submissions[0]
    from autograder.batch.submissions import Submission

    assert Submission.from_dict(submission.to_dict()) == submission


# --------------------------------------------------------------------------------------------
# ids that cannot be stolen


def test_a_plain_file_never_takes_a_canvas_students_id(tmp_path):
    """A plain file named like a Canvas student's id (and listed first) gets a suffix; the Canvas
    student keeps the id, and the collision is reported."""
    canvas = notebook(tmp_path / "z-canvas" / "doejane_12345_67890_hw01.ipynb")
    plain = notebook(tmp_path / "a-emailed" / "doejane_12345.ipynb")
    found = find_submissions([tmp_path / "a-emailed", tmp_path / "z-canvas"], "hw01")
    assert ids(found) == {"doejane_12345": canvas.as_posix(), "doejane_12345-2": plain.as_posix()}
    assert found.collisions == [{"submission": "doejane_12345-2", "path": str(plain), "wanted": "doejane_12345",
                                 "kept_by": str(canvas)}]


def test_a_canvas_named_file_outside_the_download_replaces_nothing(tmp_path):
    """A file named like a newer Canvas upload of a classmate, but not in the download, is graded
    as its own submission: the classmate's real one is neither replaced nor renamed."""
    download = tmp_path / "z-download"
    real = notebook(download / "doejane_12345_67890_hw01.ipynb")
    notebook(download / "smithjohn_23456_67891_hw01.ipynb")
    forged = notebook(tmp_path / "a-other" / "doejane_12345_99999_hw01.ipynb")
    found = find_submissions([tmp_path / "a-other", download], "hw01")
    assert found.duplicates == []
    assert ids(found)["doejane_12345"] == real.as_posix() and ids(found)["doejane_12345-2"] == forged.as_posix()
    assert [c["path"] for c in found.collisions] == [str(forged)]


def test_gradescope_students_whose_names_differ_only_in_an_accent_are_two_students(tmp_path):
    root = tmp_path / "export"
    touch(root / "submission_metadata.yml",
          "submission_1:\n  :submitters:\n  - :name: José\n  :created_at: 2024-02-01 10:00:00 Z\n"
          "submission_2:\n  :submitters:\n  - :name: Josè\n  :created_at: 2024-02-01 11:00:00 Z\n")
    first = notebook(root / "submission_1" / "hw01.ipynb")
    second = notebook(root / "submission_2" / "hw01.ipynb")
    found = find_submissions([root], "hw01")
    assert found.duplicates == []
    assert ids(found) == {"Jos": first.as_posix(), "Jos-2": second.as_posix()}
    assert len(found.collisions) == 1
