"""Roll-ups (subtree_daily at every level, unit_period) against the raw entries: random
reports, undos, undo-days, corrections and unit moves, one after another and concurrently
(real concurrency on PostgreSQL)."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from storage import rollup_check
from storage.db import Database
from storage.models import Level, Unit
from storage.store import Store
from tests import databases

DAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 3, tzinfo=UTC)
INDICATORS = ("vneid", "cks", "tt")


async def _country(db: Database) -> tuple[Unit, list[tuple[int, int]]]:
    """A province, two communes, four villages, two members each: (member, village)."""
    people: list[tuple[int, int]] = []
    async with db.transaction() as store:
        province = await store.units.add("38", "Tỉnh", Level.province)
        for c in range(2):
            commune = await store.units.add(f"C{c}", f"Xã {c}", Level.commune, province)
            for v in range(2):
                village = await store.units.add(f"V{c}{v}", f"Thôn {v}", Level.village, commune)
                for m in range(2):
                    member = await store.members.add(f"Người {c}{v}{m}", village)
                    people.append((member.id or 0, village.id or 0))
        await store.commit()
    return province, people


async def _random_step(store: Store, rng: random.Random, people: list[tuple[int, int]]) -> None:
    """One report, undo, correction or undo-day, as the handlers do them."""
    member, village = rng.choice(people)
    day = DAY - timedelta(days=rng.randrange(10))
    kind = rng.choices(["report", "undo", "correct", "undo_day"], [5, 2, 2, 1])[0]
    receipts = await store.entries.recent_receipts(member, 5)
    active = [r for r in receipts if r[0].cancelled_at is None]
    if kind == "report" or not active:
        chosen = rng.sample(INDICATORS, rng.randint(1, 3))
        counts = {i: rng.randint(1, 30) for i in chosen}
        await store.entries.add_report(
            member_id=member, unit_id=village, counts=counts, day=day, source="t", at=NOW
        )
    elif kind == "undo":
        await store.entries.cancel(rng.choice(active)[0].receipt, by=member, at=NOW)
    elif kind == "correct":
        old = rng.choice(active)
        after = {e.indicator: e.count for e in old} | {rng.choice(INDICATORS): rng.randint(1, 9)}
        new = await store.entries.add_report(
            member_id=member, unit_id=old[0].unit_id, counts=after,
            day=rng.choice([old[0].day, day]), source="t", replaces=old[0].receipt, at=NOW,
        )  # fmt: skip
        await store.entries.cancel(old[0].receipt, by=member, at=NOW, replaced_by=new)
    else:
        province = await store.units.by_code("38")
        assert province is not None
        await store.entries.lock_member(member)
        entries = await store.entries.member_day_entries(member, active[0][0].day, province)
        await store.entries.cancel_entries([e.id or 0 for e in entries], by=member, at=NOW)


async def _raw_by_unit(store: Store) -> dict[int, dict[str, int]]:
    rows = await store.session.exec(  # type: ignore[call-overload]
        text(
            "SELECT unit_id, indicator, SUM(count) FROM entry WHERE cancelled_at IS NULL"
            " GROUP BY unit_id, indicator"
        )
    )
    result: dict[int, dict[str, int]] = {}
    for unit_id, indicator, total in rows.all():
        result.setdefault(unit_id, {})[indicator] = int(total)
    return result


async def _assert_rollups_match(db: Database, province: Unit) -> None:
    async with db.reading() as store:
        assert await rollup_check.differences(store.session) == []
        start, end = DAY - timedelta(days=30), DAY
        assert await store.entries.totals_by_unit(province, start, end) == await _raw_by_unit(store)


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_random_reports_undos_and_corrections_keep_rollups_equal_to_entries(
    db: Database, seed: int
) -> None:
    province, people = await _country(db)
    rng = random.Random(seed)
    for _ in range(15):
        async with db.transaction() as store:
            for _ in range(rng.randint(1, 6)):
                await _random_step(store, rng, people)
            await store.commit()
    async with db.reading() as store:
        assert await rollup_check.daily_stored(store.session)  # something was counted
    await _assert_rollups_match(db, province)


async def test_a_rolled_back_transaction_leaves_the_rollups_as_they_were(db: Database) -> None:
    province, people = await _country(db)
    member, village = people[0]
    with pytest.raises(RuntimeError):
        async with db.transaction() as store:
            await store.entries.add_report(
                member_id=member, unit_id=village, counts={"vneid": 5}, day=DAY, source="t"
            )
            raise RuntimeError("refused after writing")
    async with db.reading() as store:
        assert await rollup_check.daily_stored(store.session) == {}
        assert await rollup_check.periods_stored(store.session) == {}
    await _assert_rollups_match(db, province)


async def test_concurrent_reports_undos_and_corrections_keep_rollups_equal_to_entries(
    db: Database,
) -> None:
    """Many transactions at once on the same villages and days (on PostgreSQL they really
    overlap: every upsert adds to a row another transaction may be adding to)."""
    province, people = await _country(db)
    people = people[:3]  # few rows: the transactions collide

    async def worker(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(8):
            for attempt in range(5):
                try:
                    async with db.transaction() as store:
                        await _random_step(store, rng, people)
                        await store.commit()
                    break
                except Exception as err:  # PostgreSQL may abort one of two deadlocked
                    if "deadlock" not in str(err) or attempt == 4:
                        raise

    await asyncio.gather(*(worker(seed) for seed in range(8)))
    await _assert_rollups_match(db, province)


async def test_latest_day_ignores_a_day_whose_reports_were_all_undone(db: Database) -> None:
    province, people = await _country(db)
    member, village = people[0]
    async with db.transaction() as store:
        for day in (DAY - timedelta(days=2), DAY):
            last = await store.entries.add_report(
                member_id=member, unit_id=village, counts={"cks": 2}, day=day, source="t"
            )
        await store.entries.cancel(last, by=member, at=NOW)
        await store.commit()
    async with db.reading() as store:
        span = (DAY - timedelta(days=9), DAY)
        ids = [village, province.id or 0]
        counts, _, latest = await store.tallies.counts(ids, span, span)
    assert counts == {village: {"cks": 2}, province.id: {"cks": 2}}
    assert latest == {village: DAY - timedelta(days=2), province.id: DAY - timedelta(days=2)}


@pytest.mark.skipif(databases.ON_POSTGRES, reason="a SQLite file at an older revision")
async def test_migration_fills_the_rollups_from_the_entries(tmp_path: object) -> None:
    from pathlib import Path

    from storage import migrate

    db = Database(f"sqlite:///{Path(str(tmp_path)) / 'old.db'}")
    try:
        await migrate.upgrade(db, "0009")
        async with db.engine.begin() as conn:
            for sql in (
                "INSERT INTO indicator (code, name, short, position, active)"
                " VALUES ('vneid', 'VNeID', 'VNeID', 0, 1)",
                "INSERT INTO unit (id, code, name, level, path) VALUES (1, 'V', 'Thôn', 'village',"
                " '/1/')",
                "INSERT INTO member (id, name, unit_id, role, active, created_at)"
                " VALUES (1, 'A', 1, 'member', 1, '2026-11-20 00:00:00')",
            ):
                await conn.execute(text(sql))
            for n, (count, cancelled) in enumerate(((3, None), (4, None), (50, "2026-11-20"))):
                await conn.execute(
                    text(
                        "INSERT INTO entry (receipt, member_id, unit_id, indicator, count, day,"
                        " source, created_at, cancelled_at) VALUES (:r, 1, 1, 'vneid', :c,"
                        " '2026-11-19', 't', '2026-11-20 00:00:00', :x)"
                    ),
                    {"r": f"R{n}", "c": count, "x": cancelled},
                )
        await migrate.upgrade(db)
        assert await migrate.differences(db) == []
        async with db.reading() as store:
            assert await rollup_check.daily_stored(store.session) == {
                (1, date(2026, 11, 19), "vneid"): 7
            }
            assert await rollup_check.periods_stored(store.session) == {
                (1, "2026-11"): (7, 1),
                (1, "2026-Q4"): (7, 1),
                (1, "2026"): (7, 1),
            }
    finally:
        await db.dispose()


@pytest.mark.skipif(not databases.ON_POSTGRES, reason="row locks of PostgreSQL")
async def test_an_undo_goes_through_while_the_same_members_day_is_being_undone(
    db: Database,
) -> None:
    """The undo of a day (a leader's `/huy` of a member's day) holds the member's row
    first; an undo of one of that day's receipts meanwhile takes its entries, then a
    foreign-key check on the member (`cancelled_by`). Were the member's row held FOR UPDATE,
    that check would wait for the day's undo, which waits for the receipt's entries: the
    deadlock CI met in this file's concurrent tests. FOR NO KEY UPDATE lets it through."""
    province, people = await _country(db)
    member, village = people[0]
    async with db.transaction() as store:
        receipt = await store.entries.add_report(
            member_id=member, unit_id=village, counts={"vneid": 3}, day=DAY, source="t", at=NOW
        )
        await store.commit()

    async def undo() -> int:
        async with db.transaction() as store:
            cancelled = await store.entries.cancel(receipt, by=member, at=NOW)
            await store.commit()
            return cancelled

    async with db.transaction() as whole_day:
        await whole_day.entries.lock_member(member)
        entries = await whole_day.entries.member_day_entries(member, DAY, province)
        undoing = asyncio.create_task(undo())
        done, _ = await asyncio.wait({undoing}, timeout=3)
        assert undoing in done, "the undo waited for the day's undo holding the member's row"
        assert undoing.result() == 1
        ids = [e.id or 0 for e in entries]
        assert await whole_day.entries.cancel_entries(ids, by=member, at=NOW) == 0
        await whole_day.commit()
    await _assert_rollups_match(db, province)
