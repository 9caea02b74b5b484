"""Plain helpers shared by the tests (fixtures live in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat

from autograder.engine.result import Result


def code_notebook(path: Path, *sources: str) -> Path:
    """Write a notebook of code cells with ``sources`` to ``path``; returns ``path``."""
    cells = [nbformat.v4.new_code_cell(source) for source in sources]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nbformat.writes(nbformat.v4.new_notebook(cells=cells)), encoding="utf-8")
    return path


def without_timings(result: Result) -> dict[str, Any]:
    """``result`` as a dict without its wall-clock figures (they differ between any two runs)."""
    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "seconds"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value
    return strip(result.to_dict())
