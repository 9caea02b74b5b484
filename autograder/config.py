"""Grading configuration: declared once, with a type, a default and a description per key.

Each master notebook carries a ``# GRADING CONFIG`` raw cell (YAML) right after otter's
``# ASSIGNMENT CONFIG``; ``nncourse build`` removes it before otter sees the notebook and writes
it, completed with these defaults, to ``dist/<hw>/grading.json``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
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
class LatePolicy:
    """How late submissions lose points (the GRADING CONFIG's ``late:`` mapping).

    Lateness is measured from ``due`` (a student's extension moves it); a submission within
    ``grace_minutes`` of it is on time. Past that, every started ``per`` (day or hour) costs
    ``penalty`` percent of the submission's raw score (autograded plus written points), up to
    ``cap`` percent; more than ``zero_after_days`` days late scores 0.
    """

    due: str = field(default="", metadata={
        "help": "due date and time, ISO 8601 with its UTC offset (2026-02-06T23:59:00+01:00); "
                "empty: no late policy"})
    grace_minutes: float = field(default=0.0, metadata={"help": "minutes after due that still count as on time"})
    penalty: float = field(default=0.0, metadata={"help": "percent of the raw score lost per started period"})
    per: str = field(default="day", metadata={"help": "the period the penalty counts: day or hour"})
    cap: float = field(default=100.0, metadata={"help": "largest total penalty, percent of the raw score"})
    zero_after_days: float | None = field(default=None, metadata={
        "help": "more days late than this scores 0 (none: never)"})
    timezone: str = field(default="", metadata={
        "help": "IANA time zone (Europe/Berlin) for LMS times written without one (Moodle's grading "
                "worksheet); empty: the due date's UTC offset"})

    @classmethod
    def from_dict(cls, data: Any) -> "LatePolicy":
        if not isinstance(data, dict):
            raise ValueError("late: must be a mapping (due, grace_minutes, penalty, per, cap, zero_after_days)")
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown late: keys {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}")
        values = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in data.items()}
        policy = cls(**values)
        policy.due_at()  # validates
        if policy.per not in ("day", "hour"):
            raise ValueError(f"late: per is {policy.per!r}; write day or hour")
        for name in ("grace_minutes", "penalty", "cap"):
            value = getattr(policy, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"late: {name} is {value!r}; write a number >= 0")
        if policy.zero_after_days is not None and (
                isinstance(policy.zero_after_days, bool) or not isinstance(policy.zero_after_days, (int, float))
                or policy.zero_after_days < 0):
            raise ValueError(f"late: zero_after_days is {policy.zero_after_days!r}; write a number >= 0 or leave it out")
        if policy.timezone:
            from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

            try:
                ZoneInfo(policy.timezone)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"late: timezone {policy.timezone!r} is not an IANA time zone name "
                                 "(for example Europe/Berlin)") from None
        return policy

    def due_at(self) -> datetime | None:
        """``due`` as an aware datetime (UTC), or None without a late policy."""
        if not self.due:
            return None
        try:
            due = datetime.fromisoformat(str(self.due).strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"late: due {self.due!r} is not an ISO 8601 date and time "
                             "(write 2026-02-06T23:59:00+01:00)") from None
        if due.tzinfo is None:
            raise ValueError(f"late: due {self.due!r} has no UTC offset; write one "
                             "(2026-02-06T23:59:00+01:00, or Z for UTC)")
        return due.astimezone(timezone.utc)


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
    late: LatePolicy = field(default_factory=LatePolicy, metadata={
        "help": "late policy: due date, grace, penalty per day or hour, cap, zero after N days "
                "(see LatePolicy); per-student extensions come from GRADES/extensions.csv"})

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "GradingConfig":
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown grading config keys: {', '.join(sorted(unknown))}")
        values = dict(data)
        profiles = values.pop("profiles", None) or {"cpu": {}}
        values["late"] = LatePolicy.from_dict(values.pop("late", None) or {})
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
