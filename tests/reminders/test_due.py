"""A whole month with a fixed clock: who is reminded on which day, escalations, the
deadline, the weekly tallies; restarts send nothing twice and miss nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlmodel import col, select

from handlers.texts_signoff import WORDING
from reminders.calendar import VN, DayOffRule, Schedule, WorkingDays
from reminders.due import Planner, run_due
from storage.db import Database
from storage.models import Level, OutboxMessage, Role, pk


def vn(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=VN).astimezone(UTC)


@pytest.fixture
async def commune(db: Database) -> Database:
    async with db.transaction() as store:
        province = await store.units.add("38", "Thanh Hóa", Level.province)
        district = await store.units.add("HH", "Hoằng Hóa", Level.district, province)
        commune = await store.units.add("HK", "Xã Hoằng Kim", Level.commune, district)
        villages = [
            await store.units.add(f"T{n}", f"Thôn {n}", Level.village, commune) for n in (1, 2, 3)
        ]
        people = [
            ("an", villages[0], Role.member), ("binh", villages[1], Role.member),
            ("cuc", villages[2], Role.village_lead), ("dung", commune, Role.commune_leader),
            ("em", district, Role.district_admin), ("nochat", villages[1], Role.member),
        ]  # fmt: skip
        for user, unit, role in people:
            member = await store.members.add(user, unit, role)
            identity = await store.members.link(member, "test", user)
            identity.private_chat_id = None if user == "nochat" else f"dm-{user}"
            if user == "cuc":
                await store.members.set_absent(member, date(2026, 11, 16))
        await store.chats.bind("test", "group-hk", commune, title="Tổ CNS Hoằng Kim", by=None)
        an = await store.members.by_identity("test", "an")
        assert an is not None
        await store.entries.add_report(
            member_id=pk(an), unit_id=pk(villages[0]), counts={"vneid": 3},
            day=date(2026, 11, 10), source="test",
        )  # fmt: skip
        await store.commit()
    return db


async def outbox(db: Database) -> list[OutboxMessage]:
    async with db.reading() as store:
        stmt = select(OutboxMessage).order_by(col(OutboxMessage.id))
        return list((await store.session.exec(stmt)).all())


def sent_on(rows: list[OutboxMessage], day: date) -> dict[str, list[str]]:
    """kind -> recipients, for the rows created for one day's events."""
    result: dict[str, list[str]] = {}
    for row in rows:
        if str(day) in row.key or (row.kind == "tally" and row.key.startswith("tally:")):
            result.setdefault(row.kind, []).append(row.chat_id)
    return result


