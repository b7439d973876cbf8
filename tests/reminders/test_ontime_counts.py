"""The on-time rate read three ways (a month's taken counts, the present counters, the raw
entries) gives what the entries and declarations say, recomputed here in Python, across
random histories around the deadline, late reports, undos and unit moves."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import text

from reminders.calendar import VN, Schedule, WorkingDays, deadline_of, month_of
from reminders.ontime import LIVE, SETTLE, cutoff_of, on_time_rates, take_on_time
from storage import rollup_check
from storage.db import Database
from storage.models import Level, Unit, ids_on_path, pk
from storage.store import Store
from tests.properties import seeds

NOVEMBER = month_of(date(2026, 11, 1))
CUTOFF = cutoff_of(deadline_of(NOVEMBER, Schedule(), WorkingDays()))  # 21/11 00:00 in Vietnam
DAYS = WorkingDays()


def vn(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=VN).astimezone(UTC)


@dataclass
class Country:
    units: dict[str, Unit]
    members: dict[str, int]  # village code -> a member of it
    receipts: list[str] = field(default_factory=list)  # reports not undone yet
    declared: list[str] = field(default_factory=list)  # declarations not undone yet


async def _country(db: Database) -> Country:
    """38 > (D > C0 (V00, V01, V02), C1 (V10, V11)), C2 (V20)."""
    async with db.transaction() as store:
        province = await store.units.add("38", "Thanh Hóa", Level.province)
        district = await store.units.add("D", "Huyện D", Level.district, province)
        units = {"38": province, "D": district}
        for code, parent in (("C0", district), ("C1", district), ("C2", province)):
            units[code] = await store.units.add(code, f"Xã {code}", Level.commune, parent)
        members = {}
        for code in ("V00", "V01", "V02", "V10", "V11", "V20"):
            units[code] = await store.units.add(code, code, Level.village, units[f"C{code[1]}"])
            members[code] = pk(await store.members.add(f"tv {code}", units[code]))
        await store.commit()
    return Country(units, members)


async def _step(store: Store, rng: random.Random, country: Country, at: datetime) -> None:
    """One thing a village or an admin does at `at`."""
    village = rng.choice(sorted(country.members))
    member, unit_id = country.members[village], pk(country.units[village])
    match rng.choice(["report", "report", "report", "undo", "declare", "clear", "move"]):
        case "report":
            day = NOVEMBER.start + timedelta(days=rng.randrange(30))
            day = rng.choice([day, date(2026, 10, 31), date(2026, 12, 1)])  # some outside
            receipt = await store.entries.add_report(
                member_id=member, unit_id=unit_id, counts={"vneid": rng.randint(1, 3)},
                day=min(day, at.astimezone(VN).date()), source="t", at=at,
            )  # fmt: skip
            country.receipts.append(receipt)
        case "undo" if country.receipts:
            receipt = country.receipts.pop(rng.randrange(len(country.receipts)))
            await store.entries.cancel(receipt, by=member, at=at)
        case "declare":
            country.declared.append(
                await store.nothing.declare(
                    unit_id=unit_id, month=NOVEMBER.key, member_id=member, at=at
                )
            )
        case "clear" if country.declared:
            found = await store.nothing.by_receipt(country.declared.pop())
            assert found is not None
            await store.nothing.cancel(found, by=member, at=at)
        case "move":
            unit = await store.units.get(unit_id)
            assert unit is not None
            commune = country.units[rng.choice(["C0", "C1", "C2"])]
            moved = await store.units.update(unit, name=unit.name, level=unit.level, parent=commune)
            country.units[village] = moved
        case _:
            pass


async def _by_hand(store: Store, scope: Unit, at: datetime) -> tuple[int, int, dict[int, int]]:
    """(on time, villages) of the scope and on-time villages per child at `at`, from every
    row of the entries and declarations."""
    units = (await store.session.exec(text("SELECT id, path, level FROM unit"))).all()  # type: ignore[call-overload]
    entries = (
        await store.session.exec(text("SELECT unit_id, day, created_at, cancelled_at FROM entry"))  # type: ignore[call-overload]
    ).all()
    nothing = (
        await store.session.exec(  # type: ignore[call-overload]
            text("SELECT unit_id, month, created_at, cancelled_at FROM nothing_to_report")
        )
    ).all()
    in_force: set[int] = set()
    for unit_id, day, made, cancelled in entries:
        made, cancelled = _ts(made), _ts(cancelled) if cancelled else None
        if _day(day) in NOVEMBER and made <= at and (cancelled is None or cancelled > at):
            in_force.add(unit_id)
    for unit_id, month, made, cancelled in nothing:
        made, cancelled = _ts(made), _ts(cancelled) if cancelled else None
        if month == NOVEMBER.key and made <= at and (cancelled is None or cancelled > at):
            in_force.add(unit_id)
    on_time = villages = 0
    children: dict[int, int] = {}
    for unit_id, path, level in units:
        if level != Level.village.value or not path.startswith(scope.path):
            continue
        villages += 1
        below = ids_on_path(path[len(scope.path) :])
        if below:
            children.setdefault(below[0], 0)
        if unit_id in in_force:
            on_time += 1
            if below:
                children[below[0]] += 1
    return on_time, villages, children


def _ts(value: datetime | str) -> datetime:
    found = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


async def _agrees(db: Database, country: Country, now: datetime) -> None:
    at = CUTOFF if now >= CUTOFF else min(now + LIVE, CUTOFF)  # the rate so far: a minute on
    async with db.reading() as store:
        for code in ("38", "D", "C0", "C1", "C2", "V00"):
            scope = await store.units.get(pk(country.units[code]))
            assert scope is not None
            view = await on_time_rates(store, scope, NOVEMBER, now)
            on_time, villages, children = await _by_hand(store, scope, at)
            assert (view.top.on_time, view.top.villages) == (on_time, villages), (code, now)
            assert {c: r.on_time for c, r in view.children.items()} == children, (code, now)


@pytest.mark.parametrize("seed", seeds(6, 2))
async def test_the_three_readings_agree_with_the_entries(db: Database, seed: int) -> None:
    rng = random.Random(seed)
    country = await _country(db)
    start = CUTOFF - timedelta(days=2)
    moments = sorted(start + timedelta(minutes=rng.randrange(4 * 24 * 60)) for _ in range(40))
    moments += [CUTOFF - timedelta(seconds=1), CUTOFF, CUTOFF + timedelta(seconds=1)]
    moments.sort()
    take_at = CUTOFF + SETTLE + timedelta(minutes=rng.randrange(24 * 60))
    taken = False
    for i, at in enumerate(moments):
        if not taken and at >= take_at:
            assert NOVEMBER.key in await take_on_time(db, take_at, Schedule(), DAYS)
            taken = True
        async with db.transaction() as store:
            await _step(store, rng, country, at)
            await store.commit()
        if i % 10 == 9:
            await _agrees(db, country, at)  # the present (counters) at this moment
            await _agrees(db, country, at - timedelta(hours=5))  # a past moment (entries)
    end = moments[-1] + timedelta(days=1)
    if not taken:
        assert NOVEMBER.key in await take_on_time(db, end, Schedule(), DAYS)
    await _agrees(db, country, end)  # the taken counts, moved with the villages


async def _report(db: Database, country: Country, village: str, at: datetime) -> str:
    async with db.transaction() as store:
        receipt = await store.entries.add_report(
            member_id=country.members[village], unit_id=pk(country.units[village]),
            counts={"cks": 1}, day=date(2026, 11, 18), source="t", at=at,
        )  # fmt: skip
        await store.commit()
    return receipt


async def _rate(db: Database, country: Country, code: str, now: datetime) -> tuple[int, int]:
    async with db.reading() as store:
        view = await on_time_rates(store, country.units[code], NOVEMBER, now)
    return view.top.on_time, view.top.villages


async def test_the_counts_are_taken_once_the_deadline_day_has_settled(db: Database) -> None:
    country = await _country(db)
    await _report(db, country, "V00", CUTOFF - timedelta(minutes=1))
    early = await take_on_time(db, CUTOFF + SETTLE - timedelta(seconds=1), Schedule(), DAYS)
    assert early[-1] == "2026-10"  # the twelve months before: November is not settled
    assert await take_on_time(db, CUTOFF + SETTLE, Schedule(), DAYS) == [NOVEMBER.key]
    assert await take_on_time(db, CUTOFF + SETTLE, Schedule(), DAYS) == []  # once
    async with db.reading() as store:
        ids = [pk(country.units[c]) for c in ("38", "D", "C0", "V00", "C1")]
        counts = await store.punctual.counts(NOVEMBER.key, CUTOFF, ids)
    assert counts == dict.fromkeys(ids[:4], 1)  # C1: no row, none on time


async def test_a_late_report_leaves_the_taken_month_alone(db: Database) -> None:
    country = await _country(db)
    await _report(db, country, "V00", CUTOFF - timedelta(minutes=1))
    await take_on_time(db, CUTOFF + SETTLE, Schedule(), DAYS)
    await _report(db, country, "V01", CUTOFF + timedelta(hours=2))
    assert await _rate(db, country, "C0", CUTOFF + timedelta(days=3)) == (1, 3)


async def test_the_taken_counts_are_what_is_read_after_the_deadline(db: Database) -> None:
    country = await _country(db)
    await _report(db, country, "V00", CUTOFF - timedelta(minutes=1))
    await take_on_time(db, CUTOFF + SETTLE, Schedule(), DAYS)
    async with db.transaction() as store:
        await store.session.exec(  # type: ignore[call-overload]
            text("UPDATE unit_ontime SET on_time = 3 WHERE unit_id = :u"),
            params={"u": pk(country.units["C0"])},
        )
        await store.commit()
    assert await _rate(db, country, "C0", CUTOFF + timedelta(days=3)) == (3, 3)
    # Another deadline (a setting changed): those counts are not for it.
    later = Schedule(deadline_day=22)
    async with db.reading() as store:
        view = await on_time_rates(
            store, country.units["C0"], NOVEMBER, CUTOFF + timedelta(days=5), later
        )
    assert (view.top.on_time, view.top.villages) == (1, 3)


async def test_the_present_counters_are_read_only_when_nothing_changed_since(
    db: Database,
) -> None:
    country = await _country(db)
    await _report(db, country, "V00", CUTOFF - timedelta(days=2))
    async with db.transaction() as store:  # counters that disagree with the entries
        await store.session.exec(  # type: ignore[call-overload]
            text("UPDATE unit_period SET villages_reported = 2 WHERE unit_id = :u"),
            params={"u": pk(country.units["C0"])},
        )
        await store.commit()
    now = CUTOFF - timedelta(days=1)
    assert await _rate(db, country, "C0", now) == (2, 3)  # nothing after `now`: the counters
    await _report(db, country, "V01", now + timedelta(hours=1))
    assert await _rate(db, country, "C0", now) == (1, 3)  # a later report: the entries


async def test_a_village_that_stops_being_one_drops_the_counts_until_taken_again(
    db: Database,
) -> None:
    country = await _country(db)
    await _report(db, country, "V00", CUTOFF - timedelta(minutes=1))
    await take_on_time(db, CUTOFF + SETTLE, Schedule(), DAYS)
    async with db.transaction() as store:
        unit = await store.units.get(pk(country.units["V00"]))
        assert unit is not None
        await store.units.update(
            unit, name=unit.name, level=Level.commune, parent=country.units["C0"]
        )
        await store.commit()
    after = CUTOFF + timedelta(days=2)
    assert await _rate(db, country, "D", after) == (0, 4)
    async with db.reading() as store:
        assert await store.punctual.taken() == {}
    assert NOVEMBER.key in await take_on_time(db, after, Schedule(), DAYS)
    assert await _rate(db, country, "D", after) == (0, 4)


async def test_taking_the_counts_while_villages_move_keeps_them_right(db: Database) -> None:
    """On PostgreSQL they overlap: a take holds moves off until it commits, and a move
    then shifts the counts it wrote."""
    country = await _country(db)
    for village in ("V00", "V01", "V10", "V20"):
        await _report(db, country, village, CUTOFF - timedelta(hours=1))

    async def mover() -> None:
        for n in range(6):
            async with db.transaction() as store:
                village = await store.units.get(pk(country.units[("V00", "V10")[n % 2]]))
                assert village is not None
                target = country.units[("C1", "C2", "C0")[n % 3]]
                await store.units.update(
                    village, name=village.name, level=Level.village, parent=target
                )
                await store.commit()
            await asyncio.sleep(0)

    async def taker() -> None:
        for _ in range(4):
            async with db.transaction() as store:
                await store.punctual.take(NOVEMBER.key, CUTOFF, CUTOFF + SETTLE)
                await store.commit()
            await asyncio.sleep(0)

    await asyncio.gather(mover(), taker())
    async with db.reading() as store:
        assert await rollup_check.differences(store.session) == []
        assert (await store.punctual.stored(NOVEMBER.key))[pk(country.units["38"])] == 4


async def test_a_report_landing_while_the_rate_is_asked_counts_so_far(db: Database) -> None:
    country = await _country(db)
    now = CUTOFF - timedelta(days=1)
    await _report(db, country, "V00", now + timedelta(seconds=30))  # while it is answered
    assert await _rate(db, country, "C0", now) == (1, 3)
    await _report(db, country, "V01", now + timedelta(minutes=2))  # after: not yet
    assert await _rate(db, country, "C0", now) == (1, 3)
    assert await _rate(db, country, "C0", now + timedelta(minutes=2)) == (2, 3)
