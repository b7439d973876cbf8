"""`cnsbot db verify-rollups [--repair]` on a temporary database."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from bot.cli.app import app
from storage import rollups
from storage.db import Database
from storage.models import Level
from storage.seed import seed_indicators
from tests import databases

runner = CliRunner()
DAY = date(2026, 11, 19)


async def seed(url: str) -> None:
    db = Database(url)
    if not databases.ON_POSTGRES:
        await db.create_schema()
    async with db.transaction() as store:
        await seed_indicators(store)
        village = await store.units.add("V1", "Thôn 1", Level.village)
        member = await store.members.add("An", village)
        for counts in ({"vneid": 3, "cks": 1}, {"vneid": 4}):
            await store.entries.add_report(
                member_id=member.id or 0, unit_id=village.id or 0, counts=counts, day=DAY,
                source="t",
            )  # fmt: skip
        await store.commit()
    await db.dispose()


async def tamper(url: str, sql: str) -> None:
    db = Database(url)
    async with db.engine.begin() as conn:
        await conn.execute(text(sql))
    await db.dispose()


async def stored(url: str) -> dict[rollups.Key, int]:
    db = Database(url)
    async with db.reading() as store:
        result = await rollups.stored(store.session)
    await db.dispose()
    return result


def test_verify_reports_a_drifted_rollup_and_repair_mends_it(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    asyncio.run(seed(database_url))
    clean = runner.invoke(app, ["db", "verify-rollups"])
    assert clean.exit_code == 0, clean.output
    assert "match" in clean.output
    asyncio.run(tamper(database_url, "UPDATE entry_daily SET n = n + 5 WHERE indicator = 'vneid'"))
    asyncio.run(tamper(database_url, "DELETE FROM entry_daily WHERE indicator = 'cks'"))
    drifted = runner.invoke(app, ["db", "verify-rollups"])
    assert drifted.exit_code == 1
    assert "roll-up 12, entries 7" in drifted.output and "roll-up 0, entries 1" in drifted.output
    assert asyncio.run(stored(database_url))[(DAY, 1, "vneid")] == 12  # verify changes nothing
    repaired = runner.invoke(app, ["db", "verify-rollups", "--repair"])
    assert repaired.exit_code == 0, repaired.output
    assert "2 roll-up rows repaired" in repaired.output
    assert asyncio.run(stored(database_url)) == {(DAY, 1, "vneid"): 7, (DAY, 1, "cks"): 1}
    assert runner.invoke(app, ["db", "verify-rollups"]).exit_code == 0
