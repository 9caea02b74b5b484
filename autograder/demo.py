"""``nncourse demo``: make sure every grading bundle is built, then grade sample submissions offline.

The samples are the grading corpus in ``tests/corpus/<hw>/``: the solution, the untouched student
notebook, and realistic buggy, alternative and gamed submissions, each with the points it must get.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from autograder import paths
from autograder.batch.run import grade_many
from autograder.authoring.build import assignment_names, build
from autograder.authoring.corpus import materialise
from autograder.engine.assignment import Assignment
from autograder.reports.gradebook import score_table

SAMPLES = {"solution": 1, "student": 1, "buggy": 2, "alternative": 1, "gamed": 1}


def _sample(made: list) -> list:
    """A few corpus entries of every category, in manifest order."""
    taken: dict[str, int] = {}
    chosen = []
    for entry, path in made:
        if taken.get(entry.category, 0) < SAMPLES.get(entry.category, 0):
            taken[entry.category] = taken.get(entry.category, 0) + 1
            chosen.append((entry, path))
    return chosen


def run_demo(out_dir: Path, *, jobs: int = 2, assignments: list[str] | None = None,
             echo: Callable[[str], None] = print) -> bool:
    """Grade a few corpus submissions of each assignment (all by default) and say where the outputs
    are; True when every score equals its manifest."""
    names = assignments or assignment_names()
    echo(f"Checking the grading bundles of {', '.join(names)} (built from solutions/ when missing or stale) ...")
    stale = build(names, check=True)
    if stale:
        echo("  the committed student notebooks differ from their masters (run `nncourse build`): "
             + ", ".join(stale))
    all_agree = True
    for hw in names:
        corpus_dir = paths.corpus_dir(hw)
        samples = out_dir / hw / "submissions"
        made = _sample(materialise(hw, corpus_dir, samples))
        chosen = {entry.name for entry, _ in made}
        for path in samples.glob("*.ipynb"):
            if path.stem not in chosen:
                path.unlink()
        echo(f"\nGrading {len(made)} sample submissions of {hw} ({jobs} at a time) ...")
        results = grade_many([p for _, p in made], Assignment.load(hw), out_dir / hw, jobs=jobs,
                             resume=False,
                             progress=lambda r, _: echo(f"  {r.submission}: {r.score}/{r.max_score} "
                                                        f"({r.status}, {r.seconds} s)"))
        expected = {entry.name: sum(entry.expect.values()) for entry, _ in made}
        echo("\n" + score_table(results))
        agree = all(r.score == expected[r.submission] for r in results)
        all_agree = all_agree and agree
        echo(f"\nEvery score equals the corpus manifest: {'yes' if agree else 'NO'}")
        echo(f"Gradebook: {out_dir / hw / 'gradebook.csv'}")
        echo(f"Feedback per student: {out_dir / hw / 'feedback'}; class summary: {out_dir / hw / 'summary.html'}")
        echo(f"The sample notebooks: {samples}")
        for entry, _ in made:
            if entry.description:
                echo(f"  {entry.name}: {entry.description}")
    return all_agree
