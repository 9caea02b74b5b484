"""Late submissions: the penalty the GRADING CONFIG's ``late:`` policy gives, and why.

Submission times come from the LMS's own records (Gradescope's export metadata, Moodle's grading
worksheet), never from the notebook; Canvas's bulk download only marks a file ``LATE``, which is
shown but costs nothing here (no time, so no penalty can be computed: Canvas's own late policy
applies there). Per-student extensions live in ``GRADES/extensions.csv``:
``submission,due`` (a new due date) or ``submission,days`` / ``submission,hours`` (added to it),
with an optional ``reason`` column.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from autograder.config import LatePolicy

EXTENSIONS = "extensions.csv"


class ExtensionsError(ValueError):
    """extensions.csv cannot be used; the message names the file, the line and the fix."""


@dataclass(frozen=True)
class Extension:
    submission: str
    due: str = ""       # a new due date (ISO), or
    hours: float = 0.0  # hours added to the policy's due date
    reason: str = ""


@dataclass(frozen=True)
class Lateness:
    """How late one submission was and what it costs (``percent`` of its raw score)."""

    submitted: str       # UTC ISO time from the LMS, "" when unknown
    source: str          # where the time came from: gradescope, moodle, canvas (marker only), ""
    due: str             # the due date that applied (UTC ISO), extension included
    extended: bool
    late_minutes: float  # 0 when on time or unknown
    periods: int         # started days or hours late, past the grace period
    percent: float       # penalty, percent of the raw score (100 when zeroed)
    flag_only: bool      # the LMS said "late" without a time: nothing deducted
    explanation: str     # one paragraph for the student and the TA

    @property
    def late(self) -> bool:
        return self.late_minutes > 0 or self.flag_only


def to_utc(text: str, policy: LatePolicy) -> datetime | None:
    """An LMS time as aware UTC; times without a zone are read in ``policy.timezone`` (else due's offset)."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        if policy.timezone:
            from zoneinfo import ZoneInfo

            when = when.replace(tzinfo=ZoneInfo(policy.timezone))
        elif policy.due:
            offset = datetime.fromisoformat(policy.due.replace("Z", "+00:00")).utcoffset()
            when = when.replace(tzinfo=timezone(offset or timedelta(0)))
        else:
            when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc)


def _when(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _duration(minutes: float) -> str:
    minutes = int(math.ceil(minutes))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} day{'s' if days != 1 else ''}"] if days else []
    parts += [f"{hours} h"] if hours else []
    parts += [f"{mins} min"] if mins or not parts else []
    return " ".join(parts)


def effective_due(policy: LatePolicy, extension: Extension | None) -> datetime | None:
    due = policy.due_at()
    if due is None or extension is None:
        return due
    if extension.due:
        return to_utc(extension.due, policy)
    return due + timedelta(hours=extension.hours)


def assess(policy: LatePolicy, *, submitted: str, source: str, marker: bool = False,
           extension: Extension | None = None) -> Lateness | None:
    """The lateness of one submission under ``policy``; None when the assignment has no late policy."""
    due = effective_due(policy, extension)
    if due is None:
        return None
    extended = extension is not None
    due_text = _when(due) + (" (with your extension)" if extended else "")
    when = to_utc(submitted, policy)
    if when is None:
        if marker:
            return Lateness("", source, due.isoformat(), extended, 0.0, 0, 0.0, True,
                            f"{source or 'The LMS'} marked this submission late, without its time: "
                            "no penalty is applied here.")
        return Lateness("", source, due.isoformat(), extended, 0.0, 0, 0.0, False,
                        "No submission time is known (only an LMS export records it): no late penalty.")
    minutes = (when - due).total_seconds() / 60
    if minutes <= policy.grace_minutes:
        grace = f" (within the {policy.grace_minutes:g}-minute grace period)" if minutes > 0 else ""
        return Lateness(when.isoformat(), source, due.isoformat(), extended, 0.0, 0, 0.0, False,
                        f"Submitted {_when(when)}, on time for the due date {due_text}{grace}.")
    unit = 60 * 24 if policy.per == "day" else 60
    periods = int(math.ceil(minutes / unit))
    text = f"Submitted {_when(when)}, {_duration(minutes)} after the due date {due_text}. "
    if policy.zero_after_days is not None and minutes > policy.zero_after_days * 24 * 60:
        percent = 100.0
        text += f"More than {policy.zero_after_days:g} days late scores 0."
    else:
        percent = min(periods * policy.penalty, policy.cap)
        text += (f"{periods} started {policy.per}{'s' if periods != 1 else ''} late x "
                 f"{policy.penalty:g}% = {periods * policy.penalty:g}%")
        text += f", capped at {policy.cap:g}%" if percent < periods * policy.penalty else ""
        text += " of the raw score."
    return Lateness(when.isoformat(), source, due.isoformat(), extended, minutes, periods, percent, False, text)


def read_extensions(out_dir: Path) -> dict[str, Extension]:
    """``out_dir/extensions.csv`` by submission id ({} when there is none)."""
    path = Path(out_dir) / EXTENSIONS
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError:
        raise ExtensionsError(f"{path}: not UTF-8 text; save it as 'CSV UTF-8'") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    reader.fieldnames = header
    if "submission" not in header or not {"due", "days", "hours"} & set(header):
        raise ExtensionsError(f"{path}: the first line must be 'submission,due' (a new due date) or "
                              f"'submission,days' / 'submission,hours' (time added); found {','.join(header)}")
    found: dict[str, Extension] = {}
    for row in reader:
        where = f"{path} line {reader.line_num}"
        values = {k: (v or "").strip() for k, v in row.items() if k}
        if not any(values.values()):
            continue
        submission = values.get("submission", "")
        if not submission:
            raise ExtensionsError(f"{where}: the submission column is empty")
        if submission in found:
            raise ExtensionsError(f"{where}: {submission} has two extensions; keep one line")
        due, hours = values.get("due", ""), 0.0
        if due:
            try:
                datetime.fromisoformat(due.replace("Z", "+00:00"))
            except ValueError:
                raise ExtensionsError(f"{where}: due {due!r} is not an ISO date and time "
                                      "(2026-02-09T23:59:00+01:00)") from None
        else:
            try:
                hours = float(values.get("days") or 0) * 24 + float(values.get("hours") or 0)
            except ValueError:
                raise ExtensionsError(f"{where}: days/hours must be numbers (2, or 1.5)") from None
            if hours <= 0:
                raise ExtensionsError(f"{where}: give {submission} a new due date or a positive number "
                                      "of days or hours")
        found[submission] = Extension(submission, due, hours, values.get("reason", ""))
    return found
