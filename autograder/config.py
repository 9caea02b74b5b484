"""Grading configuration: declared once, with a type, a default, a description and a constraint per key.

Each master notebook carries a GRADING CONFIG raw cell (YAML) right after otter's
``# ASSIGNMENT CONFIG``. Its first line is ``## Ignore ##``, which makes otter assign drop the cell
from every notebook it writes (so plain ``otter assign`` never copies the grader's seed into the
student notebook); ``nncourse build`` validates the cell against :func:`config_schema` (JSON
Schema, checked with ``jsonschema`` at build time only) and writes it, completed with these
defaults, to ``dist/<hw>/grading.json``. Grading reads that file with :meth:`GradingConfig.from_dict`.
"""

from __future__ import annotations

import difflib
from dataclasses import MISSING, asdict, dataclass, field, fields
from datetime import datetime, timezone
from typing import Any

import yaml

GRADING_CONFIG_MARKER = "# GRADING CONFIG"
OTTER_IGNORE_LINE = "## Ignore ##"  # otter assign leaves out every cell whose first line this is
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")


def _key(help: str, schema: dict[str, Any], **kwargs: Any) -> Any:
    """A config key: its description and its JSON Schema constraint, beside its default."""
    return field(metadata={"help": help, "schema": schema}, **kwargs)


_SECONDS = {"type": "number", "exclusiveMinimum": 0, "maximum": 86400}


@dataclass
class Profile:
    """A named grading profile (``cpu``, ``cuda``): where checks run and what they must reach."""

    device: str = _key("torch device the checks use",
                       {"type": "string", "pattern": r"^(cpu|mps|cuda(:[0-9]+)?)$",
                        "x-expected": "cpu, cuda, cuda:N or mps"}, default="cpu")
    thresholds: dict[str, float] = _key(
        "named accuracy/score thresholds the hidden tests apply",
        {"type": "object", "additionalProperties": {"type": "number"}}, default_factory=dict)
    budgets: dict[str, float] = _key(
        "named budgets (epochs, seconds, sample sizes) for checks",
        {"type": "object", "additionalProperties": {"type": "number", "minimum": 0}}, default_factory=dict)


