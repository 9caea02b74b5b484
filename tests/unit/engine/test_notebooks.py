"""Reading submitted notebooks defensively, and tagging each code cell with its question."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from autograder import paths
from autograder.engine import notebooks
from autograder.engine.notebooks import Ungradable, code_cells, is_master, read_notebook


def write_notebook(path: Path, cells: list) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    path.write_text(nbformat.writes(nb), encoding="utf-8")
    return path


def code(source: str):
    return nbformat.v4.new_code_cell(source)


def markdown(source: str):
    return nbformat.v4.new_markdown_cell(source)


def raw(source: str):
    return nbformat.v4.new_raw_cell(source)


# --------------------------------------------------------------------------------------------
# read_notebook: every unreadable file is Ungradable with a reason the student can act on.


@pytest.mark.parametrize("content,reason", [
    (b"", "empty"),
    (b'{"cells": [', "not valid JSON"),
    (b"print('I saved my .py as .ipynb')\n", "not valid JSON"),
    (b"[1, 2, 3]", "not a Jupyter notebook"),
    (b'{"name": "hw01", "answers": []}', "not a Jupyter notebook"),
    (b'{"cells": "none"}', "not a Jupyter notebook"),
    (b'"just a string"', "not a Jupyter notebook"),
    (b'{"nbformat": 3, "worksheets": [{"cells": []}]}', "nbformat 3"),
    (b'{"nbformat": 5, "cells": [{"cell_type": "code", "source": "1"}]}', "nbformat 5"),
    (b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}', "no cells"),
    (b'{"nbformat": 4, "cells": [{"source": "caf\xe9"}]}', "not UTF-8"),
], ids=["empty", "truncated_json", "python_source", "json_list", "json_object", "cells_not_list",
        "json_string", "nbformat3", "nbformat5", "no_cells", "latin1"])
def test_unreadable_files_are_ungradable_with_a_reason(tmp_path, content, reason):
    path = tmp_path / "submission.ipynb"
    path.write_bytes(content)
    with pytest.raises(Ungradable) as excinfo:
        read_notebook(path)
    assert reason in str(excinfo.value)


def test_invalid_json_message_says_what_to_do(tmp_path):
    path = tmp_path / "hw01.ipynb"
    path.write_text('{"cells": [}', encoding="utf-8")
    with pytest.raises(Ungradable, match=r"not valid JSON \(.*line 1.*\).*download it again"):
        read_notebook(path)


def test_missing_file_is_ungradable(tmp_path):
    with pytest.raises(Ungradable, match="cannot be read"):
        read_notebook(tmp_path / "never-submitted.ipynb")


def test_oversized_notebook_is_ungradable(tmp_path, monkeypatch):
    monkeypatch.setattr(notebooks, "MAX_NOTEBOOK_BYTES", 1024)
    path = write_notebook(tmp_path / "big.ipynb", [code("x = 1\n" + "# padding\n" * 200)])
    with pytest.raises(Ungradable, match="limit: clear large outputs"):
        read_notebook(path)


@pytest.mark.parametrize("encoding,bom", [("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b"\xff\xfe")])
def test_notebooks_saved_with_a_byte_order_mark_are_read(tmp_path, encoding, bom):
    text = nbformat.writes(nbformat.v4.new_notebook(cells=[code("answer = 42")]))
    path = tmp_path / "bom.ipynb"
    path.write_bytes(bom + text.encode(encoding))
    assert [c.source for c in code_cells(read_notebook(path))] == ["answer = 42"]


def test_a_valid_notebook_is_read(tmp_path):
    path = write_notebook(tmp_path / "ok.ipynb", [markdown("# Title"), code("x = 1")])
    nb = read_notebook(path)
    assert nb["nbformat"] == 4 and len(nb["cells"]) == 2


@pytest.mark.parametrize("cells,reason", [
    ([{"cell_type": "code", "source": "x = 1"}, "not a cell"], "cell 2 is damaged"),
    ([{"cell_type": "code", "source": 42}], "source is not text"),
    ([{"cell_type": "code", "source": {"lines": ["x"]}}], "source is not text"),
], ids=["cell_not_object", "source_number", "source_dict"])
def test_damaged_cells_are_ungradable(tmp_path, cells, reason):
    path = tmp_path / "damaged.ipynb"
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}))
    with pytest.raises(Ungradable, match=reason):
        code_cells(read_notebook(path))


# --------------------------------------------------------------------------------------------
# code_cells: which question each cell belongs to.


def test_student_cells_belong_to_the_next_check():
    """A cell belongs to the question whose grader.check comes next; numbering is Jupyter's, from 1."""
    nb = nbformat.v4.new_notebook(cells=[
        code("import otter\ngrader = otter.Notebook('hw01.ipynb')"),  # 1 -> q1 (first check below)
        markdown("## Question 1"),                                      # 2 (not code)
        code("answer_1 = 1"),                                           # 3 -> q1
        code('grader.check("q1")'),                                     # 4 -> q1
        markdown("## Question 2"),                                      # 5
        code("answer_2 = 2"),                                           # 6 -> q2_1
        code("grader.check( 'q2_1' )"),                                 # 7 -> q2_1
        code("scratch = 3"),                                            # 8 -> no question
    ])
    cells = code_cells(nb)
    assert [(c.index, c.question) for c in cells] == [
        (1, "q1"), (3, "q1"), (4, "q1"), (6, "q2_1"), (7, "q2_1"), (8, None)]
    assert cells[1].source == "answer_1 = 1"


