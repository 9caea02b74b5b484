"""Grading configuration: declared once, with a type, a default and a description per key.

Each master notebook carries a ``# GRADING CONFIG`` raw cell (YAML) right after otter's
``# ASSIGNMENT CONFIG``; ``nncourse build`` removes it before otter sees the notebook and writes
it, completed with these defaults, to ``dist/<hw>/grading.json``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

import yaml

GRADING_CONFIG_MARKER = "# GRADING CONFIG"


@dataclass
class Profile:
    """A named grading profile (``cpu``, ``cuda``): where checks run and what they must reach."""

    device: str = field(default="cpu", metadata={"help": "torch device the checks use"})
    thresholds: dict[str, float] = field(default_factory=dict,
                                         metadata={"help": "named accuracy/score thresholds"})
    budgets: dict[str, float] = field(default_factory=dict,
                                      metadata={"help": "named budgets (epochs, seconds) for checks"})


@dataclass
class GradingConfig:
    """Per-assignment grading settings."""

    seed: int = field(default=0, metadata={"help": "grader seed: fresh data and notebook seeds derive from it"})
    submission_timeout: float = field(default=600.0, metadata={"help": "seconds for one whole submission"})
    cell_timeout: float = field(default=120.0, metadata={"help": "seconds for one notebook cell"})
    probe_timeout: float = field(default=60.0, metadata={"help": "seconds for one check's call into student code"})
    memory_mb: int = field(default=4096, metadata={"help": "memory cap of the student process (MB)"})
    threads: int = field(default=1, metadata={"help": "torch threads in the student process"})
    preload: list[str] = field(default_factory=list, metadata={
        "help": "modules the fork server imports once, besides those the student notebook imports "
                "(one a library imports lazily, for example)"})
    gradescope_hidden_visibility: str = field(
        default="after_published",
        metadata={"help": "when students see hidden tests on Gradescope: hidden, after_due_date, "
                          "after_published or visible"})
    profiles: dict[str, Profile] = field(default_factory=lambda: {"cpu": Profile()},
                                         metadata={"help": "grading profiles by name"})

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "GradingConfig":
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown grading config keys: {', '.join(sorted(unknown))}")
        values = dict(data)
        profiles = values.pop("profiles", None) or {"cpu": {}}
        visibility = values.get("gradescope_hidden_visibility", "after_published")
        if visibility not in ("hidden", "after_due_date", "after_published", "visible"):
            raise ValueError(f"gradescope_hidden_visibility {visibility!r} is not one of hidden, "
                             "after_due_date, after_published, visible")
        return cls(**values, profiles={name: Profile(**(spec or {})) for name, spec in profiles.items()})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def profile(self, name: str) -> Profile:
        try:
            return self.profiles[name]
        except KeyError:
            raise ValueError(f"no grading profile {name!r}; this assignment has "
                             f"{', '.join(sorted(self.profiles))}") from None


def parse_grading_cell(source: str) -> GradingConfig:
    body = source.strip()
    if body.startswith(GRADING_CONFIG_MARKER):
        body = body[len(GRADING_CONFIG_MARKER):]
    return GradingConfig.from_dict(yaml.safe_load(body) or {})


def _cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def resolve_profile(requested: str, config: GradingConfig) -> str:
    """``auto`` picks ``cuda`` when a GPU is visible and the assignment has that profile, else ``cpu``."""
    if requested != "auto":
        chosen = config.profile(requested)
        if chosen.device.startswith("cuda") and not _cuda_available():
            raise ValueError(f"the {requested} profile runs on {chosen.device}, but torch sees no CUDA GPU on "
                             "this machine: grade with --profile cpu (or auto, which picks cpu here)")
        return requested
    try:
        import torch

        if torch.cuda.is_available() and "cuda" in config.profiles:
            return "cuda"
    except ImportError:
        pass
    return "cpu"
