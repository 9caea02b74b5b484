"""Where the course's folders are: the repository root holds solutions/, assignments/ and dist/."""

from __future__ import annotations

import os
from pathlib import Path


def course_root() -> Path:
    """The course repository: ``NNCOURSE_ROOT``, else the checkout this package lives in, else cwd."""
    env = os.environ.get("NNCOURSE_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve().parents[1]
    if (here / "solutions").is_dir():
        return here
    return Path.cwd().resolve()


def solutions_dir() -> Path:
    return course_root() / "solutions"


def assignments_dir() -> Path:
    return course_root() / "assignments"


def dist_dir() -> Path:
    return course_root() / "dist"


def corpus_dir(assignment: str | None = None) -> Path:
    """The grading corpus (``tests/corpus/``), or one assignment's folder in it."""
    root = course_root() / "tests" / "corpus"
    return root / assignment if assignment else root
