"""How one submission is graded: the options a TA (or Gradescope) chose, with their names kept."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class GradeOptions:
    """Options of one grading run; None means the assignment's GRADING CONFIG value."""

    profile: str = "cpu"
    seed: int | None = None
    timeout: float | None = None  # seconds of CPU time for the whole submission
    wall_timeout: float | None = None  # seconds of wall time for it; None: cputime.WALL_FACTOR x timeout
    memory_mb: int | None = None
    hidden_paths: tuple[Path, ...] = field(default=())  # hidden from the student besides the grader's own

    def key(self) -> dict[str, Any]:
        """The options that change a grade (resume keys on them)."""
        values = asdict(self)
        values.pop("hidden_paths")
        return values
