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


def profile_thresholds(assignment: str, profile: str = "cpu") -> dict[str, float]:
    """The thresholds a grading profile of the built bundle applies (CI grades with ``cpu``)."""
    from autograder.engine.assignment import Assignment

    return dict(Assignment.load(assignment).config.profile(profile).thresholds)



ASSIGNMENT_CONFIG = """# ASSIGNMENT CONFIG
name: {name}
requirements: null
files: []
tests:
  files: true
  ok_format: false
generate: false
export_cell: false
check_all_cell: false
init_cell: true
run_tests: false"""

GRADING_CONFIG = """## Ignore ##
# GRADING CONFIG
seed: 7
secret: 5e1c0a9d3b7f4e2a8c6d1f0b9e3a7c5d2f8b4e6a0c9d7f1e3b5a8c2d4f6e0a1b
submission_timeout: 120
cell_timeout: 60
probe_timeout: 30
threads: 1
profiles:
  cpu: {device: cpu}"""


def master_question(name: str, cell: str, variable: str, public: str, hidden: list[str]) -> list[dict]:
    """The cells of one otter-assign question worth one point per hidden test: a prompt, the answer
    ``cell`` (otter turns lines ending in ``# SOLUTION`` into ``...`` for students), a public test and
    the ``hidden`` tests, each a check-library expression on ``variable``."""
    raw, md, code = nbformat.v4.new_raw_cell, nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell

    def test(kind: str, body: str, index: int) -> dict:
        return code(("# HIDDEN\n" if kind == "hidden" else "")
                    + f"def test_{name}_{kind}_{index}({variable}):\n"
                    f"    from autograder.checks import check_number_in_range\n    {body}\n\n"
                    f"test_{name}_{kind}_{index}({variable})")

    points = "[" + ", ".join(["0"] + ["1"] * len(hidden)) + "]"
    return [raw(f"# BEGIN QUESTION\nname: {name}\npoints: {points}"), md(f"**{name}.** Set `{variable}`."),
            raw("# BEGIN SOLUTION"), code(cell), raw("# END SOLUTION"), raw("# BEGIN TESTS"),
            test("public", public, 0), *[test("hidden", body, i) for i, body in enumerate(hidden, start=1)],
            raw("# END TESTS"), raw("# END QUESTION")]


def write_master(course: Path, name: str, questions: list[list[dict]], grading: str = GRADING_CONFIG) -> Path:
    """A master notebook ``course/solutions/<name>/<name>.ipynb`` made of ``questions``; returns its path."""
    cells = [nbformat.v4.new_raw_cell(ASSIGNMENT_CONFIG.format(name=name)), nbformat.v4.new_raw_cell(grading),
             nbformat.v4.new_markdown_cell(f"# {name}")]
    for question in questions:
        cells += question
    nb = nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}})
    path = course / "solutions" / name / f"{name}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nbformat.writes(nb), encoding="utf-8")
    return path
