"""The batch progress display: one line per submission off a terminal, a bar with ETA on one."""

from __future__ import annotations

import io

from autograder.batch.progress import Progress
from autograder.engine.result import Result


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def result(name: str, score: float = 17, status: str = "ok", seconds: float = 2.5) -> Result:
    return Result(submission=name, assignment="hw01", score=score, max_score=17, status=status, seconds=seconds)


def test_off_a_terminal_each_submission_gets_one_line_with_its_score_and_status():
    stream = io.StringIO()
    with Progress(3, stream) as progress:
        progress.update(result("alice"), reused=False)
        progress.update(result("bob", 0, "timeout"), reused=True)
    lines = stream.getvalue().splitlines()
    assert lines[0].strip().startswith("[1/3] alice: 17/17 (ok, 2.5 s)")
    assert lines[1].strip().startswith("[2/3] bob: 0/17 (timeout, reused)")
    assert len(lines) == 2


def test_eta_comes_from_graded_submissions_only():
    """Reused results cost nothing, so they do not speed up the estimate."""
    progress = Progress(10, io.StringIO())
    assert progress.eta() == "--:--"
    progress.update(result("a"), reused=True)
    assert progress.eta() == "--:--"  # nothing graded in this run yet
    progress.started -= 30  # one submission took 30 s
    progress.update(result("b"), reused=False)
    minutes, seconds = map(int, progress.eta().split(":"))
    assert 230 <= minutes * 60 + seconds <= 250  # 8 left at ~30 s each


def test_on_a_terminal_a_bar_is_redrawn_in_place_and_ended_with_a_newline():
    stream = Terminal()
    with Progress(2, stream) as progress:
        progress.update(result("alice"), reused=False)
        progress.update(result("bob"), reused=False)
    text = stream.getvalue()
    assert text.count("\r") == 2 and text.endswith("\n")
    assert "#" * 30 in text and "[2/2]" in text