def test_sources_given_as_lists_of_lines_are_joined():
    nb = {"cells": [{"cell_type": "code", "source": ["x = 1\n", "y = 2\n"]}]}
    assert code_cells(nb)[0].source == "x = 1\ny = 2\n"


def test_raw_and_markdown_cells_are_not_run():
    nb = nbformat.v4.new_notebook(cells=[raw("import os; os._exit(1)"), markdown("```python\n1/0\n```"),
                                         code("ok = True")])
    assert [c.source for c in code_cells(nb)] == ["ok = True"]


def test_master_notebook_cells_follow_question_blocks_and_skip_tests():
    """In an otter-assign master, cells take the BEGIN QUESTION name; test blocks never run."""
    nb = nbformat.v4.new_notebook(cells=[
        raw("# ASSIGNMENT CONFIG\nname: hw99"),
        code("import torch"),                                 # 2 -> None (before any question)
        raw("# BEGIN QUESTION\nname: q1\npoints: 1"),
        code("answer = 1"),                                   # 4 -> q1
        raw("# BEGIN TESTS"),
        code("def test_q1(answer):\n    assert answer == 1"),  # 6: a test, skipped
        raw("# END TESTS"),
        raw("# END QUESTION"),
        code("between = True"),                               # 9 -> None
        raw("# BEGIN QUESTION\nname: q2\nmanual: true"),
        code("answer_2 = 2"),                                 # 11 -> q2
        raw("# END QUESTION"),
    ])
    assert is_master(nb)
    assert [(c.index, c.question) for c in code_cells(nb)] == [(2, None), (4, "q1"), (9, None), (11, "q2")]


def test_hw01_master_runs_no_test_code():
    master = read_notebook(paths.solutions_dir() / "hw01" / "hw01.ipynb")
    cells = code_cells(master)
    assert is_master(master)
    assert not any("def test_q" in c.source for c in cells)
    by_question = {c.question for c in cells}
    assert {"q1", "q2", "q3", "q4", "q5", "q6", "q7"} <= by_question


def test_hw01_student_notebook_maps_answers_to_their_questions():
    student = read_notebook(paths.assignments_dir() / "hw01" / "hw01.ipynb")
    assert not is_master(student)
    question_of = {}
    for cell in code_cells(student):
        for name in ("fit_baseline", "class NeuronFromParameters", "class NeuronFromLayers",
                     "def binary_cross_entropy", "def train(", "def train_neuron", "class XORNet"):
            if name in cell.source and "grader.check" not in cell.source:
                question_of[name] = cell.question
    assert question_of == {"fit_baseline": "q1", "class NeuronFromParameters": "q2",
                           "class NeuronFromLayers": "q3", "def binary_cross_entropy": "q4",
                           "def train(": "q5", "def train_neuron": "q6", "class XORNet": "q7"}