async def test_a_month_of_reminders_escalations_and_tallies(commune: Database) -> None:
    planner = Planner(Schedule(), WorkingDays(), grace=timedelta(hours=12))
    ran: dict[date, list[str]] = {}
    day = date(2026, 11, 1)
    while day <= date(2026, 11, 30):
        assert await run_due(commune, vn(day, 7), planner, WORDING) == []  # not before 08:00
        ran[day] = await run_due(commune, vn(day, 9), planner, WORDING)
        day += timedelta(days=1)
    days_with_events = {d: keys for d, keys in ran.items() if keys}
    assert days_with_events == {
        date(2026, 11, 2): ["tally:2026-W44"],
        date(2026, 11, 9): ["tally:2026-W45"],
        date(2026, 11, 13): ["remind:2026-11-13"],  # Sunday the 15th moved to Friday
        date(2026, 11, 16): ["tally:2026-W46"],
        date(2026, 11, 18): ["remind:2026-11-18"],
        date(2026, 11, 20): ["remind:2026-11-20"],
        date(2026, 11, 23): ["tally:2026-W47"],
        date(2026, 11, 30): ["tally:2026-W48"],
    }
    rows = await outbox(commune)
    by_key = {row.key: row for row in rows}
    reminded = {d: sorted(r.chat_id for r in rows if r.kind == "reminder" and str(d) in r.key)
                for d in (date(2026, 11, 13), date(2026, 11, 18), date(2026, 11, 20))}  # fmt: skip
    # An (Thôn 1) reported; Cúc is away until the 16th; "nochat" never wrote privately.
    assert reminded == {
        date(2026, 11, 13): ["dm-binh"],
        date(2026, 11, 18): ["dm-binh", "dm-cuc"],
        date(2026, 11, 20): ["dm-binh", "dm-cuc"],
    }
    escalations = sorted(r.key for r in rows if r.kind == "escalation")
    assert [k.rsplit(":", 1)[0] for k in escalations] == [
        "deadline:2026-11", "escalation:2026-11:2026-11-18", "escalation:2026-11:2026-11-20",
    ]  # fmt: skip
    leader_note = next(r for r in rows if r.key.startswith("escalation:2026-11:2026-11-18"))
    assert leader_note.chat_id == "dm-dung" and "Thôn 2, Thôn 3" in leader_note.html
    summary = next(r for r in rows if r.key.startswith("deadline:"))
    assert summary.chat_id == "dm-em" and "Xã Hoằng Kim: 1/3 thôn đã báo cáo" in summary.html
    tally = by_key["tally:2026-W46:test:group-hk"]
    assert tally.is_group and "Tổng hợp tuần 09/11–15/11" in tally.html
    assert "VNeID +3 · 3/—" in tally.html  # An's report of the 10th, in week 46
    assert "Chưa báo cáo (2): Thôn 2, Thôn 3" in tally.html
    assert "<b>Tổng</b>: chưa có số liệu" in by_key["tally:2026-W44:test:group-hk"].html
    # The district has no group of its own: its admin gets the tally privately.
    em_tally = next(r for k, r in by_key.items() if k.startswith("tally:2026-W46:member:"))
    assert em_tally.chat_id == "dm-em" and not em_tally.is_group and "Hoằng Hóa" in em_tally.html
    assert not any(r.chat_id == "dm-dung" and r.kind == "tally" for r in rows)  # HK has a group
    assert len(rows) == len({r.key for r in rows})


async def test_a_restart_sends_nothing_twice_and_misses_nothing(commune: Database) -> None:
    planner = Planner(grace=timedelta(hours=12))
    # Down from 07:00 to 19:30 on the 18th: the 08:00 reminders go out at start-up.
    assert await run_due(commune, vn(date(2026, 11, 18), 19), planner, WORDING) == [
        "remind:2026-11-18"
    ]
    before = len(await outbox(commune))
    # Restarted again, and again the next morning: nothing new for the 18th.
    assert await run_due(commune, vn(date(2026, 11, 18), 20), planner, WORDING) == []
    assert await run_due(commune, vn(date(2026, 11, 19), 7), planner, WORDING) == []
    assert len(await outbox(commune)) == before
    # Beyond the grace window a missed event is dropped rather than sent late.
    late = Planner(grace=timedelta(hours=1))
    assert await run_due(commune, vn(date(2026, 11, 20), 11), late, WORDING) == []


async def test_reminders_falling_on_holidays_merge_into_one_message(commune: Database) -> None:
    planner = Planner(Schedule(on_day_off=DayOffRule.keep))
    # February 2026: the 15th is a Sunday, the 18th and the 20th are Tết holidays.
    assert await run_due(commune, vn(date(2026, 2, 13), 9), planner, WORDING) == [
        "remind:2026-02-13"
    ]
    rows = [r for r in await outbox(commune) if r.kind == "reminder"]
    # Once each (Cúc is marked away until 16 November, so not her).
    assert sorted(r.chat_id for r in rows) == ["dm-an", "dm-binh"]
    kinds = sorted(r.key.split(":")[0] for r in await outbox(commune))
    assert kinds.count("deadline") == 1 and kinds.count("escalation") == 1


async def test_the_leader_is_told_who_could_not_be_reached(commune: Database) -> None:
    planner = Planner()
    await run_due(commune, vn(date(2026, 11, 13), 9), planner, WORDING)
    async with commune.transaction() as store:
        (first,) = [r for r in await store.outbox.with_status("pending") if r.kind == "reminder"]  # type: ignore[arg-type]
        await store.outbox.mark_failed(pk(first), "undeliverable", 1, "outside the OA window")  # type: ignore[arg-type]
        await store.commit()
    await run_due(commune, vn(date(2026, 11, 18), 9), planner, WORDING)
    rows = await outbox(commune)
    note = next(r for r in rows if r.key.startswith("escalation:2026-11:2026-11-18"))
    assert "không nhắn được cho: binh" in note.html