@dataclass
class LatePolicy:
    """How late submissions lose points (the GRADING CONFIG's ``late:`` mapping).

    Lateness is measured from ``due`` (a student's extension moves it); a submission within
    ``grace_minutes`` of it is on time. Past that, every started ``per`` (day or hour) costs
    ``penalty`` percent of the submission's raw score (autograded plus written points), up to
    ``cap`` percent; more than ``zero_after_days`` days late scores 0.
    """

    due: str = _key("due date and time, ISO 8601 with its UTC offset (2026-02-06T23:59:00+01:00); "
                    "empty: no late policy",
                    {"type": "string", "x-expected": "a date and time such as 2026-02-06T23:59:00+01:00"},
                    default="")
    grace_minutes: float = _key("minutes after due that still count as on time",
                                {"type": "number", "minimum": 0}, default=0.0)
    penalty: float = _key("percent of the raw score lost per started period",
                          {"type": "number", "minimum": 0, "maximum": 100}, default=0.0)
    per: str = _key("the period the penalty counts: day or hour", {"enum": ["day", "hour"]}, default="day")
    cap: float = _key("largest total penalty, percent of the raw score",
                      {"type": "number", "minimum": 0, "maximum": 100}, default=100.0)
    zero_after_days: float | None = _key("more days late than this scores 0 (none: never)",
                                         {"type": ["number", "null"], "minimum": 0}, default=None)
    timezone: str = _key("IANA time zone (Europe/Berlin) for LMS times written without one (Moodle's "
                         "grading worksheet); empty: the due date's UTC offset", {"type": "string"}, default="")

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

    seed: int = _key("grader seed: fresh data and notebook seeds derive from it",
                     {"type": "integer", "minimum": 0, "maximum": 2**32 - 1}, default=0)
    secret: str = _key(
        "64 hex digits the student's process never sees: the hidden data derives from it and the seed "
        "(make one with: python3 -c 'import secrets; print(secrets.token_hex(32))')",
        {"type": "string", "pattern": "^([0-9a-f]{64})?$", "x-expected": "64 lowercase hex digits"}, default="")
    submission_timeout: float = _key("seconds of CPU time for one whole submission", _SECONDS, default=600.0)
    cell_timeout: float = _key("seconds of CPU time for one notebook cell", _SECONDS, default=120.0)
    probe_timeout: float = _key("seconds of CPU time for one check's call into student code", _SECONDS, default=60.0)
    memory_mb: int = _key("memory cap of the student process (MB)",
                          {"type": "integer", "minimum": 256, "maximum": 1_048_576}, default=4096)
    threads: int = _key("torch threads in the student process",
                        {"type": "integer", "minimum": 1, "maximum": 256}, default=1)
    preload: list[str] = _key(
        "modules the fork server imports once, besides those the student notebook imports "
        "(one a library imports lazily, for example)",
        {"type": "array", "items": {"type": "string", "pattern": r"^[A-Za-z_][\w.]*$",
                                     "x-expected": "a module name such as torchvision"}},
        default_factory=list)
    gradescope_hidden_visibility: str = _key(
        "when students see hidden tests on Gradescope: " + ", ".join(VISIBILITIES),
        {"enum": list(VISIBILITIES)}, default="after_published")
    profiles: dict[str, Profile] = _key(
        "grading profiles by name; cpu is required (CI and Gradescope grade with it)",
        {"type": "object", "required": ["cpu"], "additionalProperties": {"$ref": "#/$defs/profile"}},
        default_factory=lambda: {"cpu": Profile()})
    late: LatePolicy = _key(
        "late policy: due date, grace, penalty per day or hour, cap, zero after N days; per-student "
        "extensions come from GRADES/extensions.csv",
        {"$ref": "#/$defs/late"}, default_factory=LatePolicy)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "GradingConfig":
        """A config from validated data (a built ``grading.json``); unknown keys are refused."""
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown grading config keys: {', '.join(sorted(unknown))}")
        values = dict(data)
        profiles = values.pop("profiles", None) or {"cpu": {}}
        values["late"] = LatePolicy.from_dict(values.pop("late", None) or {})
        visibility = values.get("gradescope_hidden_visibility", "after_published")
        if visibility not in VISIBILITIES:
            raise ValueError(f"gradescope_hidden_visibility {visibility!r} is not one of {', '.join(VISIBILITIES)}")
        return cls(**values, profiles={name: Profile(**(spec or {})) for name, spec in profiles.items()})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def profile(self, name: str) -> Profile:
        try:
            return self.profiles[name]
        except KeyError:
            raise ValueError(f"no grading profile {name!r}; this assignment has "
                             f"{', '.join(sorted(self.profiles))}") from None


# ---------------------------------------------------------------- the schema, and checking a cell


def _properties(cls: type) -> dict[str, Any]:
    """JSON Schema of a config dataclass: each field's constraint, description and default."""
    properties = {}
    for f in fields(cls):
        default = f.default if f.default is not MISSING else f.default_factory()  # type: ignore[misc]
        if isinstance(default, dict):
            default = {k: asdict(v) if hasattr(v, "__dataclass_fields__") else v for k, v in default.items()}
        elif hasattr(default, "__dataclass_fields__"):
            default = asdict(default)
        properties[f.name] = {**f.metadata["schema"], "description": f.metadata["help"], "default": default}
    return {"type": "object", "properties": properties, "additionalProperties": False}


def config_schema() -> dict[str, Any]:
    """The GRADING CONFIG cell's JSON Schema (draft 2020-12), made from the declarations above."""
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "GRADING CONFIG",
            **_properties(GradingConfig),
            "$defs": {"profile": _properties(Profile), "late": _properties(LatePolicy)}}


