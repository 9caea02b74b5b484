"""The parts of a student's feedback page that come from people, not tests: the written questions'
points and TA comments, the late penalty and how it was computed, and the final score.

Comments are the TAs' text, escaped like everything else on the page (newlines kept).
"""

from __future__ import annotations

from autograder.reports.feedback import esc, num
from autograder.reports.marks import Marks


def score_box_html(marks: Marks) -> str:
    """The score lines at the top: final score, and how it was made when there is more than tests."""
    lines = [f"<p><strong>Score: {num(marks.final)} / {num(marks.max_score)}</strong></p>\n"]
    if marks.written or marks.penalty:
        parts = [f"autograded {num(marks.autograded)} / {num(marks.autograded_max)}"]
        if marks.written:
            parts.append(f"written {num(marks.written_points)} / {num(sum(w.max_score for w in marks.written))}")
        if marks.penalty:
            parts.append(f"late penalty -{num(marks.penalty)}")
        lines.append(f"<p>{esc(', '.join(parts))}.</p>\n")
    if marks.ungraded:
        lines.append(f'<p class="note">Not graded yet: {esc(", ".join(marks.ungraded))}. This score will '
                     "change when they are.</p>\n")
    return "".join(lines)


def written_html(marks: Marks) -> str:
    """One section per written question: the TA's points and comment, or "not graded yet"."""
    parts = []
    for w in marks.written:
        if w.points is None:
            state = "not graded yet" if w.answered else "0 (your notebook could not be read)"
            parts.append(f"<h2>{esc(w.question)} (written): {esc(state)} / {num(w.max_score)} points</h2>\n")
            continue
        parts.append(f"<h2>{esc(w.question)} (written): {num(w.points)} / {num(w.max_score)} points</h2>\n")
        comment = w.grade.comment if w.grade else ""
        if comment:
            paragraphs = "".join(f"<p>{esc(p)}</p>" for p in comment.split("\n") if p.strip())
            parts.append(f'<div class="box comment"><p class="note">Comment from your grader'
                         f'{" (" + esc(w.grade.grader) + ")" if w.grade.grader else ""}:</p>{paragraphs}</div>\n')
    return "".join(parts)


def late_html(marks: Marks) -> str:
    """The late section: when it was submitted, the due date that applied and the penalty's arithmetic."""
    late = marks.lateness
    if late is None or not (late.late or late.extended):
        return ""
    text = esc(late.explanation)
    if marks.penalty:
        text += (f" Raw score {num(marks.raw)} - {num(late.percent)}% = {num(marks.raw)} - "
                 f"{num(marks.penalty)} = <strong>{num(marks.final)}</strong>.")
    return f"<h2>Late submission</h2>\n<p>{text}</p>\n"
