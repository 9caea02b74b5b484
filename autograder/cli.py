"""The ``nncourse`` command: a thin click layer over build, grade and demo."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from autograder import __version__


def _echo(message: object = "", err: bool = False) -> None:
    """Print for the TA: text from submissions (file names, ids, messages) cannot drive the terminal
    (control characters and bidi overrides show as escapes, see ``reports.escape.terminal``)."""
    from autograder.reports.escape import terminal

    click.echo(terminal(message, keep="\n"), err=err)


def _fail(message: str) -> None:
    """Exit 2 with the message, one ``nncourse:`` line per problem (never a traceback)."""
    for line in str(message).splitlines() or [""]:
        _echo(f"nncourse: {line}", err=True)
    sys.exit(2)


@click.group()
@click.version_option(__version__, prog_name="nncourse")
def main() -> None:
    """Build, grade and demonstrate the course's autograded assignments."""


@main.command()
@click.argument("assignments", nargs=-1)
@click.option("--check", is_flag=True, help="Change nothing committed; exit 1 if committed student notebooks "
                                            "are stale or an assignment fails its proof.")
@click.option("--no-verify", is_flag=True, help="Skip the proof (grading the solution and the student notebook).")
@click.option("--verify-all", is_flag=True, help="Prove every assignment built or checked, even those whose "
                                                 "master is unchanged since their last proof.")
def build(assignments: tuple[str, ...], check: bool, no_verify: bool, verify_all: bool) -> None:
    """Regenerate assignments/ and dist/ from the master notebooks in solutions/, then prove each
    assignment whose master changed: its solution must get full marks and its untouched student
    notebook 0 on every autograded question, graded by the real grader (cpu profile)."""
    from autograder.authoring.build import BuildError, assignment_names, build as run_build
    from autograder.authoring.verify import is_verified, verify_assignments

    names = list(assignments) or assignment_names()
    try:
        stale = run_build(names or None, check=check)
    except BuildError as exc:
        _fail(str(exc))
    stale_names = {path.split("/")[1] for path in stale}
    if check and stale:
        _echo("Stale generated files (run `nncourse build`):\n  " + "\n  ".join(stale), err=True)
    problems: list[str] = []
    if not no_verify:
        todo = [n for n in names if n not in stale_names and (verify_all or not is_verified(n))]
        try:
            outcomes = verify_assignments(todo, echo=lambda m: _echo(m, err=True))
        except KeyboardInterrupt:
            _echo("Stopped: the assignments not yet proven stay unverified.", err=True)
            sys.exit(130)
        problems = [line for outcome in outcomes for line in outcome.problems]
        for line in problems:
            _echo(f"nncourse: {line}", err=True)
    if (check and stale) or problems:
        sys.exit(1)
    proven = "" if no_verify else "; each solution gets full marks and each student notebook 0"
    if check:
        _echo(f"Student notebooks are up to date with their master notebooks{proven}.")
    else:
        _echo(f"Built {', '.join(assignments) or 'all assignments'}: assignments/ and dist/{proven}.")


@main.command()
@click.argument("assignment")
@click.argument("submissions", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("grades"), show_default=True,
              help="Folder for gradebook.csv, results/, feedback/ and summary.html.")
@click.option("--timeout", type=float, default=None, help="Seconds of CPU time per submission (default: the assignment's; wall time: 4 x as long).")
@click.option("--jobs", type=int, default=None, help="Submissions graded at once (default: the number of cores).")
@click.option("--memory", "memory_mb", type=int, default=None,
              help="Memory cap per submission in MB (default: the assignment's).")
@click.option("--profile", default="auto", show_default=True, help="Grading profile: auto, cpu or cuda.")
@click.option("--seed", type=int, default=None, help="Grader seed (default: the assignment's).")
@click.option("--fresh", is_flag=True, help="Grade everything again, ignoring results stored in --out.")
@click.option("--dask", "dask_address", default=None, metavar="ADDRESS",
              help="Grade on a Dask cluster (scheduler address, or 'local' for one on this machine); "
                   "needs the [dask] extra and workers that see the same files.")
