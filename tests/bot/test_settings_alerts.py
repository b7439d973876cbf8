"""ALERT_* settings reach the planner's alert rules; defaults as README says."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.compose import planner_of
from bot.settings import Settings
from reminders.alerts import AlertRules


def test_the_defaults() -> None:
    rules = planner_of(Settings(_env_file=None)).alerts  # type: ignore[call-arg]
    assert rules == AlertRules(quiet_weeks=2, pace=True, unusual=True, factor=3, margin=10)
    assert rules.history_days == 60 and rules.pace_from_day == 7


def test_the_environment_changes_them(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "ALERT_QUIET_WEEKS": "0", "ALERT_PACE": "false", "ALERT_UNUSUAL_FACTOR": "5",
        "ALERT_UNUSUAL_MARGIN": "20", "ALERT_HISTORY_DAYS": "90", "ALERT_PACE_FROM_DAY": "10",
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    rules = planner_of(Settings(_env_file=None)).alerts  # type: ignore[call-arg]
    assert rules == AlertRules(
        quiet_weeks=0, pace=False, pace_from_day=10, unusual=True, factor=5, margin=20,
        history_days=90,
    )  # fmt: skip


def test_a_factor_below_two_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALERT_UNUSUAL_FACTOR", "1")
    with pytest.raises(ValidationError):
        Settings(_env_file=None)  # type: ignore[call-arg]