def test_written_answers_are_the_cells_between_the_question_markers():
    """otter's student notebook wraps a manual question in BEGIN/END QUESTION comments; the answer is
    every cell after the prompt, up to the cell holding the END comment (never run)."""
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("<!-- BEGIN QUESTION -->\n\n**Question 6, written.** Why?"),
        nbformat.v4.new_markdown_cell("Because the boundary is a line. $w^T x + b = 0$"),
        nbformat.v4.new_code_cell("import os; os._exit(1)"),
        nbformat.v4.new_markdown_cell("<!-- END QUESTION -->\n\n**Question 7**"),
        nbformat.v4.new_markdown_cell("not an answer"),
    ])
    [answer] = notebooks.written_answers(nb, [("q6_written", 2.0)])
    assert answer["question"] == "q6_written" and answer["max_score"] == 2.0 and not answer["truncated"]
    assert [c["cell_type"] for c in answer["cells"]] == ["markdown", "code"]
    assert answer["cells"][0]["source"].startswith("Because the boundary")


def test_a_huge_written_answer_is_cut_and_marked():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("<!-- BEGIN QUESTION -->"),
        nbformat.v4.new_markdown_cell("x" * (notebooks.MAX_WRITTEN_CHARS + 10)),
        nbformat.v4.new_markdown_cell("y"),
        nbformat.v4.new_markdown_cell("<!-- END QUESTION -->"),
    ])
    [answer] = notebooks.written_answers(nb, [("q1", 1.0)])
    assert answer["truncated"] and sum(len(c["source"]) for c in answer["cells"]) == notebooks.MAX_WRITTEN_CHARS


def test_deeply_nested_json_is_ungradable_not_a_crash(tmp_path):
    """100,000 nested brackets make json.loads raise RecursionError: one ungradable submission."""
    path = tmp_path / "nested.ipynb"
    path.write_text('{"nbformat": 4, "cells": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    with pytest.raises(Ungradable, match="nested too deeply"):
        read_notebook(path)


# --------------------------------------------------------------------------------------------
# notebook_from_zip: a zip that lies, is encrypted or uses an unreadable compression is Ungradable.


def zip_bytes(name: str = "hw01.ipynb", data: bytes = b'{"cells": []}', method: int = 0) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def patched(raw: bytes, header: bytes, offset: int, value: bytes) -> bytes:
    """``raw`` with ``value`` written at ``offset`` into every record starting with ``header``."""
    out = bytearray(raw)
    start = 0
    while (at := raw.find(header, start)) >= 0:
        out[at + offset:at + offset + len(value)] = value
        start = at + 1
    return bytes(out)


LOCAL, CENTRAL = b"PK\x03\x04", b"PK\x01\x02"


@pytest.mark.parametrize("damage,reason", [
    (lambda raw: patched(patched(raw, LOCAL, 8, b"\x62\x00"), CENTRAL, 10, b"\x62\x00"), "compression method"),
    (lambda raw: patched(patched(raw, LOCAL, 6, b"\x01\x00"), CENTRAL, 8, b"\x01\x00"), "encrypted"),
    (lambda raw: patched(raw, LOCAL, 30, b"xx"), "damaged"),        # the local header names another file
    (lambda raw: patched(raw, CENTRAL, 16, b"\0\0\0\0"), "damaged"),  # a wrong CRC in the directory
    (lambda raw: raw[: len(raw) // 2], "cannot be opened"),           # cut short: no directory
    (lambda raw: patched(raw, b"PK\x05\x06", 16, b"\xff\xff\xff\x7f"), "cannot be opened|damaged"),
], ids=["ppmd", "encrypted_flag", "lying_local_header", "bad_crc", "truncated", "lying_directory_offset"])
def test_zips_that_lie_or_cannot_be_read_are_ungradable(tmp_path, damage, reason):
    path = tmp_path / "hw01.zip"
    path.write_bytes(damage(zip_bytes()))
    with pytest.raises(Ungradable, match=reason):
        notebooks.notebook_from_zip(path, "hw01")


def test_a_zip_listing_in_a_message_is_capped(tmp_path):
    """A zip of 50,000 notebooks gives a message of a few lines, not the whole listing."""
    import zipfile

    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(50_000):
            archive.writestr(f"n{i}.ipynb", b"")
    with pytest.raises(Ungradable) as excinfo:
        notebooks.notebook_from_zip(path, "hw01")
    assert "49,995 more" in str(excinfo.value) and len(str(excinfo.value)) < 1000