def grade(assignment: str, submissions: tuple[Path, ...], out_dir: Path, timeout: float | None,
          jobs: int | None, profile: str, seed: int | None, memory_mb: int | None, fresh: bool,
          dask_address: str | None) -> None:
    """Grade notebooks (files, folders, zips, Canvas or Gradescope downloads) for ASSIGNMENT.

    Results already in --out for the same file and grader are reused: a stopped batch resumes.
    """
    _echo(f"Loading the {assignment} grading bundle ...", err=True)
    from autograder.authoring.build import BuildError, ensure_bundle
    from autograder.engine.assignment import Assignment, BundleNotReady

    try:
        try:
            hw = Assignment.load(assignment)
        except BundleNotReady:
            hw = Assignment.load(assignment, ensure_bundle(assignment, echo=lambda m: _echo(m, err=True)))
    except (BuildError, ValueError) as exc:
        _fail(str(exc))
    if not dask_address:  # the fork server imports torch & co. while this process imports the grader
        from autograder.student_process import fork_server
        from autograder.student_process.session import base_env

        fork_server.shared(base_env(hw.config.threads), hw.preload(), wait=False)
    from autograder.batch.progress import Progress
    from autograder.batch.run import default_jobs, run_batch
    from autograder.batch.submissions import find_submissions
    from autograder.config import resolve_profile
    from autograder.reports.gradebook import score_table
    from autograder.student_process.sandbox import describe_level

    try:
        chosen = resolve_profile(profile, hw.config)
        found = find_submissions(list(submissions), hw.name)
    except (BuildError, ValueError) as exc:
        _fail(str(exc))
    jobs = jobs or default_jobs()
    _echo(f"Grading {len(found.submissions)} submission(s) of {assignment} with the {chosen} profile, "
               f"{jobs if not dask_address else 'Dask'} at a time ...", err=True)
    _echo(describe_level(), err=True)
    for item in found.skipped:
        _echo(f"  skipped {item['path']}: {item['reason']}", err=True)
    for item in found.duplicates:
        _echo(f"  not graded (older than {item['kept']}): {item['path']}", err=True)
    for item in found.collisions:
        _echo(f"  id collision: {item['path']} is graded as {item['submission']} "
              f"({item['wanted']} is {item['kept_by']})", err=True)
    executor, closer = (None, None)
    if dask_address:
        from autograder.batch.executors import dask_executor

        try:
            executor, closer = dask_executor(dask_address, jobs)
        except ImportError:
            _fail("--dask needs dask.distributed: pip install 'nn-coursework[dask]'")
    from autograder.reports.late import ExtensionsError
    from autograder.reports.manual import ManualGradesError

    try:
        with Progress(len(found.submissions)) as progress:
            batch = run_batch(found, hw, out_dir, jobs=jobs, profile=chosen, timeout=timeout,
                              seed=seed, memory_mb=memory_mb, resume=not fresh, executor=executor,
                              progress=progress.update)
    except KeyboardInterrupt:
        batch = None
    except (ManualGradesError, ExtensionsError) as exc:
        _fail(f"every submission is graded and kept in {out_dir / 'results'}, but the reports were not "
              f"written: {exc}; then run nncourse report {assignment} --out {out_dir}")
    finally:
        if closer:
            closer()
    if batch is None or batch.interrupted:
        done = 0 if batch is None else len(batch.results)
        _echo(f"\nStopped: {done} of {len(found.submissions)} graded and kept in {out_dir / 'results'}. "
                   "Run the same command again to grade the rest.", err=True)
        sys.exit(130)
    for warning in batch.warnings:
        _echo(f"  warning: {warning}", err=True)
    _echo(score_table(batch.results, batch.marks))
    ungraded = sum(1 for m in batch.marks.values() if m.ungraded)
    if ungraded:
        _echo(f"\n{ungraded} submission(s) have written answers to grade: nncourse review {assignment} "
                   f"--out {out_dir}")
    _echo(f"\n{batch.graded} graded, {batch.reused} reused from an earlier run."
               f"\nGradebook: {out_dir / 'gradebook.csv'}\nClass summary: {out_dir / 'summary.html'}"
               f"\nFeedback per student: {out_dir / 'feedback'}\nResults (JSON): {out_dir / 'results'}")


