"""`cnsbot remind --dry-run` and `cnsbot tally` on the demo commune."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from bot import compose
from bot.cli import schedule as cli_schedule
from bot.cli.app import app
from bot.settings import Settings
from handlers.texts_signoff import WORDING
from reminders.calendar import VN
from reminders.due import Planner, run_due
from storage.db import Database
from storage.models import OutboxMessage
from tests import built_once as built
from tests.built_once import BuiltOnce

runner = CliRunner()


def vn(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=VN).astimezone(UTC)


@pytest.fixture(autouse=True)
def demo(database_url: str, monkeypatch: pytest.MonkeyPatch, built_once: BuiltOnce | None) -> None:
    if built_once is not None:  # SQLite: a copy of the demo made once for the session
        built_once.copy(built.demo, database_url)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")

    async def seed() -> None:  # on the copy: migrated and seeded already, nothing to do
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
    assert "Lũy kế năm 2026 (đến 22/11):" in result.output
    bad = runner.invoke(app, ["tally", "--unit", "16012", "--week", "47"])
    assert bad.exit_code != 0


def test_remind_refuses_a_future_moment_and_the_real_event_still_goes_out(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Friday 20 November 2026, 10:00 in Vietnam; Monday's tally is due on the 23rd at 08:00.
    monkeypatch.setattr(cli_schedule, "system_clock", lambda: vn(date(2026, 11, 20), 10))
    early = runner.invoke(app, ["remind", "--at", "2026-11-23T08:00"])
    assert early.exit_code != 0 and "future" in early.output
    shown = runner.invoke(app, ["remind", "--dry-run", "--at", "2026-11-23T08:00"])
    assert shown.exit_code == 0 and "tally:2026-W47" in shown.output

    async def monday() -> tuple[list[str], list[str]]:
        db = Database(database_url)
        try:
            ran = await run_due(db, vn(date(2026, 11, 23), 9), Planner(), WORDING)
            async with db.reading() as store:
                rows = (await store.session.exec(select(OutboxMessage))).all()
            return ran, [row.key for row in rows if row.kind == "tally"]
        finally:
            await db.dispose()

    ran, tallies = asyncio.run(monday())
    assert ran == ["tally:2026-W47"]
    assert tallies and all(key.startswith("tally:2026-W47:") for key in tallies)


def test_remind_without_dry_run_runs_a_past_moment_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_schedule, "system_clock", lambda: vn(date(2026, 11, 18), 10))
    first = runner.invoke(app, ["remind", "--at", "2026-11-18T08:00"])
    assert first.exit_code == 0, first.output
    assert "console:binh" in first.output and "Queued" in first.output
    again = runner.invoke(app, ["remind", "--at", "2026-11-18T08:00"])
    assert "console:binh" not in again.output  # the event's key was claimed: it ran once