async def test_a_deadline_in_tet_moves_to_the_next_working_day(commune: Database) -> None:
    """Civil Code art. 148: 20 February 2026 is a Tết holiday, the 21st and 22nd a weekend,
    so the deadline is Monday the 23rd; the reminders 5 and 2 days before it (the 18th, the
    21st) move earlier to Friday the 13th; the deadline morning is the 23rd."""
    planner = Planner()
    ran = {}
    day = date(2026, 2, 1)
    while day <= date(2026, 2, 28):
        ran[day] = [k for k in await run_due(commune, vn(day), planner, WORDING) if "remind" in k]
        day += timedelta(days=1)
    assert {d: keys for d, keys in ran.items() if keys} == {
        date(2026, 2, 13): ["remind:2026-02-13"],
        date(2026, 2, 23): ["remind:2026-02-23"],
    }
    rows = await outbox(commune)
    escalations = sorted(r.key.rsplit(":", 1)[0] for r in rows if r.kind == "escalation")
    assert escalations == [
        "deadline:2026-02", "escalation:2026-02:2026-02-13", "escalation:2026-02:2026-02-23",
    ]  # fmt: skip
    reminder = next(r for r in rows if r.key.startswith("reminder:2026-02:2026-02-13"))
    assert "23/02/2026" in reminder.html and "20/02/2026" not in reminder.html


async def test_a_deadline_kept_on_its_day_off_when_the_setting_says_so(commune: Database) -> None:
    planner = Planner(Schedule(on_day_off=DayOffRule.keep))
    on_the_23rd = await run_due(commune, vn(date(2026, 2, 23)), planner, WORDING)
    assert "remind:2026-02-23" not in on_the_23rd
    assert await run_due(commune, vn(date(2026, 2, 13)), planner, WORDING) == ["remind:2026-02-13"]
    reminder = next(r for r in await outbox(commune) if r.kind == "reminder")
    assert "20/02/2026" in reminder.html


async def test_a_village_with_nothing_to_report_is_not_reminded(commune: Database) -> None:
    """Thôn 2 declared November "không phát sinh": Bình is not reminded, and the leader's
    escalation and the tally name only Thôn 3 as missing."""
    async with commune.transaction() as store:
        t2 = await store.units.by_code("T2")
        binh = await store.members.by_identity("test", "binh")
        assert t2 is not None and binh is not None
        await store.nothing.declare(
            unit_id=pk(t2), month="2026-11", member_id=pk(binh), at=vn(date(2026, 11, 12))
        )
        await store.commit()
    planner = Planner()
    assert await run_due(commune, vn(date(2026, 11, 18)), planner, WORDING) == ["remind:2026-11-18"]
    rows = await outbox(commune)
    assert sorted(r.chat_id for r in rows if r.kind == "reminder") == ["dm-cuc"]
    (note,) = [r for r in rows if r.key.startswith("escalation:2026-11:2026-11-18")]
    assert "Thôn 3" in note.html and "Thôn 2" not in note.html
    await run_due(commune, vn(date(2026, 11, 23)), planner, WORDING)
    tally = next(r for r in await outbox(commune) if r.key == "tally:2026-W47:test:group-hk")
    assert "Chưa báo cáo (1): Thôn 3" in tally.html


async def test_a_deadline_moved_into_the_next_month_still_reminds(commune: Database) -> None:
    """Deadline day 31: Sunday 31 May 2026 moves to Monday 1 June; that morning's reminder
    and deadline summary are May's."""
    planner = Planner(Schedule(deadline_day=31))
    assert "remind:2026-06-01" in await run_due(commune, vn(date(2026, 6, 1)), planner, WORDING)
    rows = await outbox(commune)
    reminder = next(r for r in rows if r.kind == "reminder")
    assert reminder.key.startswith("reminder:2026-05:2026-06-01:") and "01/06/2026" in reminder.html
    assert any(r.key.startswith("deadline:2026-05:") for r in rows)