@main.command()
@click.argument("assignment")
@click.option("--out", "out_file", type=click.Path(path_type=Path), default=None,
              help="Zip to write (default: dist/ASSIGNMENT-gradescope.zip).")
def gradescope(assignment: str, out_file: Path | None) -> None:
    """Build ASSIGNMENT's Gradescope autograder zip (setup.sh, run_autograder, hidden tests)."""
    from autograder import paths
    from autograder.authoring.build import BuildError, ensure_bundle
    from autograder.deploy.gradescope import build_zip

    out_file = out_file or paths.dist_dir() / f"{assignment}-gradescope.zip"
    try:
        ensure_bundle(assignment, echo=lambda m: _echo(m, err=True))
        build_zip(assignment, out_file)
    except BuildError as exc:
        _fail(str(exc))
    from autograder.authoring.verify import is_verified

    if (paths.solutions_dir() / assignment / f"{assignment}.ipynb").is_file() and not is_verified(assignment):
        _echo(f"Note: {assignment} is not proven since its master last changed; `nncourse build "
                   f"{assignment}` grades its solution and student notebook before you upload.", err=True)
    _echo(f"Wrote {out_file}: upload it as the assignment's autograder on Gradescope "
               "(Configure Autograder > Zip file upload).")


def _graded_class(assignment: str, out_dir: Path):
    """The graded class in ``out_dir`` with everyone's marks, or exit with one line saying what to fix."""
    from autograder.engine.assignment import Assignment, BundleNotReady
    from autograder.reports.late import ExtensionsError
    from autograder.reports.manual import ManualGradesError
    from autograder.reports.rebuild import NothingGraded, graded_class

    from autograder.authoring.build import BuildError, ensure_bundle

    try:
        try:
            hw = Assignment.load(assignment)
        except BundleNotReady:
            hw = Assignment.load(assignment, ensure_bundle(assignment, echo=lambda m: _echo(m, err=True)))
        return graded_class(out_dir, hw)
    except (BuildError, NothingGraded, ManualGradesError, ExtensionsError, ValueError) as exc:
        _fail(str(exc))


@main.command()
@click.argument("assignment")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("grades"), show_default=True,
              help="The folder nncourse grade wrote; manual.csv is saved there.")
@click.option("--port", type=int, default=8765, show_default=True, help="Port on 127.0.0.1.")
@click.option("--anonymous", is_flag=True, help="Hide students' names and ids: number them instead.")
@click.option("--grader", default=None, help="Your name for manual.csv's grader column (default: your login).")
def review(assignment: str, out_dir: Path, port: int, anonymous: bool, grader: str | None) -> None:
    """Grade ASSIGNMENT's written answers question by question in a local web page.

    Every grade is saved to OUT/manual.csv at once; the gradebook, feedback pages and summary are
    rewritten after each save. Serves on 127.0.0.1 only; Ctrl-C stops it.
    """
    import getpass

    from autograder.review.app import app_for_class, serve

    graded = _graded_class(assignment, out_dir)
    hw = graded.assignment
    if not hw.manual:
        _fail(f"{assignment} has no written questions (manual: true in the master notebook): nothing to review")
    for warning in graded.warnings:
        _echo(f"  warning: {warning}", err=True)
    try:
        grader = grader or getpass.getuser()
    except (KeyError, OSError):
        grader = ""
    app = app_for_class(graded, anonymous=anonymous, grader=grader)
    _echo(f"Review {hw.name}'s written answers at http://127.0.0.1:{port}/ "
               f"({len(graded.results)} submissions; grades go to {out_dir / 'manual.csv'}). Ctrl-C stops.")
    try:
        serve(app, port)
    except OSError as exc:
        _fail(f"cannot serve on 127.0.0.1:{port} ({exc.strerror or exc}): choose another --port")


@main.command()
@click.argument("assignment")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("grades"), show_default=True,
              help="The folder nncourse grade wrote.")
