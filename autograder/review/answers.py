"""The written answers of a graded class, per question, with identical answers grouped.

Answers come from the stored results (``GRADES/results/<id>.json``, :class:`~autograder.engine.result.Result`):
the engine copied each hand-graded question's cells there at grading time, size-capped and never
run. Two answers are identical when their cells are, ignoring blank lines and trailing spaces.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass, field

from autograder.engine.result import Result, WrittenAnswer


@dataclass
class Group:
    """One answer text and every submission that gave it."""

    key: str
    members: list[str]
    cells: list[dict[str, str]]
    truncated: bool = False
    tokens: dict[str, str] = field(default_factory=dict)  # submission -> opaque token for forms


def answer_digest(answer: WrittenAnswer) -> str:
    normal = [(c.get("cell_type", ""), re.sub(r"[ \t]+\n", "\n", str(c.get("source", ""))).strip())
              for c in answer.cells]
    normal = [c for c in normal if c[1]]
    return hashlib.sha256(json.dumps(normal).encode()).hexdigest()[:16]


class Answers:
    """The class's written answers, grouped per question; tokens hide submission ids in forms."""

    def __init__(self, results: list[Result], *, anonymous: bool = False) -> None:
        self._secret = secrets.token_bytes(16)
        self.anonymous = anonymous
        self.by_question: dict[str, dict[str, WrittenAnswer]] = {}
        for result in results:
            for answer in result.written:
                self.by_question.setdefault(answer.question, {})[result.submission] = answer
        self.token_of = {s: self.token(s) for answers in self.by_question.values() for s in answers}
        self.submission_of = {t: s for s, t in self.token_of.items()}

    def token(self, submission: str) -> str:
        return hmac.new(self._secret, submission.encode(), hashlib.sha256).hexdigest()[:12]

    def label(self, submission: str) -> str:
        """What the page calls a student: their id, or in anonymous mode a number that says nothing."""
        if not self.anonymous:
            return submission
        order = sorted(self.token_of.values())
        return f"Student {order.index(self.token_of[submission]) + 1}"

    def groups(self, question: str, *, together: bool = True) -> list[Group]:
        """The question's answers: one group per distinct answer (``together``) or per student.

        Ordered by the first member's id, or by token in anonymous mode (so the order says nothing).
        """
        answers = self.by_question.get(question, {})
        grouped: dict[str, Group] = {}
        for submission, answer in sorted(answers.items()):
            key = answer_digest(answer) if together else self.token_of[submission]
            group = grouped.setdefault(key, Group(key, [], answer.cells, answer.truncated))
            group.members.append(submission)
            group.tokens[submission] = self.token_of[submission]
        order = (lambda g: min(g.tokens.values())) if self.anonymous else (lambda g: g.members[0])
        return sorted(grouped.values(), key=order)
