"""Noisy neighbours: how much a submission running 60 busy processes slows a concurrent one.

Grades the victim of ``tests/attacks/test_noisy_neighbour.py`` (the hw01 solution and 2 s of
computing) three ways with a generous time limit, each in a fresh
batch: alone (``--jobs 1``); beside its hog
(``--jobs 2``), the hog's extra processes at nice 19 (what the grader does); and the same with
that lowering switched off (``cputime.EXTRA_NICE = None``), as before issue 14's last fix.
Prints the victim's wall time, status and score, and the slowdown against alone. The hog burns
``--hog-seconds`` of CPU time (its limit) and is stopped.

Meaningful at the ``userns`` level (no cgroup CPU share); as root run it as an ordinary user:

    .venv/bin/python .ci/as_user.py nncourse-ci -- .venv/bin/python benchmarks/neighbours.py
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograder.batch.run import grade_many  # noqa: E402
from autograder.engine.assignment import Assignment  # noqa: E402
from autograder.student_process import cputime  # noqa: E402
from autograder.student_process.sandbox import level  # noqa: E402
from tests.attacks.test_attacks import HW  # noqa: E402
from tests.attacks.test_noisy_neighbour import hog_notebook, victim_notebook  # noqa: E402


def victim_seconds(folder: Path, with_hog: bool, hog_seconds: float) -> tuple[float, str, float]:
    """(the victim's wall seconds, its status, its score) in a batch with or without the hog."""
    folder.mkdir()
    victim = folder / "victim.ipynb"
    victim.write_text(json.dumps(victim_notebook()), encoding="utf-8")
    paths = [victim]
    if with_hog:
        hog = folder / "hog.ipynb"
        hog.write_text(json.dumps(hog_notebook()), encoding="utf-8")
        paths.insert(0, hog)
    results = grade_many(paths, Assignment.load(HW), folder / "out", jobs=len(paths), timeout=hog_seconds,
                         memory_mb=2048)
    [result] = [r for r in results if r.submission == "victim"]
    return result.seconds, result.status, result.score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hog-seconds", type=float, default=30.0, help="the time limit (CPU seconds)")
    args = parser.parse_args()
    print(f"sandbox level: {level()}; hog limit {args.hog_seconds:g} s of CPU time")
    with tempfile.TemporaryDirectory(prefix="nncourse-neighbours-") as tmp:
        rows = []
        for name, with_hog, nice in (("alone", False, 19), ("beside the hog, extra processes at nice 19", True, 19),
                                     ("beside the hog, no lowered priority", True, None)):
            cputime.EXTRA_NICE = nice
            started = time.monotonic()
            seconds, status, score = victim_seconds(Path(tmp) / str(len(rows)), with_hog, args.hog_seconds)
            rows.append((name, seconds, status, score, time.monotonic() - started))
    alone = rows[0][1]
    for name, seconds, status, score, batch in rows:
        print(f"{name:45} victim {seconds:6.1f} s ({seconds / alone:4.1f} x alone), {status}, {score:g}/17; "
              f"batch {batch:.1f} s")


if __name__ == "__main__":
    main()
