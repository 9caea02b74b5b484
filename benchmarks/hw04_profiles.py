"""Per grading profile available here: wall time per graded HW4 submission, peak memory, accuracy spread.

Grades the HW4 solution under ``--seeds`` grader seeds with each profile this machine can run
(``cpu`` always, ``cuda`` when torch sees a GPU) and prints, per profile, the wall time per
submission, the student process's peak resident memory and the spread of every accuracy the
hidden tests measured (baseline, MLP trained with the student's loop, CNN).

    uv run python benchmarks/hw04_profiles.py --seeds 20
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from collections import defaultdict

import torch

from autograder import paths
from autograder.engine.assignment import Assignment
from autograder.engine.grade import GradeOptions, grade_submission


def measure(profile: str, seeds: int) -> None:
    hw = Assignment.load("hw04")
    solution = paths.solutions_dir() / "hw04" / "hw04.ipynb"
    walls, metrics = [], defaultdict(list)
    for i in range(seeds):
        started = time.monotonic()
        result = grade_submission(solution, hw, GradeOptions(profile=profile, seed=hw.config.seed + i))
        walls.append(time.monotonic() - started)
        if result.score != result.max_score:
            print(f"  seed {hw.config.seed + i}: {result.score}/{result.max_score} ({result.message})")
        for question in result.questions:
            for test in question.tests:
                for m in test.measurements:
                    metrics[m["metric"]].append((m["value"], m["limit"]))
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"profile {profile} ({hw.config.profile(profile).device}), {seeds} grader seeds, one submission at a time")
    print(f"  wall per submission: median {statistics.median(walls):.1f} s, max {max(walls):.1f} s")
    print(f"  peak memory of a student process: {peak_mb:.0f} MB")
    for metric, rows in sorted(metrics.items()):
        values = [v for v, _ in rows]
        print(f"  {metric:18} min {min(values):.4f}  median {statistics.median(values):.4f}  "
              f"max {max(values):.4f}  (threshold {rows[0][1]:.3f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    args = parser.parse_args()
    profiles = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    if len(profiles) == 1:
        print("no CUDA GPU here: the cuda profile is not measured")
    for profile in profiles:
        measure(profile, args.seeds)


if __name__ == "__main__":
    main()
