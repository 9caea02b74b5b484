"""Gradescope's ``results.json`` from a grading :class:`~autograder.engine.result.Result`.

What a student sees on Gradescope, and when (Gradescope's autograder specification,
``docs/specs.md`` of gradescope/autograder_samples):

- Hidden tests carry the assignment's ``gradescope_hidden_visibility``; until then the student
  sees none of them. The top-level ``score`` is the whole autograded score: the specification says
  that "if test cases are hidden, students will not be able to see their total score".
- While hidden tests are hidden, nothing visible depends on them: the top-level ``output`` gives
  the public checks, the cells that raised, and no total (nor the run's duration); a process that died while hidden tests
  probed it is not mentioned (public tests run first, so they cannot show it either). The
  instructor reads the whole summary in the autograder's stdout (``stdout_visibility: hidden``).
- Every test's output is HTML (``output_format: html``) with escaped text: its message, the picture
  a failing check drew (PNG only, size-capped; hidden tests' pictures have their own budget, so
  they never change what is visible), and for a failing test the cells of its question
  that raised. Each question whose cells raised or drew plots gets a visible entry with those
  cells (error, where, output tail) and the student's own plots.
- Each hand-graded question's written answer is a visible entry, for Gradescope's manual grading.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, replace
from typing import Any

from autograder.engine.grade import NOT_GRADED
from autograder.engine.result import CellResult, Image, Result, TestResult, WrittenAnswer, points
from autograder.reports.feedback import cell_html, esc, png_data_uri

MAX_IMAGE_BYTES = 150_000  # one picture in results.json; a larger one is shrunk, else left out
MAX_IMAGE_SIDE = 720  # pixels: the longest side of a shrunk picture
MAX_TOTAL_IMAGE_BYTES = 1_000_000  # the visible pictures of one results.json; hidden tests' have as much again
PUBLISHED = "visible"
OUTPUT_TAIL_CHARS = 2000  # the engine keeps this much of a cell's output (engine.grade.OUTPUT_PER_CELL)


@dataclass
class _Budget:
    """What is left of the pictures' size budget for one results.json."""

    left: int = MAX_TOTAL_IMAGE_BYTES
    dropped: int = 0


