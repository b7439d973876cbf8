"""DEADLINE_ON_DAY_OFF reaches the schedule: next working day by default (Civil Code art.
148), or the calendar day kept."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.settings import Settings
from reminders.calendar import DayOffRule


def test_the_default_moves_a_deadline_to_the_next_working_day() -> None:
    schedule = Settings(_env_file=None).schedule  # type: ignore[call-arg]
    assert schedule.on_day_off is DayOffRule.next_working_day


def test_keep_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEADLINE_ON_DAY_OFF", "keep")
    schedule = Settings(_env_file=None).schedule  # type: ignore[call-arg]
    assert schedule.on_day_off is DayOffRule.keep


def test_an_unknown_rule_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEADLINE_ON_DAY_OFF", "previous_day")
    with pytest.raises(ValidationError):
        Settings(_env_file=None)  # type: ignore[call-arg]
