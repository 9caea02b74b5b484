"""One student's feedback page: an HTML rendering of a grading :class:`~autograder.engine.result.Result`.

Everything in a result can come from the student (messages quote their values, outputs and
images are theirs), so every text is escaped, images are embedded only when they really are PNGs,
and the page has no JavaScript and loads nothing from outside. The same result gives the same bytes.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
from typing import TYPE_CHECKING, Any

from autograder.engine.result import CellResult, Image, Result, TestResult

if TYPE_CHECKING:
    from autograder.reports.marks import Marks

from autograder.reports.escape import visible

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_IMAGE_BYTES = 2 * 1024 * 1024  # a larger "plot" is left out rather than bloating the page

_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

STATUS_TEXT = {
    "ok": "All cells of your notebook ran.",
    "error": "A cell raised an error; the cells after it still ran, but answers that depend on it "
             "could not be checked.",
    "timeout": "A cell ran past its time limit and was stopped.",
    "kernel_died": "Your notebook's process stopped before grading finished (a crash, os._exit, "
                   "or running out of memory).",
    "ungradable": "The file could not be read as a notebook, so nothing was run.",
}

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:60rem;margin:2rem auto;
padding:0 1rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.num{text-align:right;white-space:nowrap}
.pass{color:#176f2c;font-weight:600}.fail{color:#a61b1b;font-weight:600}
.box{background:#f7f7f7;border:1px solid #ddd;border-radius:6px;padding:.5rem 1rem}
.cell{border-left:4px solid #a61b1b;padding-left:.8rem;margin:1rem 0}
pre{background:#f4f4f4;padding:.5rem;overflow-x:auto;white-space:pre-wrap;word-break:break-word}
figure{margin:1rem 0}img{max-width:100%;border:1px solid #ddd}figcaption{color:#555}
.note{color:#555}
""".strip()

_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def esc(value: Any) -> str:
    """``value`` as text that is safe anywhere in HTML, attribute values included; control and
    reordering characters (U+202E, ...) are shown as their escapes."""
    return html.escape(visible(value, keep="\n\t"), quote=True)


