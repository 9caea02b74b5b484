"""Read submitted notebooks defensively and pick out the code the grader runs."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from autograder.authoring import cells as cells_markers

MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
_CHECK_CALL = re.compile(r"""grader\.check\(\s*["']([\w.-]+)["']\s*\)""")


class Ungradable(Exception):
    """The file cannot be graded as a notebook; the message says why, for the student."""


@dataclass
class CodeCell:
    index: int  # position among all cells of the notebook, counted from 1 as Jupyter users see them
    source: str
    question: str | None


def _decode(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Ungradable("the notebook is not UTF-8 text: save it again from Jupyter") from None


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(str(s) for s in source)
    if not isinstance(source, str):
        raise Ungradable("a cell's source is not text: the notebook file is damaged")
    return source


def read_notebook(path: Path) -> dict:
    """Parse a notebook file; raise Ungradable with a student-facing reason."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise Ungradable(f"the file cannot be read ({exc.strerror})") from None
    if size == 0:
        raise Ungradable("the notebook file is empty")
    if size > MAX_NOTEBOOK_BYTES:
        raise Ungradable(f"the notebook is {size / 2**20:.1f} MB, over the "
                         f"{MAX_NOTEBOOK_BYTES / 2**20:.0f} MB limit: clear large outputs and save again")
    text = _decode(path.read_bytes())
    try:
        nb = json.loads(text)
    except ValueError as exc:
        raise Ungradable(f"the notebook is not valid JSON ({exc}): it may have been damaged "
                         "while saving; download it again from Jupyter") from None
    except RecursionError:
        raise Ungradable("the notebook's JSON is nested too deeply to be a Jupyter notebook: "
                         "it may have been damaged; download it again from Jupyter") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        if isinstance(nb, dict) and "worksheets" in nb:
            raise Ungradable("the notebook is in the old nbformat 3 format: open it in Jupyter "
                             "and save it again (nbformat 4)")
        raise Ungradable("the file is JSON but not a Jupyter notebook (no list of cells)")
    if nb.get("nbformat") != 4:
        raise Ungradable(f"the notebook has nbformat {nb.get('nbformat')!r}; version 4 is needed: "
                         "open it in Jupyter and save it again")
    if not nb["cells"]:
        raise Ungradable("the notebook has no cells")
    return nb


def is_master(nb: dict) -> bool:
    """True for an otter-assign master notebook (it starts with an ASSIGNMENT CONFIG raw cell)."""
    return any(c.get("cell_type") == "raw" and _source(c).lstrip().startswith("# ASSIGNMENT CONFIG")
               for c in nb["cells"] if isinstance(c, dict))


def code_cells(nb: dict) -> list[CodeCell]:
    """The code cells a submission runs, each tagged with the question it belongs to.

    A cell belongs to the question whose ``grader.check("qN")`` comes next. In a master notebook
    the test blocks (``# BEGIN TESTS`` ... ``# END TESTS``) are skipped: tests are the grader's.
    """
    cells: list[CodeCell] = []
    in_tests = False
    master_question: str | None = None
    for position, cell in enumerate(nb["cells"], start=1):
        if not isinstance(cell, dict):
            raise Ungradable(f"cell {position} is damaged (not a JSON object)")
        kind = cell.get("cell_type")
        source = _source(cell)
        if kind == "raw":
            config, found = cells_markers.question_config(cell), cells_markers.marker(cell)
            if config is not None:
                master_question = str(config["name"]) if config.get("name") else None
            elif found == "END QUESTION":
                master_question = None
            elif found in ("BEGIN TESTS", "END TESTS"):
                in_tests = found == "BEGIN TESTS"
            continue
        if kind != "code" or in_tests:
            continue
        cells.append(CodeCell(position, source, master_question))
    pending: list[CodeCell] = []
    for cell in cells:
        if cell.question is not None:
            continue
        pending.append(cell)
        match = _CHECK_CALL.search(cell.source)
        if match:
            for earlier in pending:
                earlier.question = match.group(1)
            pending = []
    return cells


MAX_LISTED = 5  # names of a zip's members quoted in a message


def _listing(names: list[str]) -> str:
    shown = ", ".join(repr(n[:80]) for n in names[:MAX_LISTED])
    return (shown or "none") + (f" and {len(names) - MAX_LISTED:,} more" if len(names) > MAX_LISTED else "")


def notebook_from_zip(path: Path, assignment: str) -> bytes:
    """The notebook inside a submitted zip, read without extracting anything else.

    Only member names are inspected; nothing is written to disk, so ``../`` paths, bundled
    modules (``numpy.py``, ``sitecustomize.py``) and logs (pickles) inside the zip have no effect.
    A zip that lies about its members, is encrypted or uses a compression Python cannot read is
    Ungradable, with the reason.
    """
    import zipfile

    try:
        archive = zipfile.ZipFile(path)
    except Exception as exc:  # noqa: BLE001 - BadZipFile, OSError, and whatever a forged directory raises
        raise Ungradable(f"the zip file cannot be opened ({type(exc).__name__}): make the zip again "
                         "from your notebook's folder, or submit the .ipynb itself") from None
    with archive:
        members = [m for m in archive.infolist() if m.filename.endswith(".ipynb") and not m.is_dir()
                   and ".ipynb_checkpoints" not in m.filename]
        unsafe = [m.filename for m in members if m.filename.startswith("/") or ".." in m.filename.split("/")]
        members = [m for m in members if m.filename not in unsafe]
        preferred = [m for m in members if m.filename.rsplit("/", 1)[-1] == f"{assignment}.ipynb"]
        chosen = preferred if len(preferred) == 1 else members
        if len(chosen) != 1:
            raise Ungradable(f"the zip should hold one notebook ({assignment}.ipynb); found "
                             f"{_listing([m.filename for m in members])}"
                             + (f" (ignored unsafe names: {_listing(unsafe)})" if unsafe else ""))
        member = chosen[0]
        if member.file_size > MAX_NOTEBOOK_BYTES:
            raise Ungradable(f"the notebook in the zip is {member.file_size / 2**20:.1f} MB, over the "
                             f"{MAX_NOTEBOOK_BYTES / 2**20:.0f} MB limit")
        if member.flag_bits & 0x1:
            raise Ungradable("the notebook in the zip is encrypted (password-protected): zip it "
                             "again without a password, or submit the .ipynb itself")
        try:
            with archive.open(member) as handle:
                return handle.read(MAX_NOTEBOOK_BYTES + 1)
        except NotImplementedError:
            raise Ungradable(f"the zip uses a compression method the grader cannot read "
                             f"(method {member.compress_type}): make it again with ordinary "
                             "(deflate) compression, or submit the .ipynb itself") from None
        except Exception as exc:  # noqa: BLE001 - bad CRC, a lying header, zlib/lzma/bz2 errors, EOF
            raise Ungradable(f"the notebook in the zip is damaged ({type(exc).__name__}): make the "
                             "zip again, or submit the .ipynb itself") from None


MAX_WRITTEN_CHARS = 20_000  # per written answer: a TA reads it, the result file stays small


def written_answers(nb: dict, questions: list[tuple[str, float]]) -> list[dict]:
    """The student's cells of each hand-graded question, as text (never run).

    otter's student notebook wraps each manual question in ``<!-- BEGIN QUESTION -->`` ...
    ``<!-- END QUESTION -->`` markdown comments; the k-th such block belongs to the k-th of
    ``questions`` ((name, points) in the master's order). The cell holding the BEGIN comment is the
    prompt; the answer is every cell after it, up to the cell holding the END comment.
    """
    blocks: list[list[dict]] = []
    current: list[dict] | None = None
    for cell in nb.get("cells", []):
        if not isinstance(cell, dict):
            continue
        text = cells_markers.source(cell)
        if current is not None and cells_markers.STUDENT_END in text:
            blocks.append(current)
            current = None
        if cells_markers.STUDENT_BEGIN in text:
            current = []
        elif current is not None and cell.get("cell_type") in ("markdown", "code"):
            current.append({"cell_type": str(cell["cell_type"]), "source": text})
    answers = []
    for (name, points), block in zip(questions, blocks):
        kept, used, truncated = [], 0, False
        for cell in block:
            room = MAX_WRITTEN_CHARS - used
            if room <= 0:
                truncated = True
                break
            truncated = truncated or len(cell["source"]) > room
            kept.append({**cell, "source": cell["source"][:room]})
            used += len(kept[-1]["source"])
        answers.append({"question": name, "max_score": points, "cells": kept, "truncated": truncated})
    return answers