class ConfigError(ValueError):
    """A GRADING CONFIG that does not match its schema; ``problems`` holds one line per mistake."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


_TYPE_WORDS = {"integer": "a whole number", "number": "a number", "string": "text", "array": "a list",
               "object": "a mapping of names to values", "boolean": "true or false"}


def _found(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _expected(error: Any) -> str:
    """What a failed JSON Schema keyword asked for, in words."""
    kind, value = error.validator, error.validator_value
    if kind == "type":
        return _TYPE_WORDS.get(value, str(value))
    if kind == "enum":
        return "one of " + ", ".join(map(str, value))
    if kind in ("minimum", "exclusiveMinimum", "maximum"):
        sign = {"minimum": ">=", "exclusiveMinimum": ">", "maximum": "<="}[kind]
        return f"a number {sign} {value:g}"
    return str(error.schema.get("x-expected") or error.message)


def _path(parts: Any) -> str:
    return ".".join(str(p) for p in parts) or "(the cell)"


def _line(node: Any, path: list[Any]) -> int | None:
    """The 0-based line of the YAML node at ``path`` (keys and list indices) under ``node``."""
    for part in path:
        if isinstance(node, yaml.MappingNode):
            pairs = [(k, v) for k, v in node.value if str(k.value) == str(part)]
            if not pairs:
                return None
            key, node = pairs[0]
            line = key.start_mark.line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line
        else:
            return None
    return line if path else None


def config_problems(data: Any, text: str = "", first_line: int = 1) -> list[str]:
    """Every way ``data`` breaks :func:`config_schema`, one line each, naming the key (and, given
    the YAML ``text`` it came from and the cell line that text starts on, the line)."""
    from jsonschema import Draft202012Validator  # build time only: it costs ~35 MB to import

    try:
        root = yaml.compose(text) if text else None
    except yaml.YAMLError:
        root = None

    def key(path: list[Any]) -> str:
        line = _line(root, path) if root is not None else None
        return f"key {_path(path)}" + (f" (line {line + first_line})" if line is not None else "")

    problems: list[tuple[int, str]] = []

    def add(path: list[Any], text: str) -> None:
        line = _line(root, path) if root is not None else None
        problems.append((line if line is not None else -1, f"{key(path)}: {text}"))

    for error in Draft202012Validator(config_schema()).iter_errors(data):
        where = list(error.path)
        if error.validator == "additionalProperties":
            known = sorted(error.schema.get("properties", {}))
            for extra in sorted(set(error.instance) - set(known), key=str):
                close = difflib.get_close_matches(str(extra), known, n=1, cutoff=0.6)
                hint = f"; did you mean {close[0]!r}?" if close else f"; the keys are {', '.join(known)}"
                add([*where, extra], f"unknown key{hint}")
        elif error.validator == "required":
            missing = [name for name in error.validator_value if name not in error.instance]
            add(where, f"needs {', '.join(map(repr, missing))} "
                       "(nncourse grade, CI and Gradescope grade with the cpu profile)")
        else:
            about = error.schema.get("description")
            add(where, f"expected {_expected(error)}, found {_found(error.instance)}"
                       + (f" ({about})" if about and error.validator != "enum" else ""))
    return [text for _, text in sorted(problems)]


def config_cell_body(source: str) -> tuple[str, int] | None:
    """(the YAML of a GRADING CONFIG cell, the cell line it starts on), or None for another cell."""
    lines = source.splitlines()
    skip = 0
    while skip < len(lines) and not lines[skip].strip():
        skip += 1
    if skip < len(lines) and lines[skip].strip().lower().replace(" ", "") == "##ignore##":
        skip += 1
    if skip >= len(lines) or not lines[skip].strip().startswith(GRADING_CONFIG_MARKER):
        return None
    return "\n".join(lines[skip + 1:]), skip + 2


def has_ignore_line(source: str) -> bool:
    """Whether a cell starts with otter's ``## Ignore ##`` (otter assign then leaves it out)."""
    first = source.strip().splitlines()[:1]
    return bool(first) and first[0].strip().lower().replace(" ", "") == "##ignore##"


def parse_grading_cell(source: str) -> GradingConfig:
    """The config in a GRADING CONFIG cell's text; ConfigError names each key that is wrong."""
    found = config_cell_body(source)
    body, first_line = found if found is not None else (source, 1)
    try:
        data = yaml.safe_load(body)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" on line {mark.line + first_line}" if mark is not None else ""
        raise ConfigError([f"not valid YAML{line}: {getattr(exc, 'problem', None) or exc}"]) from None
    data = {} if data is None else data
    if isinstance(data, dict) and isinstance(data.get("late"), dict):
        # YAML reads an unquoted date as a datetime; the config keeps it as ISO 8601 text
        data["late"] = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in data["late"].items()}
    problems = config_problems(data, body, first_line)
    if problems:
        raise ConfigError(problems)
    try:
        return GradingConfig.from_dict(data)
    except ValueError as exc:  # what the schema cannot say: a due date that is not a date, an unknown zone
        raise ConfigError([str(exc)]) from None


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
