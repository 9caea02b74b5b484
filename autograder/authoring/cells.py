"""The otter-assign markers of a notebook's cells, parsed in one place.

A master notebook marks questions with raw cells (``# BEGIN QUESTION`` + YAML, ``# END QUESTION``),
solutions and tests with ``# BEGIN/END SOLUTION`` and ``# BEGIN/END TESTS``; otter's student notebook
keeps ``<!-- BEGIN QUESTION -->`` / ``<!-- END QUESTION -->`` comments around manually graded ones.
"""

from __future__ import annotations

from typing import Any

import yaml

STUDENT_BEGIN = "<!-- BEGIN QUESTION -->"
STUDENT_END = "<!-- END QUESTION -->"


def source(cell: dict) -> str:
    """A cell's source as one string (notebooks store it as a string or a list of lines)."""
    text = cell.get("source", "")
    if isinstance(text, list):
        text = "".join(str(s) for s in text)
    return text if isinstance(text, str) else ""


def marker(cell: dict) -> str | None:
    """``BEGIN QUESTION``, ``END SOLUTION``, ... for a raw marker cell, else None."""
    if cell.get("cell_type") != "raw":
        return None
    first = source(cell).strip().splitlines()[:1]
    if first and first[0].upper().startswith("# BEGIN ") or first and first[0].upper().startswith("# END "):
        return " ".join(first[0].lstrip("# ").upper().split()[:2])
    return None


def question_config(cell: dict) -> dict[str, Any] | None:
    """The YAML of a ``# BEGIN QUESTION`` cell (``name``, ``points``, ``manual``, ...), else None."""
    if marker(cell) != "BEGIN QUESTION":
        return None
    body = source(cell).strip().split("\n", 1)
    try:
        config = yaml.safe_load(body[1]) if len(body) > 1 else {}
    except yaml.YAMLError:
        return {}
    return config if isinstance(config, dict) else {}


def manual_questions(master: dict) -> list[dict[str, Any]]:
    """The hand-graded questions of a master, in order: name, points, prompt (markdown), rubric."""
    found: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for cell in master.get("cells", []):
        config = question_config(cell)
        if config is not None:
            current = None
            if config.get("manual"):
                current = {"name": str(config.get("name")), "points": float(config.get("points") or 0),
                           "prompt": "", "rubric": [str(r) for r in config.get("rubric") or []]}
                found.append(current)
            continue
        kind = marker(cell)
        if kind in ("END QUESTION", "BEGIN SOLUTION"):
            current = None
        elif current is not None and cell.get("cell_type") == "markdown" and not current["prompt"]:
            current["prompt"] = source(cell).replace(STUDENT_BEGIN, "").strip()
    return found
