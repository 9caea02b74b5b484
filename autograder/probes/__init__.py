"""Observations taken inside the student's process (the sandbox side).

A probe receives the student's objects (resolved from the notebook's globals) and the grader's
inputs, runs the student's code on them and returns plain values: numbers, strings, lists and
numeric arrays. Probes never decide anything and never see hidden labels; the grader's checks
(``autograder.checks``) turn their observations into verdicts in the grader's own process.

``registry`` holds :data:`PROBES` and what every probe needs; ``models`` builds models; the other
modules hold the probes by topic (values, modules, calls, training, digits, fitted, plots).
Importing this package registers them all.
"""

from __future__ import annotations

from typing import Any

from autograder.probes import calls, capture, digits, fitted, models, modules, plots, training, values  # noqa: F401
from autograder.probes.registry import PROBES, WrongType, as_tensor, plain, probe, seed_everything, type_name

__all__ = ["PROBES", "WrongType", "as_tensor", "plain", "probe", "seed_everything", "type_name"]


def __getattr__(name: str) -> Any:
    """A probe by name (``autograder.probes.value``), as registered."""
    try:
        return PROBES[name]
    except KeyError:
        raise AttributeError(f"module 'autograder.probes' has no attribute {name!r}") from None
