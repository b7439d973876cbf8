"""The per-person limits are settings that reach the handlers' rules."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.settings import Settings
from handlers.types import Rules


def test_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPORTS_PER_MINUTE", "4")
    monkeypatch.setenv("DAILY_LIMIT", "50")
    rules = Settings(_env_file=None).rules  # type: ignore[call-arg]
    assert (rules.reports_per_minute, rules.daily_limit) == (4, 50)


def test_the_defaults_are_the_rules_defaults() -> None:
    rules = Settings(_env_file=None).rules  # type: ignore[call-arg]
    assert (rules.reports_per_minute, rules.daily_limit) == (10, 200)
    assert (Rules().reports_per_minute, Rules().daily_limit) == (10, 200)


@pytest.mark.parametrize("name", ["REPORTS_PER_MINUTE", "DAILY_LIMIT"])
def test_a_limit_of_zero_is_refused(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv(name, "0")
    with pytest.raises(ValidationError):
        Settings(_env_file=None)  # type: ignore[call-arg]
