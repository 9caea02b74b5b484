"""Build corpus submissions: the student notebook with answer cells filled from a short file.

An answers file is Python with ``# %% q5`` markers; the code after a marker replaces the answer
cell(s) of that question (``# %% q6.2`` names the second answer cell of q6). Answer cells that a
file does not name get the master's solution, so each corpus entry states only its difference.
"""

from __future__ import annotations

import copy
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from autograder import paths
from autograder.authoring import cells

_MARKER = re.compile(r"^# %%\s*(q[\w-]*?)(?:\.(\d+))?\s*$", re.MULTILINE)
_SOLUTION_LINE = re.compile(r"^\s*# (BEGIN|END) SOLUTION\s*$")


@dataclass
class CorpusEntry:
    name: str
    kind: str  # solution | student | answers | file
    expect: dict[str, float]
    status: str = "ok"
    answers: str | None = None
    description: str = ""
    threshold_tests: list[str] = field(default_factory=list)
    category: str = ""  # solution | student | buggy | alternative | gamed


def solution_answers(master: dict) -> list[tuple[str, str, str]]:
    """(question, cell type, source) of every solution cell of a master notebook, in order."""
    answers, question, in_solution = [], None, False
    for cell in master["cells"]:
        if cell["cell_type"] == "raw":
            config, kind = cells.question_config(cell), cells.marker(cell)
            if config is not None:
                question = str(config.get("name"))
            elif kind in ("BEGIN SOLUTION", "END SOLUTION"):
                in_solution = kind == "BEGIN SOLUTION"
            continue
        if in_solution:
            lines = [line for line in cells.source(cell).splitlines() if not _SOLUTION_LINE.match(line)]
            answers.append((question, cell["cell_type"], "\n".join(lines)))
    return answers


def parse_answers(text: str) -> dict[tuple[str, int], str]:
    """``{(question, k): source}`` from an answers file."""
    parts = _MARKER.split(text)
    found = {}
    for i in range(1, len(parts), 3):
        question, k, body = parts[i], int(parts[i + 1] or 1), parts[i + 2]
        found[(question, k)] = body.strip("\n")
    return found


def fill_student_notebook(hw: str, overrides: dict[tuple[str, int], str]) -> dict:
    """The distributed student notebook with its answer cells filled (solution unless overridden)."""
    student = json.loads((paths.assignments_dir() / hw / f"{hw}.ipynb").read_text(encoding="utf-8"))
    master = json.loads((paths.solutions_dir() / hw / f"{hw}.ipynb").read_text(encoding="utf-8"))
    answers = solution_answers(master)
    slots = [c for c in student["cells"] if "otter_answer_cell" in c.get("metadata", {}).get("tags", [])]
    if len(slots) != len(answers):
        raise ValueError(f"{hw}: {len(slots)} answer cells in the student notebook but "
                         f"{len(answers)} solution cells in the master")
    nb = copy.deepcopy(student)
    slots = [c for c in nb["cells"] if "otter_answer_cell" in c.get("metadata", {}).get("tags", [])]
    counter: dict[str, int] = {}
    unused = set(overrides)
    for cell, (question, _, solution) in zip(slots, answers):
        counter[question] = counter.get(question, 0) + 1
        key = (question, counter[question])
        cell["source"] = overrides.get(key, solution)
        unused.discard(key)
    if unused:
        raise ValueError(f"answers for cells that do not exist: {sorted(unused)}")
    return nb


def load_manifest(corpus_dir: Path) -> list[CorpusEntry]:
    data = tomllib.loads((corpus_dir / "manifest.toml").read_text(encoding="utf-8"))
    return [CorpusEntry(**entry) for entry in data["submission"]]


def materialise(hw: str, corpus_dir: Path, out_dir: Path) -> list[tuple[CorpusEntry, Path]]:
    """Write every corpus submission of ``hw`` as a notebook under ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    made = []
    for entry in load_manifest(corpus_dir):
        target = out_dir / f"{entry.name}.ipynb"
        if entry.kind == "solution":
            target.write_bytes((paths.solutions_dir() / hw / f"{hw}.ipynb").read_bytes())
        elif entry.kind == "student":
            target.write_bytes((paths.assignments_dir() / hw / f"{hw}.ipynb").read_bytes())
        elif entry.kind == "file":
            target.write_bytes((corpus_dir / entry.answers).read_bytes())
        else:
            overrides = parse_answers((corpus_dir / entry.answers).read_text(encoding="utf-8")) \
                if entry.answers else {}
            nb = fill_student_notebook(hw, overrides)
            target.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        made.append((entry, target))
    return made
