"""Print the margins of every threshold test over many grader seeds.

The solution and every correct alternative of the corpus must pass every threshold test under
every seed; each corpus entry that lists ``threshold_tests`` in its manifest must fail those tests
under every seed; and every entry graded gets its manifest's points under every seed. The smallest
margin seen (measured value minus its limit, signed so that positive means "passes") is printed,
so thresholds are set from data. Exit status 1 when any rule is broken.

    uv run python benchmarks/margins.py hw01 --seeds 20 --jobs 2
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from autograder import paths
from autograder.student_process import fork_server
from autograder.authoring.corpus import materialise
from autograder.engine.assignment import Assignment, BundleNotReady
from autograder.engine.grade import GradeOptions, grade_submission
from autograder.student_process.session import base_env


def measure(hw: str, seeds: int, jobs: int, skip: int = 0, only: list[str] | None = None) -> int:
    assignment = Assignment.load(hw)
    base_seed = assignment.config.seed + skip
    with tempfile.TemporaryDirectory() as tmp:
        entries = [(e, p) for e, p in materialise(hw, paths.corpus_dir(hw), Path(tmp))
                   if (e.category in ("solution", "alternative") or e.threshold_tests)
                   and (not only or e.name in only)]
        jobs_list = [(e, p, base_seed + i) for i in range(seeds) for e, p in entries]
        started = time.monotonic()
        server = fork_server.shared(base_env(assignment.config.threads), assignment.preload())  # as `nncourse grade`
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(lambda job: (job[0], job[2], grade_submission(
                job[1], assignment, GradeOptions(seed=job[2]), submission_id=job[0].name, fork_server=server)), jobs_list))
        wall = time.monotonic() - started
    solution_rows: dict[tuple[str, str], list[tuple[bool, float | None, str]]] = defaultdict(list)
    point_misses: list[str] = []
    buggy_rows: dict[tuple[str, str], list[tuple[bool, float | None]]] = defaultdict(list)
    # a threshold test is one that recorded a measurement in any grading; a solution grading
    # that crashed before measuring still counts, as a failure
    threshold_names = {t.name for _, _, r in results for q in r.questions for t in q.tests
                       if t.hidden and t.measurements}
    metrics = {t.name: ", ".join(sorted({m["metric"] for m in t.measurements}))
               for _, _, r in results for q in r.questions for t in q.tests if t.measurements}
    for entry, seed, result in results:
        got = {q.name: q.score for q in result.questions if q.name in entry.expect}
        if got != {q: float(v) for q, v in entry.expect.items()}:
            wrong = ", ".join(f"{q} {got.get(q)} (manifest {v})" for q, v in entry.expect.items() if got.get(q) != v)
            point_misses.append(f"{entry.name} under seed {seed}: {wrong}")
        tests = {t.name: t for q in result.questions for t in q.tests}
        for name, test in tests.items():
            margins = [m["margin"] for m in test.measurements]
            margin = min(margins) if margins else None
            if entry.category in ("solution", "alternative") and name in threshold_names:
                solution_rows[(entry.name, name)].append((test.passed, margin, metrics.get(name, "")))
            if name in entry.threshold_tests:
                buggy_rows[(entry.name, name)].append((test.passed, margin))
    broken = 0
    print(f"{hw}: {seeds} grader seeds from {base_seed}; {len(results)} gradings in {wall:.0f} s "
          f"({wall / max(1, len(results)) * jobs:.1f} s per grading per job, {jobs} jobs)"
          + (f"; only {', '.join(only)}" if only else "") + "\n")
    print(f"{'entry meant to pass':28} {'threshold test':32} {'metric':38} {'passes':>9} {'smallest margin':>16}")
    for (entry, name), rows in sorted(solution_rows.items(), key=lambda item: (item[0][0] != "solution", item[0])):
        passes = sum(p for p, _, _ in rows)
        seen = [m for _, m, _ in rows if m is not None]
        smallest = min(seen) if seen else float("nan")
        broken += passes != len(rows)
        print(f"{entry:28} {name:32} {rows[0][2][:38]:38} {passes:>5}/{len(rows):<3} {smallest:>+16.4f}")
    print(f"\n{'entry meant to fail':28} {'threshold test':32} {'fails':>9} {'closest margin':>15}")
    for (entry, name), rows in sorted(buggy_rows.items()):
        fails = sum(not p for p, _ in rows)
        margins = [m for _, m in rows if m is not None]
        closest = f"{max(margins):+.4f}" if margins else "n/a"
        broken += fails != len(rows)
        print(f"{entry:28} {name:32} {fails:>5}/{len(rows):<3} {closest:>15}")
    if point_misses:
        print("\nentries that missed their manifest's points:\n  " + "\n  ".join(point_misses))
    broken += len(point_misses)
    print("\nall rules hold" if not broken else f"\n{broken} rule(s) broken")
    return 1 if broken else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignment")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--skip", type=int, default=0,
                        help="start that many seeds after the assignment's (CI skips the one the corpus test grades)")
    parser.add_argument("--entries", default="",
                        help="comma-separated corpus entries to measure (default: all); for one entry changed since a full run")
    args = parser.parse_args()
    only = [name for name in args.entries.split(",") if name]
    try:
        sys.exit(measure(args.assignment, args.seeds, args.jobs, args.skip, only))
    except BundleNotReady as exc:
        sys.exit(f"margins: {exc}")


if __name__ == "__main__":
    main()