def report(assignment: str, out_dir: Path) -> None:
    """Rewrite OUT's gradebook, feedback pages and summary from the stored results, manual.csv,
    extensions.csv and the late policy (after editing one of them by hand)."""
    from autograder.reports.gradebook import score_table
    from autograder.reports.rebuild import write_reports

    graded = _graded_class(assignment, out_dir)
    write_reports(graded)
    for warning in graded.warnings:
        _echo(f"  warning: {warning}", err=True)
    _echo(score_table(graded.results, graded.marks))
    _echo(f"\nGradebook: {out_dir / 'gradebook.csv'}\nClass summary: {out_dir / 'summary.html'}"
               f"\nFeedback per student: {out_dir / 'feedback'}")


@main.command()
@click.argument("assignment")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("grades"), show_default=True,
              help="The folder nncourse grade wrote.")
@click.option("--to", "target", type=click.Choice(["canvas", "moodle", "csv"]), required=True,
              help="canvas: gradebook import CSV; moodle: the grading worksheet filled in; csv: every mark.")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="The class list from the LMS: Canvas's gradebook export, or the Moodle assignment's "
                   "grading worksheet (needed for canvas and moodle).")
@click.option("--file", "out_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: OUT/ASSIGNMENT-TO.csv).")
@click.option("--column", default=None, help="Canvas: the assignment column to fill, as in the export "
                                             "('HW1 (123456)'); default: the roster's column named like ASSIGNMENT.")
@click.option("--missing", type=click.Choice(["blank", "zero"]), default="blank", show_default=True,
              help="Grade of roster students with no submission.")
def export(assignment: str, out_dir: Path, target: str, roster: Path | None, out_file: Path | None,
           column: str | None, missing: str) -> None:
    """Write ASSIGNMENT's final scores as a file the LMS imports, matched to its roster."""
    from autograder.lms.export import ExportError, export as run_export
    from autograder.lms.roster import RosterError, read_roster

    graded = _graded_class(assignment, out_dir)
    out_file = out_file or out_dir / f"{graded.assignment.name}-{target}.csv"
    try:
        people = read_roster(roster) if roster else None
        done = run_export(target, graded.marks, graded.submissions, assignment=graded.assignment.name,
                          roster=people, out=out_file, column=column, missing=missing)
    except (RosterError, ExportError) as exc:
        _fail(str(exc))
    for warning in graded.warnings:
        _echo(f"  warning: {warning}", err=True)
    _echo(f"Wrote {out_file}: {done.rows} rows" + (f", column {done.column!r}" if done.column else "") + ".")
    ungraded = sorted(s for s, m in graded.marks.items() if m.ungraded)
    if ungraded:
        _echo(f"  {len(ungraded)} submission(s) have written answers not graded yet (counted as 0): "
                   f"{', '.join(ungraded[:10])}{' ...' if len(ungraded) > 10 else ''}; nncourse review {assignment}")
    for note in done.notes:
        _echo(f"  note: {note}")
    if done.matching is not None:
        m, students = done.matching, done.roster.students
        _echo(f"  matched {len(m.by_student)} of {len(students)} roster students to "
                   f"{len(graded.marks)} submissions")
        if m.missing:
            _echo(f"  no submission ({len(m.missing)}): " + "; ".join(students[i].name or students[i].login
                                                                        for i in m.missing))
        if m.unmatched:
            _echo(f"  submissions matching no roster student ({len(m.unmatched)}, not exported): "
                       + ", ".join(m.unmatched))
        for student, ids in m.clashes:
            _echo(f"  {students[student].name} matches several submissions ({', '.join(ids)}): left "
                       "blank; remove the wrong one and grade again")


@main.command()
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("demo-output"), show_default=True)
@click.option("--jobs", type=int, default=min(2, os.cpu_count() or 1), show_default=True)
@click.argument("assignments", nargs=-1)
def demo(out_dir: Path, jobs: int, assignments: tuple[str, ...]) -> None:
    """Grade the bundled sample submissions of ASSIGNMENTS (default: all), offline; exit 1 if a
    score differs from the one the corpus expects."""
    from autograder.authoring.build import BuildError
    from autograder.demo import run_demo

    try:
        agree = run_demo(out_dir, jobs=jobs, assignments=list(assignments) or None, echo=click.echo)
    except BuildError as exc:
        _fail(str(exc))
    sys.exit(0 if agree else 1)


if __name__ == "__main__":
    main()
