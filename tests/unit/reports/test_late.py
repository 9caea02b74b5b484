"""The late policy: grace, penalty per started day or hour, cap, zero after N days, extensions."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.config import GradingConfig, LatePolicy
from autograder.reports.late import Extension, ExtensionsError, assess, read_extensions

POLICY = LatePolicy.from_dict({"due": "2026-02-06T23:59:00+01:00", "grace_minutes": 15, "penalty": 10,
                               "per": "day", "cap": 30, "zero_after_days": 7})


@pytest.mark.parametrize("submitted, percent", [
    ("2026-02-06T22:00:00Z", 0),          # 1 minute after due (22:59 UTC), inside the grace
    ("2026-02-06T23:14:00Z", 0),          # 15 minutes: still grace
    ("2026-02-06T23:15:00Z", 10),         # 16 minutes: one started day
    ("2026-02-08T23:00:00Z", 30),         # 2 days 1 minute: three started days
    ("2026-02-11T00:00:00Z", 30),         # capped at 30 %
    ("2026-02-14T00:00:00Z", 100),        # more than 7 days: zero
])
def test_penalty_counts_started_days_after_the_grace_up_to_the_cap(submitted: str, percent: float) -> None:
    lateness = assess(POLICY, submitted=submitted, source="gradescope")
    assert lateness.percent == percent
    assert "Submitted 2026-02" in lateness.explanation


def test_per_hour_penalty_and_the_explanation_shows_the_arithmetic() -> None:
    policy = LatePolicy.from_dict({"due": "2026-02-06T23:00:00Z", "penalty": 2, "per": "hour"})
    lateness = assess(policy, submitted="2026-02-07T01:30:00Z", source="gradescope")
    assert (lateness.periods, lateness.percent) == (3, 6)
    assert "3 started hours late x 2% = 6% of the raw score" in lateness.explanation


def test_an_extension_moves_the_due_date() -> None:
    late = assess(POLICY, submitted="2026-02-08T10:00:00Z", source="gradescope")
    extended = assess(POLICY, submitted="2026-02-08T10:00:00Z", source="gradescope",
                      extension=Extension("alice", hours=48))
    assert late.percent == 20 and extended.percent == 0 and "extension" in extended.explanation


def test_canvas_late_marker_is_flagged_but_costs_nothing_and_unknown_times_cost_nothing() -> None:
    marked = assess(POLICY, submitted="", source="canvas", marker=True)
    assert marked.flag_only and marked.percent == 0 and marked.late
    assert assess(POLICY, submitted="", source="file").percent == 0


def test_moodle_times_without_a_zone_are_read_in_the_policy_time_zone() -> None:
    policy = LatePolicy.from_dict({"due": "2026-02-06T23:59:00+01:00", "penalty": 10,
                                   "timezone": "Europe/Berlin"})
    assert assess(policy, submitted="2026-02-06T23:30:00", source="moodle").percent == 0
    assert assess(policy, submitted="2026-02-07T00:30:00", source="moodle").percent == 10


def test_no_due_date_means_no_late_policy() -> None:
    assert assess(LatePolicy(), submitted="2026-02-08T10:00:00Z", source="gradescope") is None


@pytest.mark.parametrize("late, message", [
    ({"due": "Friday"}, "late: due 'Friday' is not an ISO 8601 date"),
    ({"due": "2026-02-06T23:59"}, "has no UTC offset"),
    ({"due": "2026-02-06T23:59Z", "per": "week"}, "late: per is 'week'; write day or hour"),
    ({"due": "2026-02-06T23:59Z", "penalty": "ten"}, "late: penalty is 'ten'"),
    ({"due": "2026-02-06T23:59Z", "timezone": "Mars/Olympus"}, "not an IANA time zone"),
])
def test_a_late_policy_mistake_in_the_grading_config_says_which_key(late: dict, message: str) -> None:
    with pytest.raises(ValueError) as error:
        GradingConfig.from_dict({"late": late})
    assert message in str(error.value)


def test_extensions_csv_new_due_date_or_days(tmp_path: Path) -> None:
    (tmp_path / "extensions.csv").write_text("submission,due,days,reason\nalice,2026-02-09T23:59:00+01:00,,ill\n"
                                             "bob,,2,\n", encoding="utf-8")
    found = read_extensions(tmp_path)
    assert found["alice"].due.startswith("2026-02-09") and found["bob"].hours == 48


def test_extensions_csv_mistakes_name_the_line(tmp_path: Path) -> None:
    (tmp_path / "extensions.csv").write_text("submission,days\nalice,two\n", encoding="utf-8")
    with pytest.raises(ExtensionsError, match="extensions.csv line 2: days/hours must be numbers"):
        read_extensions(tmp_path)
