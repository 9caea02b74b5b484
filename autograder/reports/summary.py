"""A class's results at a glance: ``class_summary`` (a JSON-ready dict) and ``summary_html`` (its page).

Score statistics cover every submission (an ungradable one scores 0 in the gradebook too); pass
rates and question means cover the gradable ones, whose cells were run. Groups of identical
fingerprints point a human at submissions to compare; they prove nothing by themselves.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from typing import Any
from urllib.parse import quote

from autograder.engine.result import Result
from autograder.reports.feedback import esc, html_page, num

BINS = 10
SLOWEST = 10


def _round(value: float) -> float:
    return round(float(value), 3)


def _plain(value: Any) -> Any:
    """``value`` if JSON can hold it as is, else its text (a Path, for example)."""
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


def _histogram(scores: list[float], max_score: float) -> list[dict[str, Any]]:
    """``BINS`` equal bins over 0..max_score; the last bin includes max_score."""
    width = max_score / BINS if max_score > 0 else 0.0
    counts = [0] * BINS
    for score in scores:
        index = min(int(score * BINS / max_score), BINS - 1) if max_score > 0 else 0
        counts[max(index, 0)] += 1
    return [{"low": _round(i * width), "high": _round((i + 1) * width), "count": counts[i]}
            for i in range(BINS)]


def _tests_and_questions(gradable: list[Result]) -> tuple[list[dict], list[dict]]:
    """Pass rate per test and mean points per question, in the notebook's order."""
    tests: dict[tuple[str, str], dict[str, Any]] = {}
    points: dict[str, list[float]] = defaultdict(list)
    maxima: dict[str, Any] = {}
    for result in gradable:
        for question in result.questions:
            name = question.name
            points[name].append(float(question.score))
            maxima[name] = question.max_score
            for test in question.tests:
                entry = tests.setdefault((name, test.name), {"name": test.name, "question": name,
                                                             "hidden": test.hidden, "passed": 0, "graded": 0})
                entry["graded"] += 1
                entry["passed"] += test.passed
    for entry in tests.values():
        entry["rate"] = _round(entry["passed"] / entry["graded"])
    questions = [{"name": name, "mean": _round(statistics.fmean(values)), "max_score": maxima[name]}
                 for name, values in points.items()]
    return list(tests.values()), questions


def _copying_groups(results: list[Result]) -> list[dict[str, Any]]:
    """Groups of 2+ gradable submissions that share a fingerprint, largest first."""
    by_print: dict[str, list[dict]] = defaultdict(list)
    for result in results:
        if result.status != "ungradable" and result.fingerprint:
            by_print[result.fingerprint].append({"submission": result.submission, "score": result.score})
    groups = [{"fingerprint": fp, "size": len(members), "submissions": members}
              for fp, members in by_print.items() if len(members) > 1]
    return sorted(groups, key=lambda g: (-g["size"], [m["submission"] for m in g["submissions"]]))


def _written(marks: dict[str, Any]) -> list[dict[str, Any]]:
    """Per written question: how many answers are graded, and their mean points so far."""
    rows: dict[str, dict[str, Any]] = {}
    for m in marks.values():
        for w in m.written:
            row = rows.setdefault(w.question, {"name": w.question, "max_score": w.max_score, "answers": 0,
                                               "graded": 0, "points": []})
            row["answers"] += w.answered
            if w.points is not None:
                row["graded"] += 1
                row["points"].append(w.points)
    return [{"name": r["name"], "max_score": r["max_score"], "answers": r["answers"], "graded": r["graded"],
             "mean": _round(statistics.fmean(r.pop("points"))) if r["points"] else None}
            for r in rows.values()]