def _shrunk_png(raw: bytes) -> bytes | None:
    """``raw`` (a PNG) with at most 256 colours and MAX_IMAGE_SIDE pixels a side (half that if
    still too large), or None if it cannot be read. Plots keep their look; noise does not shrink."""
    try:
        from PIL import Image as PILImage

        with PILImage.open(io.BytesIO(raw)) as picture:
            picture = picture.convert("RGB")
        for side in (MAX_IMAGE_SIDE, MAX_IMAGE_SIDE // 2):
            small = picture.copy()
            small.thumbnail((side, side))
            out = io.BytesIO()
            small.quantize(colors=256).save(out, format="PNG", optimize=True)
            if len(out.getvalue()) <= MAX_IMAGE_BYTES:
                break
        return out.getvalue()
    except Exception:  # noqa: BLE001 - a picture that cannot be read is left out, never fatal
        return None


def _figures(images: list[Image], caption: str, budget: _Budget) -> str:
    """``<figure>``s for the PNGs among ``images``, each within MAX_IMAGE_BYTES, all within the budget."""
    shown = []
    for image in images:
        if budget.left <= 0:
            budget.dropped += 1
            continue
        uri = png_data_uri(image)
        raw = base64.b64decode(uri.split(",", 1)[1]) if uri else None
        if raw is not None and len(raw) > MAX_IMAGE_BYTES:
            raw = _shrunk_png(raw)
        if raw is None or len(raw) > MAX_IMAGE_BYTES or len(raw) > budget.left:
            budget.dropped += 1
            continue
        budget.left -= len(raw)
        title = image.title or caption
        shown.append(f'<figure><img src="data:image/png;base64,{base64.b64encode(raw).decode("ascii")}" '
                     f'alt="{esc(title)}"><figcaption>{esc(title)}</figcaption></figure>')
    return "".join(shown)


def _problem_cells(cells: list[CellResult]) -> list[CellResult]:
    return [c for c in cells if c.error or c.timed_out]


def _cell_line(cell: CellResult) -> str:
    """One line on a cell that raised or ran out of time (as the student's notebook showed it)."""
    where = f"cell {cell.cell}" + (f" ({cell.question})" if cell.question else "")
    if cell.timed_out:
        return f"{where} ran past its time limit and was stopped"
    error = cell.error if isinstance(cell.error, dict) else {}
    return f"{where} raised {error.get('ename')}: {error.get('evalue')}".rstrip(": ")


def _test_entry(question: str, test: TestResult, cells: list[CellResult], visibility: str,
                budget: _Budget) -> dict[str, Any]:
    body = [f"<p>{esc(test.message)}</p>"]
    if not test.passed:
        body.append(_figures(test.figures, f"{test.name}: what the check saw", budget))
        raised = _problem_cells(cells)
        if raised:
            body.append("<p>In this question, " + "; ".join(esc(_cell_line(c)) for c in raised)
                        + f" (see &quot;{esc(question)}: your cells&quot;).</p>")
    kind = "hidden" if test.hidden else "public"
    return {"name": f"{question} {kind}: {test.name}", "score": test.score, "max_score": test.max_score,
            "status": "passed" if test.passed else "failed", "visibility": visibility if test.hidden else "visible",
            "output": "".join(body), "output_format": "html"}


def _whole_lines(cell: CellResult) -> CellResult:
    """``cell`` with the first line of its output tail dropped when the tail was cut (mid-line, maybe
    inside a terminal colour code)."""
    if len(cell.output or "") < OUTPUT_TAIL_CHARS or "\n" not in cell.output:
        return cell
    return replace(cell, output="[...]\n" + cell.output.split("\n", 1)[1])


def _cells_entry(question: str, cells: list[CellResult], budget: _Budget) -> dict[str, Any] | None:
    """A visible entry with the question's cells that raised and the student's own plots."""
    raised = _problem_cells(cells)
    plots = "".join(_figures(c.images, f"your plot from cell {c.cell}", budget) for c in cells)
    if not raised and not plots:
        return None
    body = "".join(cell_html(_whole_lines(c)) for c in raised) + (f"<p>Your plots:</p>{plots}" if plots else "")
    return {"name": f"{question}: your cells", "status": "failed" if raised else "passed",
            "visibility": "visible", "output": body, "output_format": "html"}


def _written_entry(answer: WrittenAnswer) -> dict[str, Any]:
    """A hand-graded question's answer, shown to graders and the student (never run, never scored here)."""
    shown = [c for c in answer.cells if c.get("source", "").strip()]
    parts = [f'<p>Graded by hand ({esc(points(answer.max_score))} points). Your answer, as submitted:</p>']
    for cell in shown:
        parts.append(f"<p>{esc(cell.get('cell_type', 'markdown'))} cell:</p><pre>{esc(cell.get('source'))}</pre>")
    if not shown:
        parts.append("<p>No answer was found between this question's markers: write it in the answer "
                     "cell(s) below the question, without deleting the question's cells.</p>")
    if answer.truncated:
        parts.append("<p>(The answer was cut at the size limit.)</p>")
    return {"name": f"{answer.question}: written answer (graded by hand)", "status": "passed" if shown else "failed",
            "visibility": "visible", "output": "".join(parts), "output_format": "html"}


def _stopped_before_public_checks_ended(result: Result) -> bool:
    """The student's process died or ran out of time before every public test had its verdict
    (public tests run first), so the public tests already show it. A process that died while
    hidden tests probed it is their result, and stays hidden with them."""
    public = [t for q in result.questions for t in q.tests if not t.hidden]
    return any(t.message.startswith(NOT_GRADED) for t in public)


def summary_lines(result: Result, *, hidden_visible: bool) -> list[str]:
    """The top-level output as lines of text; without ``hidden_visible``, nothing hidden tests decided."""
    public = [t for q in result.questions for t in q.tests if not t.hidden]
    hidden = [t for q in result.questions for t in q.tests if t.hidden]
    raised = _problem_cells(result.cells)
    lines = []
    if hidden_visible:
        lines.append(f"{points(result.score)} / {points(result.max_score)} points from the autograder.")
        lines.append("Every cell ran." if result.status == "ok" else f"Status {result.status}: {result.message}.")
    else:
        if public:
            lines.append(f"Public checks: {sum(t.passed for t in public)} of {len(public)} passed. They test "
                         "the format of your answers and are worth 0 points.")
        if hidden:
            lines.append("Your points come from hidden tests run on fresh data; their results and your "
                         "autograded score appear when your instructor publishes the grades.")
        if raised:
            lines.append("Cells that raised: " + "; ".join(_cell_line(c) for c in raised[:5])
                         + (f" (and {len(raised) - 5} more)" if len(raised) > 5 else "") + ".")
        if result.status == "ungradable" or (result.status in ("kernel_died", "timeout")
                                             and _stopped_before_public_checks_ended(result)):
            lines.append(result.message if result.message.startswith(result.status)
                         else f"Status {result.status}: {result.message}.")
        elif not raised:
            lines.append("Every cell of your notebook ran.")
    if result.written:
        lines.append("Graded by hand: " + ", ".join(w.question for w in result.written)
                     + " (your answers are shown below for the graders).")
    return lines


def results_json(result: Result, *, hidden_visibility: str, execution_time: float) -> dict[str, Any]:
    """Gradescope's results.json for one graded submission (see the module docstring)."""
    hidden_visible = hidden_visibility == PUBLISHED
    cells_of: dict[str | None, list[CellResult]] = {}
    for cell in result.cells:
        cells_of.setdefault(cell.question, []).append(cell)
    # what hidden tests show has its own budget: their pictures never crowd out visible ones
    budget, hidden_budget = _Budget(), _Budget()
    tests: list[dict[str, Any]] = []
    for question in result.questions:
        own = cells_of.get(question.name, [])
        tests += [_test_entry(question.name, t, own, hidden_visibility, hidden_budget if t.hidden else budget)
                  for t in question.tests]
        entry = _cells_entry(question.name, own, budget)
        if entry:
            tests.append(entry)
    names = {q.name for q in result.questions} | {w.question for w in result.written}
    other = _cells_entry("other", [c for c in result.cells if c.question not in names], budget)
    if other:
        tests.append(other)
    tests += [_written_entry(w) for w in result.written]
    lines = summary_lines(result, hidden_visible=hidden_visible)
    dropped = budget.dropped + (hidden_budget.dropped if hidden_visible else 0)
    if dropped:
        lines.append(f"{dropped} picture(s) were left out to keep this page small.")
    data = {"score": result.score, "execution_time": round(execution_time, 2),
            "output": "".join(f"<p>{esc(line)}</p>" for line in lines), "output_format": "html",
            "visibility": "visible", "stdout_visibility": "hidden", "tests": tests}
    if not hidden_visible:
        del data["execution_time"]  # hidden tests' running time is theirs (stdout has it for instructors)
    return data


def instructor_summary(result: Result) -> str:
    """Everything, for the autograder's stdout (only instructors see it)."""
    return (f"{points(result.score)} / {points(result.max_score)} points; status {result.status}: {result.message}"
            + "".join(f"\n  {q.name}: {points(q.score)} / {points(q.max_score)}: {q.message}"
                      for q in result.questions))
