"""On-time rate: the share of villages that had reported (or declared "không phát sinh") by
the end of the deadline day, as things stood at that instant."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from reminders.calendar import VN, DayOffRule, Schedule, WorkingDays, deadline_of, month_of
from reminders.ontime import on_time_rates
from storage.db import Database
from storage.models import Level, Unit

NOVEMBER = month_of(date(2026, 11, 1))


def vn(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=VN).astimezone(UTC)


@pytest.fixture
async def district(db: Database) -> tuple[Unit, dict[str, Unit]]:
    """A district with commune A (T1, T2, T3) and commune B (T4), and their histories."""
    async with db.transaction() as store:
        province = await store.units.add("38", "Thanh Hóa", Level.province)
        district = await store.units.add("HH", "Hoằng Hóa", Level.district, province)
        a = await store.units.add("A", "Xã A", Level.commune, district)
        b = await store.units.add("B", "Xã B", Level.commune, district)
        units = {"A": a, "B": b}
        for code, parent in (("T1", a), ("T2", a), ("T3", a), ("T4", b)):
            units[code] = await store.units.add(code, code, Level.village, parent)
        who = await store.members.add("an", units["T1"])
        member = who.id or 0

        async def report(unit: str, at: datetime, day: date = date(2026, 11, 5)) -> str:
            return await store.entries.add_report(
                member_id=member, unit_id=units[unit].id or 0, counts={"vneid": 1}, day=day,
                source="test", at=at,
            )  # fmt: skip

        await report("T1", vn(date(2026, 11, 20), 23, 59))  # the last minute: on time
        await report("T2", vn(date(2026, 11, 21), 0, 1))  # a minute late
        receipt = await store.nothing.declare(
            unit_id=units["T3"].id or 0, month="2026-11", member_id=member,
            at=vn(date(2026, 11, 19), 9),
        )  # fmt: skip
        declared = await store.nothing.by_receipt(receipt)
        assert declared is not None
        await store.nothing.cancel(declared, by=member, at=vn(date(2026, 11, 22), 9))
        undone = await report("T4", vn(date(2026, 11, 10), 9))
        await store.entries.cancel(undone, by=member, at=vn(date(2026, 11, 15), 9))
        await store.commit()
    return district, units


async def test_on_time_is_what_was_in_force_at_the_end_of_the_deadline_day(
    db: Database, district: tuple[Unit, dict[str, Unit]]
) -> None:
    scope, units = district
    async with db.reading() as store:
        view = await on_time_rates(store, scope, NOVEMBER, vn(date(2026, 11, 25), 9))
    assert view.deadline == date(2026, 11, 20) and view.due
    assert (view.top.on_time, view.top.villages) == (2, 4)  # T1 and T3
    assert view.top.rate == 0.5
    a, b = view.children[units["A"].id or 0], view.children[units["B"].id or 0]
    assert (a.on_time, a.villages, b.on_time, b.villages) == (2, 3, 0, 1)


async def test_before_the_deadline_is_over_the_rate_is_so_far_and_not_due(
    db: Database, district: tuple[Unit, dict[str, Unit]]
) -> None:
    scope, _ = district
    async with db.reading() as store:
        view = await on_time_rates(store, scope, NOVEMBER, vn(date(2026, 11, 20), 12))
    assert not view.due
    assert view.top.on_time == 1  # T3's declaration; T1 reported later that evening


async def test_a_deadline_on_a_day_off_moves_and_late_follows_it(db: Database) -> None:
    february = month_of(date(2026, 2, 1))
    moved = deadline_of(february, Schedule(), WorkingDays())
    assert moved > date(2026, 2, 20)  # 20/2/2026 is in the Tết holiday (art. 148)
    async with db.transaction() as store:
        commune = await store.units.add("HK", "Xã Hoằng Kim", Level.commune)
        village = await store.units.add("T1", "Thôn 1", Level.village, commune)
        who = await store.members.add("an", village)
        await store.entries.add_report(
            member_id=who.id or 0, unit_id=village.id or 0, counts={"cks": 2},
            day=date(2026, 2, 3), source="test", at=vn(moved, 10),
        )  # fmt: skip
        await store.commit()
    later = vn(date(2026, 3, 5), 9)
    async with db.reading() as store:
        by_law = await on_time_rates(store, commune, february, later, Schedule())
        kept = await on_time_rates(
            store, commune, february, later, Schedule(on_day_off=DayOffRule.keep)
        )
    assert (by_law.deadline, by_law.top.on_time) == (moved, 1)
    assert (kept.deadline, kept.top.on_time) == (date(2026, 2, 20), 0)
