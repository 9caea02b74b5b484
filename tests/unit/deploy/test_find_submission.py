"""Which file of a Gradescope submission folder is graded."""

from __future__ import annotations

from autograder.deploy.gradescope import find_submission


def test_the_notebook_is_graded_also_when_the_export_zip_was_unpacked(tmp_path):
    (tmp_path / "hw01.ipynb").write_text("{}")
    (tmp_path / "__zip_filename__").write_text("hw01_2026_01_15T10_20_30_123456.zip")
    assert find_submission(tmp_path, "hw01") == (tmp_path / "hw01.ipynb", "")


def test_the_export_zip_itself_is_graded_when_it_holds_the_notebook(tmp_path):
    zipped = tmp_path / "hw01_2026_01_15T10_20_30_123456.zip"
    zipped.write_bytes(b"PK")
    assert find_submission(tmp_path, "hw01") == (zipped, "")


def test_a_pdf_alone_is_refused_with_what_to_upload(tmp_path):
    (tmp_path / "answers.pdf").write_bytes(b"%PDF-1.4")
    path, message = find_submission(tmp_path, "hw01")
    assert path is None and "upload your hw01.ipynb file, or the zip its export cell makes" in message


def test_two_zips_are_refused(tmp_path):
    for name in ("a.zip", "b.zip"):
        (tmp_path / name).write_bytes(b"PK")
    path, message = find_submission(tmp_path, "hw01")
    assert path is None and "holds 2 notebooks or zips (a.zip, b.zip)" in message
