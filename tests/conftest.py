"""Shared fixtures for the grading engine's own tests: the hw01 bundle and a local check runner."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from autograder.checks import CheckFailed
from autograder.checks.base import GradingContext, grading
from autograder.engine.assignment import Assignment

SEED = 20260101


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """Tiny models train on one thread, as in the student process (config ``threads: 1``).

    On a busy 2-core machine this makes the local trainings here 10-50x faster; restored afterwards.
    """
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def hw01() -> Assignment:
    """The hw01 grading bundle (built from the master notebook when dist/ is missing or stale)."""
    return Assignment.load("hw01")


@pytest.fixture(scope="session")
def thresholds(hw01: Assignment) -> dict[str, float]:
    """The thresholds of hw01's ``cpu`` profile: checks are judged by what CI grades with."""
    return dict(hw01.config.profile("cpu").thresholds)


@pytest.fixture
def run_check(thresholds: dict[str, float]) -> Callable[..., GradingContext]:
    """Run a check locally on real objects, as in a student's notebook, under a grading context.

    Returns the context, so a test can look at the measurements the check recorded.
    """

    def run(check: Callable[..., Any], *args: Any, seed: int = SEED, test_name: str = "unit",
            **kwargs: Any) -> GradingContext:
        context = GradingContext(seed=seed, test_name=test_name, thresholds=thresholds)
        with grading(context):
            check(*args, **kwargs)
        return context

    return run


@pytest.fixture
def check_fails(run_check: Callable[..., GradingContext]) -> Callable[..., str]:
    """Run a check that must fail; return its message for the student."""

    def run(check: Callable[..., Any], *args: Any, **kwargs: Any) -> str:
        with pytest.raises(CheckFailed) as failure:
            run_check(check, *args, **kwargs)
        message = str(failure.value)
        assert message.strip(), "a failing check must say why"
        return message

    return run
