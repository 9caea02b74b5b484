"""Hidden data derives from the assignment's secret: not reproducible from the seed and public names."""

from __future__ import annotations

from autograder.checks.base import GradingContext, grading, notebook_seed, seed_for

SECRET = "ab" * 32


def seeds(secret: str, seed: int = 7, test: str = "test_q1") -> list[int]:
    with grading(GradingContext(seed=seed, secret=secret, test_name=test)):
        return [seed_for("fresh-AND"), seed_for("inputs")]


def test_seeds_under_a_secret_are_stable_and_differ_from_the_public_scheme():
    """The same secret, seed and test give the same seeds on every run (same grade on rerun); without the
    secret (the public hash a notebook could compute) they are different numbers."""
    assert seeds(SECRET) == seeds(SECRET)
    assert seeds(SECRET) != seeds("")
    assert seeds(SECRET) != seeds("cd" * 32)


def test_the_notebook_seed_is_neither_the_grading_seed_nor_a_data_seed():
    """The notebook's own randomness (``torch.initial_seed()`` in the student process) gets a seed that is
    not the grading seed and not one of the data seeds."""
    seed = notebook_seed(SECRET, 7)
    assert seed == notebook_seed(SECRET, 7) and seed != 7
    assert seed not in seeds(SECRET)
    assert notebook_seed("", 7) == 7  # no secret (tests of the engine only): nothing to hide
