"""Shared fixtures for the grading engine's own tests: the hw01 bundle and a local check runner.

Two tiers: ``uv run pytest`` (what CI runs: 9 minutes on 2 cores, on two pytest-xdist
workers) covers every feature at least once; ``uv run pytest --full`` (or ``NNCOURSE_FULL=1``)
adds the tests marked ``full``, which repeat a covered path on more inputs (every assignment
through Gradescope's ``run_autograder``, one job against two, a Dask cluster, a second grader seed
of the margin rule).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any, Callable

import pytest

from autograder import paths
from autograder.checks import CheckFailed
from autograder.checks.base import GradingContext, grading
from autograder.engine.assignment import Assignment
from tests.helpers import profile_thresholds

SEED = 20260101


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--full", action="store_true",
                     help="also run the exhaustive tier (tests marked full; not in CI)")


# Modules that look at the whole machine (processes, IPC tables) while others make what they look
# for: one pytest-xdist worker runs them one after the other.
ONE_WORKER = {"tests/unit/student_process/test_sandbox.py", "tests/unit/student_process/test_cgroups.py",
              "tests/attacks/test_attacks.py", "tests/attacks/test_noisy_neighbour.py"}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`-n 2` (pyproject): a module's tests stay on one pytest-xdist worker, so its module-scoped
    fixtures (a graded corpus, a graded batch) are made once; ONE_WORKER's modules share one."""
    from xdist.scheduler import LoadScopeScheduling

    class ByModule(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return "whole machine" if module in ONE_WORKER else module

    return ByModule(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if full_tier(config):
        return
    skip = pytest.mark.skip(reason="exhaustive tier: run with `uv run pytest --full`")
    for item in items:
        if item.get_closest_marker("full"):
            item.add_marker(skip)


def full_tier(config: pytest.Config) -> bool:
    """Whether this run includes the exhaustive tier."""
    return bool(config.getoption("--full") or os.environ.get("NNCOURSE_FULL"))


@pytest.fixture(scope="session", autouse=True)
def bundles() -> None:
    """Every assignment's grading bundle, built once per session when missing or stale (a clean
    clone): grading never builds by itself."""
    from autograder.authoring.build import assignment_names, build
    from autograder.engine.assignment import bundle_problem

    # pytest-xdist workers (`-n 2`) each run this: the first builds, the others wait and find them fresh
    root = str(paths.course_root().resolve()).encode()
    checkout = hashlib.sha256(root).hexdigest()[:12]
    lock_file = Path(tempfile.gettempdir()) / f"nncourse-test-bundles-{os.getuid()}-{checkout}.lock"
    with open(lock_file, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stale = [name for name in assignment_names() if bundle_problem(name)]
        if stale:
            build(stale, check=True)


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
    """The hw01 grading bundle."""
    return Assignment.load("hw01")


@pytest.fixture(scope="session")
def thresholds() -> dict[str, float]:
    """The thresholds of hw01's ``cpu`` profile: checks are judged by what CI grades with."""
    return profile_thresholds("hw01")


@pytest.fixture
def run_check(thresholds: dict[str, float]) -> Callable[..., GradingContext]:
    """Run a check locally on real objects, as in a student's notebook, under a grading context.

    Returns the context, so a test can look at the measurements the check recorded.
    """

    def run(check: Callable[..., Any], *args: Any, seed: int = SEED, test_name: str = "unit", secret: str = "",
            **kwargs: Any) -> GradingContext:
        context = GradingContext(seed=seed, test_name=test_name, secret=secret, thresholds=thresholds)
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