def num(value: Any) -> str:
    """A score as a student reads it: ``2``, ``1.5``, never ``2.0``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return esc(value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def strip_ansi(text: str) -> str:
    """``text`` without terminal colour codes and control characters (newlines and tabs kept)."""
    text = _ANSI.sub("", text).replace("\r\n", "\n")
    return _CONTROL.sub("", text)


def png_data_uri(image: Image) -> str | None:
    """A ``data:`` URI for an image; None unless it really is a PNG."""
    if image.mime != "image/png":
        return None
    data = image.data
    if not isinstance(data, str) or len(data) > MAX_IMAGE_BYTES * 4 // 3 + 4:
        return None
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return None
    if not raw.startswith(PNG_SIGNATURE) or len(raw) > MAX_IMAGE_BYTES:
        return None
    return "data:image/png;base64," + base64.b64encode(raw).decode("ascii")


def html_page(title: str, body: str) -> str:
    """A complete, self-contained page: inline CSS, no scripts, nothing fetched from outside."""
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{esc(title)}</title>\n<style>\n{CSS}\n</style>\n</head>\n<body>\n{body}</body>\n</html>\n")


def _images(images: list[Image], caption: str) -> str:
    """``<figure>``s for the PNGs among ``images``, and a note on how many were left out."""
    shown, refused = [], 0
    for image in images:
        uri = png_data_uri(image)
        if uri is None:
            refused += 1
            continue
        title = image.title or caption
        shown.append(f'<figure><img src="{uri}" alt="{esc(title)}"><figcaption>{esc(title)}'
                     f"</figcaption></figure>\n")
    if refused:
        shown.append(f'<p class="note">{refused} image(s) not shown: only PNG pictures are '
                     f"displayed.</p>\n")
    return "".join(shown)


def _tests_table(tests: list[TestResult]) -> str:
    rows = []
    for test in tests:
        rows.append(f"<tr><td>{esc(test.name)}</td>"
                    f"<td>{'hidden' if test.hidden else 'public'}</td>"
                    f'<td class="{"pass" if test.passed else "fail"}">{"passed" if test.passed else "failed"}</td>'
                    f'<td class="num">{num(test.score)} / {num(test.max_score)}</td>'
                    f"<td>{esc(test.message)}</td></tr>\n")
    figures = "".join(_images(t.figures, t.name) for t in tests)
    return ("<table>\n<tr><th>test</th><th>kind</th><th>result</th><th>points</th><th>message</th></tr>\n"
            + "".join(rows) + "</table>\n" + figures)


def cell_html(cell: CellResult) -> str:
    """A cell that raised or timed out: its error, where it happened, and the tail of its output."""
    error = cell.error if isinstance(cell.error, dict) else {}
    if cell.timed_out:
        head = "ran past its time limit and was stopped"
    else:
        head = f"raised <strong>{esc(error.get('ename'))}</strong>: {esc(error.get('evalue'))}"
    parts = [f'<div class="cell">\n<p>Cell {esc(cell.cell)} {head}</p>\n']
    frames = [f for f in error.get("frames") or [] if isinstance(f, dict)]
    if frames:
        parts.append("<p>Where (outermost call first):</p>\n<ul>\n")
        parts.extend(f"<li>cell {esc(f.get('cell'))}, line {esc(f.get('line'))}: "
                     f"<code>{esc(f.get('code'))}</code></li>\n" for f in frames)
        parts.append("</ul>\n")
    output = strip_ansi(str(cell.output or "")).strip("\n")
    if output:
        parts.append(f"<p>End of the cell's output:</p>\n<pre>{esc(output)}</pre>\n")
    parts.append("</div>\n")
    return "".join(parts)


def _cells_section(cells: list[CellResult]) -> str:
    failed = "".join(cell_html(c) for c in cells if c.error or c.timed_out)
    images = "".join(_images(c.images, f"your plot from cell {c.cell}") for c in cells)
    return (f"<h3>Cells with errors</h3>\n{failed}" if failed else "") + \
        (f"<h3>Your plots</h3>\n{images}" if images else "")


def feedback_html(result: Result, marks: "Marks | None" = None) -> str:
    """The feedback page for one graded submission (deterministic: no clock, no randomness).

    ``marks`` adds the written questions' points and comments, the late penalty and the final score.
    """
    from autograder.reports.marks_html import late_html, score_box_html, written_html

    score = (score_box_html(marks) if marks is not None else
             f'<p><strong>Score: {num(result.score)} / {num(result.max_score)}</strong></p>\n')
    body = [f"<h1>{esc(result.assignment)}: feedback for {esc(result.submission)}</h1>\n",
            f'<div class="box">\n{score}'
            f"<p>Status: <strong>{esc(result.status)}</strong>. {esc(STATUS_TEXT.get(result.status, ''))}</p>\n"
            f"<p>{esc(result.message)}</p>\n</div>\n"]
    names = {q.name for q in result.questions}
    for question in result.questions:
        body.append(f"<h2>{esc(question.name)}: {num(question.score)} / {num(question.max_score)} points</h2>\n"
                    f"<p>{esc(question.message)}</p>\n")
        body.append(_tests_table(question.tests))
        body.append(_cells_section([c for c in result.cells if c.question == question.name]))
    if marks is not None:
        body.append(written_html(marks) + late_html(marks))
    other = _cells_section([c for c in result.cells if c.question not in names])
    if other:
        body.append(f"<h2>Other cells</h2>\n{other}")
    crash = strip_ansi(result.process_output or "").strip("\n")
    if crash:
        body.append(f"<h2>Output when your notebook's process stopped</h2>\n<pre>{esc(crash)}</pre>\n")
    body.append('<p class="note">Public tests check only the format of an answer (0 points); '
                "hidden tests give the points.</p>\n")
    return html_page(f"{result.assignment}: {result.submission}", "".join(body))
