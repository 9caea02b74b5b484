"""The review page (Flask): pick a written question, grade every answer to it in turn, move on.

Every request reads ``GRADES/manual.csv`` again, so a hand edit or another TA's save shows up at
once; every save goes through :func:`autograder.reports.manual.save_grades` (lock, re-read, merge,
atomic write) and then ``on_saved`` refreshes the reports of the students it touched. Forms carry
opaque tokens, never submission ids, so anonymous mode hides names from the page's source too.
The page loads nothing from outside (a Content-Security-Policy says so to the browser).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from flask import Flask, abort, flash, redirect, render_template, request, url_for

from autograder.reports.manual import ManualGrade, ManualGradesError, read_manual, save_grades
from autograder.engine.assignment import ManualQuestion
from autograder.review.answers import Answers, Group
from autograder.review.render import cells_html, markdown_html

if TYPE_CHECKING:
    from autograder.reports.rebuild import GradedClass

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


def create_app(out_dir: Path, assignment: str, questions: list[ManualQuestion], answers: Answers, *,
               grader: str = "", on_saved: Callable[[list[str]], list[str]] | None = None) -> Flask:
    """The review app for the graded class in ``out_dir`` (see the module docstring).

    ``on_saved(submission_ids)`` is called after each save and returns problems to show (a report
    that could not be rewritten, for example).
    """
    app = Flask(__name__)
    app.secret_key = secrets.token_bytes(16)
    by_name = {q.name: q for q in questions}

    @app.after_request
    def headers(response: Any) -> Any:
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(ManualGradesError)
    def bad_manual(error: ManualGradesError) -> tuple[str, int]:
        return render_template("error.html", assignment=assignment, message=str(error)), 500

    def grades() -> dict[tuple[str, str], ManualGrade]:
        return read_manual(out_dir)

    def question_or_404(name: str) -> ManualQuestion:
        if name not in by_name:
            abort(404)
        return by_name[name]

    def together() -> bool:
        return request.values.get("group", "1") != "0"

    def is_graded(group: Group, question: str, stored: dict) -> bool:
        return all(stored.get((s, question)) is not None and stored[(s, question)].points is not None
                   for s in group.members)

    @app.get("/")
    def index() -> str:
        stored = grades()
        rows = []
        for q in questions:
            members = answers.by_question.get(q.name, {})
            graded = sum(1 for s in members if (s, q.name) in stored and stored[(s, q.name)].points is not None)
            rows.append({"question": q, "answers": len(members), "graded": graded,
                         "distinct": len(answers.groups(q.name))})
        return render_template("index.html", assignment=assignment, rows=rows, anonymous=answers.anonymous,
                               out_dir=str(out_dir))

    @app.get("/q/<name>")
    def question(name: str) -> Any:
        q = question_or_404(name)
        stored = grades()
        groups = answers.groups(name, together=together())
        if not groups:
            return render_template("empty.html", assignment=assignment, question=q)
        if "at" not in request.args:
            first = next((i for i, g in enumerate(groups) if not is_graded(g, name, stored)), 0)
            return redirect(url_for("question", name=name, at=first, group=int(together())))
        at = max(0, min(request.args.get("at", 0, type=int), len(groups) - 1))
        group = groups[at]
        members = [{"label": answers.label(s), "token": group.tokens[s], "grade": stored.get((s, name))}
                   for s in group.members]
        shown = {(m["grade"].points, m["grade"].comment, m["grade"].rubric) if m["grade"] else None for m in members}
        current = members[0]["grade"] if len(shown) == 1 else None
        ungraded = [i for i, g in enumerate(groups) if not is_graded(g, name, stored)]
        following = [i for i in ungraded if i > at] + [i for i in ungraded if i < at]
        total = len(answers.by_question.get(name, {}))
        done = sum(1 for s in answers.by_question.get(name, {})
                   if (s, name) in stored and stored[(s, name)].points is not None)
        return render_template(
            "question.html", assignment=assignment, question=q, prompt=markdown_html(q.prompt),
            answer=cells_html(group.cells), truncated=group.truncated, members=members, current=current,
            mixed=len(shown) > 1, at=at, count=len(groups), graded=is_graded(group, name, stored),
            next_ungraded=following[0] if following else None, done=done, total=total,
            together=together(), anonymous=answers.anonymous)

    @app.post("/q/<name>")
    def save(name: str) -> Any:
        q = question_or_404(name)
        form = request.form
        at = form.get("at", 0, type=int)
        tokens = form.getlist("member")
        submissions = [answers.submission_of[t] for t in tokens if t in answers.submission_of]
        if not submissions:
            abort(400)
        text = form.get("points", "").strip().replace(",", ".")
        try:
            value = float(text) if text else None
        except ValueError:
            value = -1.0
        if value is not None and not 0 <= value <= q.points:
            flash(f"Points must be a number from 0 to {q.points:g}; {text!r} was not saved.", "error")
            return redirect(url_for("question", name=name, at=at, group=form.get("group", "1")))
        rubric = tuple(sorted(int(i) for i in form.getlist("rubric") if i.isdigit()
                              and 1 <= int(i) <= len(q.rubric)))
        entries = [ManualGrade(s, name, value, form.get("comment", "").strip(), rubric, grader) for s in submissions]
        seen = {(s, name): form.get(f"seen-{answers.token_of[s]}", "") for s in submissions}
        outcome = save_grades(out_dir, entries, seen=seen)
        for mine, theirs in outcome.conflicts:
            who = theirs.grader or "someone else"
            flash(f"Not saved for {answers.label(mine.submission)}: {who} changed this grade meanwhile "
                  f"(now {'ungraded' if theirs.points is None else f'{theirs.points:g}'}"
                  f"{': ' + theirs.comment if theirs.comment else ''}). Check it and save again.", "error")
        if outcome.saved:
            flash(f"Saved {'no points' if value is None else f'{value:g} / {q.points:g}'} for "
                  f"{len(outcome.saved)} answer{'s' if len(outcome.saved) != 1 else ''}.", "ok")
            for problem in (on_saved(sorted({g.submission for g in outcome.saved})) if on_saved else []):
                flash(problem, "error")
        target = at if outcome.conflicts else form.get("next", at, type=int)
        return redirect(url_for("question", name=name, at=target, group=form.get("group", "1")))

    return app


def app_for_class(graded: "GradedClass", *, anonymous: bool = False, grader: str = "") -> Flask:
    """The review app of a graded class, rewriting its reports after every save (as ``nncourse review``)."""
    import threading

    from autograder.reports.late import ExtensionsError
    from autograder.reports.rebuild import graded_class, write_reports

    lock = threading.Lock()

    def on_saved(ids: list[str]) -> list[str]:
        with lock:  # two TAs saving at once: one report writer at a time
            try:
                write_reports(graded_class(graded.out_dir, graded.assignment, graded.results, graded.found),
                              only=ids)
            except (ManualGradesError, ExtensionsError) as exc:
                return [f"Saved, but the reports were not rewritten: {exc}"]
        return []

    return create_app(graded.out_dir, graded.assignment.name, graded.assignment.manual,
                      Answers(graded.results, anonymous=anonymous), grader=grader, on_saved=on_saved)


def serve(app: Flask, port: int) -> None:
    """Serve ``app`` on 127.0.0.1 only (never another interface) until Ctrl-C."""
    from werkzeug.serving import run_simple

    run_simple("127.0.0.1", port, app, threaded=True, use_reloader=False, use_debugger=False)
