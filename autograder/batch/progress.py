"""Progress of a batch on the terminal: a bar with rate and ETA, or one line per submission."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from autograder.engine.result import Result
from autograder.reports.escape import terminal


class Progress:
    """``update(result, reused)`` after each submission; a context manager that ends the line."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.done = 0
        self.graded = 0
        self.started = time.monotonic()

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.tty and self.done:
            self.stream.write("\n")
            self.stream.flush()

    def eta(self) -> str:
        """Time left, from the pace of the submissions graded in this run (reused ones are free)."""
        if not self.graded or self.done >= self.total:
            return "--:--"
        left = (time.monotonic() - self.started) / self.graded * (self.total - self.done)
        return f"{int(left // 60):02d}:{int(left % 60):02d}"

    def update(self, result: Result, reused: bool) -> None:
        self.done += 1
        self.graded += not reused
        where = f"[{self.done}/{self.total}]"
        what = (f"{terminal(result.submission)}: {result.score}/{result.max_score} ({terminal(result.status)}"
                + (", reused)" if reused else f", {result.seconds} s)"))
        if self.tty:
            width = 30
            filled = int(width * self.done / max(1, self.total))
            line = f"\r{'#' * filled}{'.' * (width - filled)} {where} ETA {self.eta()}  {what}"
            self.stream.write(line[:160].ljust(160))
        else:
            self.stream.write(f"  {where} {what}  ETA {self.eta()}\n")
        self.stream.flush()
