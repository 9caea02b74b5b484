"""An assignment as the grader sees it: its built bundle (tests, configuration, written questions).

Loading never builds. A bundle records a digest of the master notebook's folder it was built from;
when that folder changed since, or the bundle is missing, :class:`BundleNotReady` says so and
names the command that builds it (``nncourse grade`` runs that build visibly).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from autograder import paths
from autograder.config import GradingConfig
from autograder.engine.bundle import TestFile, load_test_dir


class BundleNotReady(Exception):
    """The grading bundle is missing or older than its master notebook; the message says what to run."""


@dataclass
class ManualQuestion:
    """A question graded by hand (``manual: true``): name, points and its prompt in the master."""

    name: str
    points: float
    prompt: str = ""
    rubric: list[str] = field(default_factory=list)


@dataclass
class Assignment:
    """An assignment's grading bundle: tests (public and hidden), configuration, written questions."""

    name: str
    bundle: Path
    config: GradingConfig
    tests: list[TestFile]
    manual: list[ManualQuestion] = field(default_factory=list)

    @classmethod
    def load(cls, name: str, bundle: Path | None = None) -> "Assignment":
        """The built bundle of ``name`` (``dist/<name>``, or ``bundle``); raises BundleNotReady."""
        if bundle is None:
            bundle = paths.dist_dir() / name
            problem = bundle_problem(name)
            if problem:
                raise BundleNotReady(problem)
        config = GradingConfig.from_dict(json.loads((bundle / "grading.json").read_text(encoding="utf-8")))
        manual = _read_manual(bundle / "manual.json")
        return cls(name, bundle, config, load_test_dir(bundle / "tests"), manual)

    @property
    def max_score(self) -> float:
        return sum(t.points for t in self.tests)

    def __reduce__(self) -> tuple:
        # tests are code loaded from the bundle: another process (a Dask worker) loads them again
        return (Assignment.load, (self.name, self.bundle))


def _read_manual(path: Path) -> list[ManualQuestion]:
    if not path.is_file():
        return []
    return [ManualQuestion(**q) for q in json.loads(path.read_text(encoding="utf-8"))]


def source_digest(name: str) -> str:
    """A digest of the master notebook's folder (every file, by relative path and content)."""
    folder = paths.solutions_dir() / name
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()
                       and ".ipynb_checkpoints" not in p.parts and "__pycache__" not in p.parts):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


SOURCE_FILE = "SOURCE"  # in a bundle: the source_digest it was built from


def bundle_problem(name: str) -> str | None:
    """Why ``dist/<name>`` cannot be used as it is (None when it is current)."""
    bundle = paths.dist_dir() / name
    master = paths.solutions_dir() / name / f"{name}.ipynb"
    if not master.is_file():
        if (bundle / "grading.json").is_file():
            return None  # a deployed bundle without its master (a TA's copy): use it as it is
        return f"unknown assignment {name!r}: there is no {master} and no built bundle in {bundle}"
    if not (bundle / "grading.json").is_file():
        return f"the grading bundle of {name} is not built yet: run `nncourse build {name}`"
    recorded = (bundle / SOURCE_FILE).read_text().strip() if (bundle / SOURCE_FILE).is_file() else ""
    if recorded != source_digest(name):
        return (f"the grading bundle of {name} is older than solutions/{name}/: "
                f"run `nncourse build {name}`")
    return None
