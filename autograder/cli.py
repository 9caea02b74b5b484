"""The ``nncourse`` command: a thin click layer over build, grade and demo."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from autograder import __version__


def _fail(message: str) -> None:
    click.echo(f"nncourse: {message}", err=True)
    sys.exit(2)


@click.group()
@click.version_option(__version__, prog_name="nncourse")
def main() -> None:
    """Build, grade and demonstrate the course's autograded assignments."""


@main.command()
@click.argument("assignments", nargs=-1)
@click.option("--check", is_flag=True, help="Change nothing; exit 1 if committed student notebooks are stale.")
def build(assignments: tuple[str, ...], check: bool) -> None:
    """Regenerate assignments/ and dist/ from the master notebooks in solutions/."""
    from autograder.build import BuildError, build as run_build

    try:
        stale = run_build(list(assignments) or None, check=check)
    except BuildError as exc:
        _fail(str(exc))
    if check:
        if stale:
            click.echo("Stale generated files (run `nncourse build`):\n  " + "\n  ".join(stale), err=True)
            sys.exit(1)
        click.echo("Student notebooks are up to date with their master notebooks.")
    else:
        click.echo(f"Built {', '.join(assignments) or 'all assignments'}: assignments/ and dist/.")


@main.command()
@click.argument("assignment")
@click.argument("submissions", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("grades"), show_default=True,
              help="Folder for gradebook.csv and results/.")
@click.option("--timeout", type=float, default=None, help="Seconds per submission (default: the assignment's).")
@click.option("--jobs", type=int, default=1, show_default=True, help="Submissions graded at once.")
@click.option("--memory", "memory_mb", type=int, default=None,
              help="Memory cap per submission in MB (default: the assignment's).")
@click.option("--profile", default="auto", show_default=True, help="Grading profile: auto, cpu or cuda.")
@click.option("--seed", type=int, default=None, help="Grader seed (default: the assignment's).")
def grade(assignment: str, submissions: tuple[Path, ...], out_dir: Path, timeout: float | None,
          jobs: int, profile: str, seed: int | None, memory_mb: int | None) -> None:
    """Grade notebooks (files or folders) for ASSIGNMENT without Docker."""
    from autograder.batch import grade_many
    from autograder.build import BuildError
    from autograder.config import resolve_profile
    from autograder.grade import Assignment
    from autograder.gradebook import score_table

    try:
        hw = Assignment.load(assignment)
        chosen = resolve_profile(profile, hw.config)
    except (BuildError, ValueError) as exc:
        _fail(str(exc))
    from autograder.sandbox import describe_level

    click.echo(f"Grading {assignment} with the {chosen} profile ...", err=True)
    click.echo(describe_level(), err=True)
    results = grade_many(list(submissions), hw, out_dir, jobs=jobs, profile=chosen, timeout=timeout, seed=seed,
                         memory_mb=memory_mb,
                         progress=lambda r: click.echo(f"  {r['submission']}: {r['score']}/{r['max_score']} "
                                                       f"({r['status']}, {r['seconds']} s)", err=True))
    click.echo(score_table(results))
    click.echo(f"\nGradebook: {out_dir / 'gradebook.csv'}\nPer-submission results: {out_dir / 'results'}")


@main.command()
@click.argument("assignment")
@click.option("--out", "out_file", type=click.Path(path_type=Path), default=None,
              help="Zip to write (default: dist/ASSIGNMENT-gradescope.zip).")
def gradescope(assignment: str, out_file: Path | None) -> None:
    """Build ASSIGNMENT's Gradescope autograder zip (setup.sh, run_autograder, hidden tests)."""
    from autograder import paths
    from autograder.build import BuildError
    from autograder.gradescope import build_zip

    out_file = out_file or paths.dist_dir() / f"{assignment}-gradescope.zip"
    try:
        build_zip(assignment, out_file)
    except BuildError as exc:
        _fail(str(exc))
    click.echo(f"Wrote {out_file}: upload it as the assignment's autograder on Gradescope "
               "(Configure Autograder > Zip file upload).")


@main.command()
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("demo-output"), show_default=True)
@click.option("--jobs", type=int, default=min(2, os.cpu_count() or 1), show_default=True)
def demo(out_dir: Path, jobs: int) -> None:
    """Build every assignment and grade the bundled sample submissions, offline."""
    from autograder.demo import run_demo

    run_demo(out_dir, jobs=jobs, echo=click.echo)


if __name__ == "__main__":
    main()
