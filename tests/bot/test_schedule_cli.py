"""`cnsbot remind --dry-run` and `cnsbot tally` on the demo commune."""

from __future__ import annotations

import asyncio

import pytest
from typer.testing import CliRunner

from bot import compose
from bot.cli import app
from bot.settings import Settings

runner = CliRunner()


@pytest.fixture(autouse=True)
def demo(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")

    async def seed() -> None:
        runtime = await compose.build(Settings(), demo=True)
        await runtime.db.dispose()

    asyncio.run(seed())


def test_remind_dry_run_shows_who_would_get_what_and_keeps_nothing() -> None:
    first = runner.invoke(app, ["remind", "--dry-run", "--at", "2026-11-18T08:00"])
    assert first.exit_code == 0, first.output
    assert "remind:2026-11-18" in first.output
    assert "escalation" in first.output and "console:binh" in first.output
    again = runner.invoke(app, ["remind", "--dry-run", "--at", "2026-11-18T08:00"])
    assert again.output == first.output  # nothing was queued or claimed
    quiet = runner.invoke(app, ["remind", "--dry-run", "--at", "2026-11-17T08:00"])
    assert "none" in quiet.output


def test_tally_prints_the_weekly_table() -> None:
    result = runner.invoke(app, ["tally", "--unit", "16012", "--week", "2026-W47"])
    assert result.exit_code == 0, result.output
    assert "Tổng hợp tuần 16/11–22/11" in result.output and "Thôn 1" in result.output
    bad = runner.invoke(app, ["tally", "--unit", "16012", "--week", "47"])
    assert bad.exit_code != 0
