"""`cnsbot db verify-rollups [--repair]` on a temporary database."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from bot.cli.app import app
from storage import rollup_check
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
        commune = await store.units.add("C1", "Xã 1", Level.commune)
        village = await store.units.add("V1", "Thôn 1", Level.village, commune)
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


async def stored(url: str) -> dict[tuple[object, ...], object]:
    db = Database(url)
    async with db.reading() as store:
        result: dict[tuple[object, ...], object] = {}
        result |= await rollup_check.daily_stored(store.session)
        result |= await rollup_check.periods_stored(store.session)
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
    before = asyncio.run(stored(database_url))
    commune_vneid = "UPDATE subtree_daily SET n = n + 5 WHERE indicator = 'vneid' AND unit_id = 1"
    asyncio.run(tamper(database_url, commune_vneid))
    asyncio.run(tamper(database_url, "DELETE FROM subtree_daily WHERE indicator = 'cks'"))
    no_village = "UPDATE unit_period SET villages_reported = 0 WHERE unit_id = 1"
    asyncio.run(tamper(database_url, no_village + " AND period = '2026-11'"))
    drifted = runner.invoke(app, ["db", "verify-rollups"])
    assert drifted.exit_code == 1
    lines = drifted.output.splitlines()
    assert "subtree_daily 1 2026-11-19 vneid: roll-up 12, entries 7" in lines
    assert "subtree_daily 2 2026-11-19 cks: roll-up 0, entries 1" in lines
    assert "unit_period 1 2026-11: roll-up 0 0, entries 0 1" in lines
    assert asyncio.run(stored(database_url))[(1, DAY, "vneid")] == 12  # verify changes nothing
    repaired = runner.invoke(app, ["db", "verify-rollups", "--repair"])
    assert repaired.exit_code == 0, repaired.output
    assert "4 roll-up rows repaired" in repaired.output
    assert asyncio.run(stored(database_url)) == before
    assert before[(1, DAY, "vneid")] == 7 and before[(2, "2026-Q4")] == (8, 1)
    assert runner.invoke(app, ["db", "verify-rollups"]).exit_code == 0


async def take_november(url: str) -> dict[int, int]:
    """The month's on-time counts taken for a cutoff after every report; what they are."""
    db = Database(url)
    async with db.transaction() as store:
        cutoff = datetime.now(UTC) + timedelta(hours=1)
        await store.punctual.take("2026-11", cutoff, cutoff)
        found = await store.punctual.stored("2026-11")
        await store.commit()
    await db.dispose()
    return found


def test_verify_reports_a_wrong_on_time_count_and_repair_takes_the_month_again(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    asyncio.run(seed(database_url))
    taken = asyncio.run(take_november(database_url))
    assert taken == {1: 1, 2: 1}  # the village and its commune
    asyncio.run(tamper(database_url, "UPDATE unit_ontime SET on_time = 5 WHERE unit_id = 1"))
    drifted = runner.invoke(app, ["db", "verify-rollups"])
    assert drifted.exit_code == 1
    assert "unit_ontime 1 2026-11: roll-up 5, entries 1" in drifted.output.splitlines()
    repaired = runner.invoke(app, ["db", "verify-rollups", "--repair"])
    assert repaired.exit_code == 0, repaired.output
    assert "1 roll-up rows repaired" in repaired.output
    assert runner.invoke(app, ["db", "verify-rollups"]).exit_code == 0
