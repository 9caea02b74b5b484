"""The outcome of grading one submission: one typed value that every report, Gradescope and resume read.

The engine (:mod:`autograder.engine.grade`) makes a :class:`Result`; the gradebook, feedback pages,
class summary, progress bar, Gradescope's results.json and batch resume consume it. On disk it is
the JSON of :meth:`Result.to_json` (``results/<id>.json``), tagged with :data:`SCHEMA_VERSION`; a
stored result of another schema is not read back (it is graded again). A field added with a default
(``grader_error``, ``signature``) keeps the schema: older and newer graders read each other's files.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

SCHEMA_VERSION = 2
Status = Literal["ok", "error", "timeout", "kernel_died", "ungradable"]
STATUSES: tuple[str, ...] = ("ok", "error", "timeout", "kernel_died", "ungradable")


def points(value: float) -> float | int:
    """Points as a student reads them: ``2``, ``1.5``, never ``2.0``."""
    return int(value) if float(value).is_integer() else round(float(value), 3)


@dataclass
class Image:
    """A picture for the student: base64 PNG data with a caption."""

    data: str
    title: str = ""
    mime: str = "image/png"


@dataclass
class TestResult:
    """One test case of a question: its verdict, points and the message the student reads."""

    __test__ = False  # not a pytest test class

    name: str
    hidden: bool
    passed: bool
    score: float
    max_score: float
    message: str
    measurements: list[dict[str, float | str]] = field(default_factory=list)
    figures: list[Image] = field(default_factory=list)


@dataclass
class QuestionResult:
    """An autograded question: the sum of its tests, and a one-line summary of what failed."""

    name: str
    score: float
    max_score: float
    message: str
    tests: list[TestResult] = field(default_factory=list)


@dataclass
class CellResult:
    """One code cell as it ran in the student process."""

    cell: int
    question: str | None
    seconds: float = 0.0
    error: dict[str, Any] | None = None  # {ename, evalue, frames: [{cell, line, code}]}
    timed_out: bool = False
    output: str = ""
    images: list[Image] = field(default_factory=list)


@dataclass
class WrittenAnswer:
    """A manually graded question's answer: the student's cells between its markers, never run."""

    question: str
    max_score: float
    cells: list[dict[str, str]] = field(default_factory=list)  # [{cell_type, source}]
    truncated: bool = False


@dataclass
class Result:
    """Everything grading one submission produced (see the module docstring)."""

    submission: str
    assignment: str
    file: str = ""
    grader_version: str = ""
    profile: str = "cpu"
    seed: int = 0
    sha256: str | None = None
    status: str = "ok"
    message: str = ""
    score: float = 0
    max_score: float = 0
    questions: list[QuestionResult] = field(default_factory=list)
    cells: list[CellResult] = field(default_factory=list)
    written: list[WrittenAnswer] = field(default_factory=list)
    sandbox: str | None = None
    fingerprint: str | None = None  # digest of every value the student's code returned to the probes
    process_output: str = ""
    seconds: float = 0.0
    key: str | None = None  # what it was graded from (batch resume)
    grader_error: bool = False  # the grader itself failed on it: graded again on resume
    signature: str | None = None  # HMAC of the grader that wrote it (autograder.batch.resume)
    schema: int = SCHEMA_VERSION

    def points_by_question(self) -> dict[str, float]:
        return {q.name: q.score for q in self.questions}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Result":
        """The Result ``to_dict`` gave; ValueError for another schema or a malformed one."""
        if not isinstance(data, dict) or data.get("schema") != SCHEMA_VERSION:
            raise ValueError(f"not a grading result of schema {SCHEMA_VERSION}")
        try:
            values = {f.name: data[f.name] for f in fields(cls) if f.name in data}
            values["questions"] = [
                QuestionResult(**{**q, "tests": [TestResult(**{**t, "figures": [Image(**i) for i in t["figures"]]})
                                                 for t in q["tests"]]})
                for q in data.get("questions", [])]
            values["cells"] = [CellResult(**{**c, "images": [Image(**i) for i in c["images"]]})
                               for c in data.get("cells", [])]
            values["written"] = [WrittenAnswer(**w) for w in data.get("written", [])]
            return cls(**values)
        except (KeyError, TypeError) as exc:
            raise ValueError(f"malformed grading result: {exc}") from None

    @classmethod
    def from_json(cls, text: str) -> "Result":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ValueError(f"malformed grading result: {exc}") from None
        return cls.from_dict(data)
