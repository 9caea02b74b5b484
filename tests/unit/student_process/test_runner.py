"""A failing cell's traceback costs the same to report whatever its depth or its chain's length."""

from __future__ import annotations

import sys
import time
import traceback

from autograder.student_process.runner import SHOWN_CHAIN, SHOWN_FRAMES, Runner, bounded_for_display, shortened


class Messages:
    """Where the runner's messages to the grader go in these tests (its channel's ``send``)."""

    def __init__(self) -> None:
        self.sent: list[dict] = []

    def send(self, message: dict) -> None:
        self.sent.append(message)


def deep_error(depth: int) -> RecursionError:
    def down(n: int) -> int:
        if n >= depth:
            raise RecursionError("deep")
        return down(n + 1)

    try:
        down(0)
    except RecursionError as exc:
        return exc
    raise AssertionError("no error")


def test_a_deep_traceback_keeps_its_outermost_and_innermost_frames():
    exc = deep_error(500)
    total = len(traceback.extract_tb(exc.__traceback__))
    short, cut = shortened(exc.__traceback__)
    kept = traceback.extract_tb(short)
    assert len(kept) == sum(SHOWN_FRAMES) and cut == total - sum(SHOWN_FRAMES)
    assert kept[0] == traceback.extract_tb(exc.__traceback__)[0]
    assert kept[-1].lineno == traceback.extract_tb(exc.__traceback__)[-1].lineno
    assert shortened(deep_error(3).__traceback__)[1] == 0  # a short one is left as it is


def test_a_long_chain_of_exceptions_is_cut():
    error: BaseException | None = None
    for i in range(1000):
        try:
            raise ValueError(i) from error
        except ValueError as exc:
            error = exc
    bounded_for_display(error)
    chain, current = 0, error
    while current is not None:
        chain, current = chain + 1, current.__cause__
    assert chain == SHOWN_CHAIN


def test_a_cell_recursing_to_the_limit_reports_quickly_with_a_short_traceback():
    """Once IPython took minutes to format a 3,000-frame RecursionError under load; now the output
    shows a bounded traceback whatever the recursion limit (a student may raise it)."""
    runner = Runner(Messages())
    source = "import sys\nsys.setrecursionlimit(20_000)\ndef down(n):\n    return down(n + 1)\ndown(0)"
    limit = sys.getrecursionlimit()
    started = time.perf_counter()
    try:
        runner.run_cells([{"index": 1, "source": source}])
    finally:
        sys.setrecursionlimit(limit)
    seconds = time.perf_counter() - started
    done = runner.channel.sent[-1]
    assert done["error"]["ename"] == "RecursionError" and len(done["error"]["frames"]) == 5
    assert "frames of this traceback are not shown" in done["output"]
    assert done["output"].count("down(n + 1)") <= sum(SHOWN_FRAMES) + 1
    print(f"a 20,000-frame RecursionError reported in {seconds:.1f} s")
