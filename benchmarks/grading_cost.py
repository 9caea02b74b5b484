"""What grading one submission costs, next to what the notebook's own cells cost, per assignment.

For each assignment, the student notebook filled with the solution's answers is written
``--copies`` times and graded by ``nncourse grade ASSIGNMENT DIR --jobs 1 --fresh`` of the checkout
``--root`` (default: this one; give another checkout, with its own ``.venv`` and built ``dist/``,
to compare two versions of the grader on the same machine). From each ``results/*.json``:
``seconds`` (fork of the student process to its verdict) and the sum of its cells' ``seconds``
(the notebook's own compute); their difference is what the grader adds (probes, captures,
hidden tests, retrainings). The command's wall time is printed too (it holds the fixed start-up).

    .venv/bin/python benchmarks/grading_cost.py                         # hw01-hw04, 3 copies
    .venv/bin/python benchmarks/grading_cost.py hw01 --root ../before --copies 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parents[1]
ASSIGNMENTS = ["hw01", "hw02", "hw03", "hw04"]

# run inside --root's own interpreter: that checkout's notebook filler
FILL = ("import sys, nbformat; from autograder.authoring.corpus import fill_student_notebook; "
        "nb = fill_student_notebook(sys.argv[1], {}); "
        "[nbformat.write(nbformat.from_dict(nb), p) for p in sys.argv[2:]]")


def grade_copies(root: Path, hw: str, copies: int, work: Path) -> dict[str, Any]:
    """Grade ``copies`` solution notebooks with ``root``'s grader; figures in seconds, scores as text."""
    python = root / ".venv" / "bin" / "python"
    subs = work / f"{hw}-subs"
    subs.mkdir()
    files = [str(subs / f"solution-{k}.ipynb") for k in range(1, copies + 1)]
    subprocess.run([str(python), "-c", FILL, hw, *files], cwd=root, check=True)
    out = work / f"{hw}-out"
    start = time.perf_counter()
    subprocess.run([str(python), "-m", "autograder.cli", "grade", hw, str(subs), "--out", str(out),
                    "--jobs", "1", "--fresh"], cwd=root, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    results = [json.loads(p.read_text()) for p in sorted((out / "results").glob("*.json"))]
    grading = [r["seconds"] for r in results]
    cells = [sum(c.get("seconds", 0.0) for c in r.get("cells", [])) for r in results]
    scores = sorted({f"{r['score']:g}/{r['max_score']:g}" for r in results})
    return {"n": len(results), "wall": wall, "grading": statistics.mean(grading),
            "cells": statistics.mean(cells), "added": statistics.mean(g - c for g, c in zip(grading, cells)),
            "scores": ", ".join(scores)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", default=ASSIGNMENTS)
    parser.add_argument("--root", type=Path, default=HERE, help="checkout whose grader is measured")
    parser.add_argument("--copies", type=int, default=3)
    args = parser.parse_args()
    root = args.root.resolve()
    commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    print(f"{datetime.now():%Y-%m-%d %H:%M}; {os.cpu_count()} cores; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; grader {root} ({commit}); "
          f"{args.copies} solution copies per assignment, --jobs 1")
    print(f"{'assignment':<11}{'graded':>7}{'score':>9}{'grading s':>11}{'cells s':>9}{'added s':>9}{'command s':>11}")
    with tempfile.TemporaryDirectory(prefix="grading-cost-", dir=Path.home()) as tmp:
        for hw in args.assignments:
            f = grade_copies(root, hw, args.copies, Path(tmp))
            print(f"{hw:<11}{f['n']:>7}{f['scores']:>9}{f['grading']:>11.2f}{f['cells']:>9.2f}"
                  f"{f['added']:>9.2f}{f['wall']:>11.1f}", flush=True)
    print(f"(grading s: fork to verdict, mean per submission; cells s: the notebook's own cells; "
          f"added s: the difference; load average after {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    sys.exit(main())