def class_summary(results: list[Result], *, skipped: list[dict[str, Any]] | None = None,
                  duplicates: list[dict[str, Any]] | None = None,
                  collisions: list[dict[str, Any]] | None = None,
                  marks: dict[str, Any] | None = None) -> dict[str, Any]:
    """Summarise a batch of results for summary.json.

    ``skipped``: files that were not graded, ``[{path, reason}]``; ``duplicates``: submissions
    found more than once, ``[{submission, path, kept}]``; ``collisions``: submissions whose id
    was taken by another, ``[{submission, path, wanted, kept_by}]``. Lists are sorted, so the same results
    give the same dict whatever their order (only ``slowest`` varies between runs). With
    ``marks`` (:class:`~autograder.reports.marks.Marks` by id) scores are final scores (written
    points in, late penalties out) and ``written`` says how far the written questions are graded.
    """
    results = sorted(results, key=lambda r: r.submission)
    gradable = [r for r in results if r.status != "ungradable"]
    final = {r.submission: marks[r.submission] for r in results if marks and r.submission in marks}
    scores = [float(final[r.submission].final if r.submission in final else r.score) for r in results]
    max_score = max((final[r.submission].max_score if r.submission in final else r.max_score for r in results),
                    default=0)
    tests, questions = _tests_and_questions(gradable)
    timed = sorted(results, key=lambda r: (-r.seconds, r.submission))
    return {
        "assignment": ", ".join(sorted({r.assignment for r in results})) or None,
        "submissions": len(results),
        "gradable": len(gradable),
        "statuses": dict(sorted(Counter(r.status for r in results).items())),
        "max_score": max_score,
        "score": {"mean": _round(statistics.fmean(scores)), "median": _round(statistics.median(scores)),
                  "min": _round(min(scores)), "max": _round(max(scores))} if scores else None,
        "histogram": _histogram(scores, float(max_score)),
        "tests": tests,
        "questions": questions,
        "results": [{"submission": r.submission, "score": score, "status": r.status,
                     **({"ungraded": final[r.submission].ungraded, "late_penalty": final[r.submission].penalty}
                        if r.submission in final else {})}
                    for r, score in zip(results, [int(x) if x.is_integer() else x for x in scores])],
        "written": _written(final),
        "slowest": [{"submission": r.submission, "seconds": r.seconds} for r in timed[:SLOWEST]],
        "copying": _copying_groups(results),
        "skipped": sorted(({"path": _plain(s.get("path")), "reason": _plain(s.get("reason"))}
                           for s in skipped or []), key=lambda s: (str(s["path"]), str(s["reason"]))),
        "duplicates": sorted(({"submission": _plain(d.get("submission")), "path": _plain(d.get("path")),
                               "kept": _plain(d.get("kept"))} for d in duplicates or []),
                             key=lambda d: (str(d["submission"]), str(d["path"]))),
        "collisions": sorted(({k: _plain(c.get(k)) for k in ("submission", "path", "wanted", "kept_by")}
                              for c in collisions or []), key=lambda c: (str(c["wanted"]), str(c["submission"]))),
    }


# --- the page ----------------------------------------------------------------------------------

def _link(submission: Any) -> str:
    return f'<a href="feedback/{esc(quote(str(submission), safe=""))}.html">{esc(submission)}</a>'


def _members(group: dict[str, Any]) -> str:
    return ", ".join(f"{_link(m['submission'])} ({num(m['score'])})" for m in group["submissions"])


def _table(header: list[str], rows: list[list[str]], empty: str) -> str:
    """A table of already-escaped cells, or a one-line note when there are no rows."""
    if not rows:
        return f'<p class="note">{empty}</p>\n'
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>\n" for row in rows)
    return f"<table>\n<tr>{head}</tr>\n{body}</table>\n"


def _histogram_svg(bins: list[dict[str, Any]]) -> str:
    """Bars with their counts above and their score ranges below; an inline SVG, no script."""
    width, height, bar, top = 640, 240, 56, 20
    plot = height - top - 40
    most = max([b["count"] for b in bins] + [1])
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'role="img" aria-label="score histogram">\n']
    for i, b in enumerate(bins):
        x, h = 8 + i * (bar + 7), round(plot * b["count"] / most)
        y = top + plot - h
        parts.append(f'<rect x="{x}" y="{y}" width="{bar}" height="{h}" fill="#4a78b5"/>'
                     f'<text x="{x + bar // 2}" y="{y - 4}" text-anchor="middle" font-size="12">'
                     f'{b["count"]}</text>'
                     f'<text x="{x + bar // 2}" y="{top + plot + 16}" text-anchor="middle" font-size="11">'
                     f'{num(b["low"])}-{num(b["high"])}</text>\n')
    parts.append(f'<line x1="4" y1="{top + plot}" x2="{width - 4}" y2="{top + plot}" stroke="#333"/>\n'
                 "</svg>\n")
    return "".join(parts)


def summary_html(summary: dict[str, Any]) -> str:
    """The TA's page for a ``class_summary`` dict; submission ids link to ``feedback/<id>.html``."""
    score = summary.get("score") or {}
    statuses = ", ".join(f"{esc(k)}: {v}" for k, v in summary.get("statuses", {}).items())
    body = [f"<h1>{esc(summary.get('assignment'))}: class summary</h1>\n",
            _table(["submissions", "gradable", "statuses", "mean", "median", "min", "max", "out of"],
                   [[str(summary.get("submissions")), str(summary.get("gradable")), statuses,
                     *(num(score.get(k)) for k in ("mean", "median", "min", "max")),
                     num(summary.get("max_score"))]], ""),
            "<h2>Scores</h2>\n", _histogram_svg(summary.get("histogram", [])),
            f'<p class="note">Submissions per range of points, out of {num(summary.get("max_score"))}; '
            "each range includes its lower end, the last one also its upper end.</p>\n",
            "<h2>Questions</h2>\n",
            _table(["question", "mean points", "out of"],
                   [[esc(q["name"]), num(q["mean"]), num(q["max_score"])]
                    for q in summary.get("questions", [])], "No gradable submissions."),
            *(["<h2>Written questions</h2>\n",
               _table(["question", "graded", "mean points so far", "out of"],
                      [[esc(w["name"]), f"{w['graded']} / {w['answers']}", num(w["mean"]) if w["mean"] is not None
                        else "-", num(w["max_score"])] for w in summary.get("written", [])], ""),
               '<p class="note">Written answers are graded in the review page (nncourse review); '
               "ungraded ones count 0 until then.</p>\n"] if summary.get("written") else []),
            "<h2>Pass rate per test</h2>\n",
            _table(["test", "question", "kind", "passed", "graded", "rate"],
                   [[esc(t["name"]), esc(t["question"]), "hidden" if t["hidden"] else "public",
                     str(t["passed"]), str(t["graded"]), f"{t['rate']:.0%}"]
                    for t in summary.get("tests", [])], "No gradable submissions."),
            "<h2>Possible copying</h2>\n",
            '<p>Each group below returned identical outputs to every probe of the grader. That is a '
            "reason for a human to look at the notebooks side by side, not proof of copying: short "
            "or standard answers can coincide.</p>\n",
            _table(["size", "submissions (score)", "fingerprint"],
                   [[str(g["size"]), _members(g), f"<code>{esc(str(g['fingerprint'])[:16])}</code>"]
                    for g in summary.get("copying", [])], "No two submissions share a fingerprint."),
            "<h2>Slowest submissions</h2>\n",
            _table(["submission", "seconds"], [[_link(s["submission"]), num(s["seconds"])]
                                               for s in summary.get("slowest", [])], "None."),
            "<h2>Skipped files</h2>\n",
            _table(["path", "reason"], [[esc(s["path"]), esc(s["reason"])]
                                        for s in summary.get("skipped", [])], "No file was skipped."),
            "<h2>Duplicate submissions</h2>\n",
            _table(["submission", "path", "kept"],
                   [[_link(d["submission"]), esc(d["path"]), esc(d["kept"])]
                    for d in summary.get("duplicates", [])], "No duplicates."),
            "<h2>Id collisions</h2>\n",
            _table(["graded as", "path", "wanted id", "which belongs to"],
                   [[_link(c["submission"]), esc(c["path"]), esc(c["wanted"]), esc(c["kept_by"])]
                    for c in summary.get("collisions", [])], "No two submissions wanted the same id."),
            "<h2>All submissions</h2>\n",
            _table(["submission", "score", "status", "written not graded", "late penalty"],
                   [[_link(r["submission"]), f"{num(r['score'])} / {num(summary.get('max_score'))}",
                     esc(r["status"]), esc(", ".join(r.get("ungraded", []))),
                     num(r["late_penalty"]) if r.get("late_penalty") else ""]
                    for r in summary.get("results", [])], "No submissions.")]
    return html_page(f"{summary.get('assignment')}: class summary", "".join(body))
