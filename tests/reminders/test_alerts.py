"""Weekly alerts to commune leaders, with the tally: quiet villages, a pace that cannot
reach the month's target, entries far above the usual day (with the receipt to undo);
nothing sent when there is nothing to say; each kind a setting."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlmodel import col, select

from handlers.texts_signoff import WORDING
from reminders.alerts import AlertRules, far_above
from reminders.calendar import VN
from reminders.due import Event, Planner, alert_leaders, run_due
from storage.db import Database
from storage.models import Level, OutboxMessage, Role
from storage.store import Store

TALLY_MONDAY = datetime.combine(date(2026, 11, 23), time(9), tzinfo=VN).astimezone(UTC)


def test_far_above_is_three_times_and_ten_more_than_the_usual_day() -> None:
    rules = AlertRules()
    assert not far_above(30, 10, rules) and far_above(31, 10, rules)  # 3 × 10
    assert not far_above(15, 5, rules) and far_above(16, 5, rules)  # 5 + 10 = 3 × 5
    assert not far_above(12, 2, rules) and far_above(13, 2, rules)  # 2 + 10 beats 3 × 2
    assert not far_above(10, 0, rules) and far_above(11, 0, rules)  # no history: above 10


async def report(store: Store, who: str, counts: dict[str, int], day: date) -> str:
    member = await store.members.by_identity("test", who)
    assert member is not None
    return await store.entries.add_report(
        member_id=member.id or 0, unit_id=member.unit_id, counts=counts, day=day, source="test"
    )


async def commune(db: Database) -> dict[str, int]:
    """Xã Hoằng Kim, five villages, a leader who wrote to the bot; members an (T1),
    binh and hoa (T2), cuc (T3)."""
    async with db.transaction() as store:
        province = await store.units.add("38", "Thanh Hóa", Level.province)
        hk = await store.units.add("HK", "Xã Hoằng Kim", Level.commune, province)
        villages = {
            n: await store.units.add(f"T{n}", f"Thôn {n}", Level.village, hk) for n in range(1, 6)
        }
        ids = {}
        for user, village, role in (
            ("an", 1, Role.member), ("binh", 2, Role.member), ("hoa", 2, Role.member),
            ("cuc", 3, Role.member), ("dung", 0, Role.commune_leader),
        ):  # fmt: skip
            member = await store.members.add(user, villages[village] if village else hk, role)
            identity = await store.members.link(member, "test", user)
            identity.private_chat_id = f"dm-{user}"
            ids[user] = member.id or 0
        await store.nothing.declare(
            unit_id=villages[5].id or 0, month="2026-11", member_id=ids["dung"], at=TALLY_MONDAY
        )
        await store.commit()
    return ids


async def alert_rows(db: Database) -> list[OutboxMessage]:
    async with db.reading() as store:
        stmt = select(OutboxMessage).where(col(OutboxMessage.kind) == "alert")
        return list((await store.session.exec(stmt.order_by(col(OutboxMessage.id)))).all())


async def test_a_commune_leader_is_told_what_to_act_on(db: Database) -> None:
    await commune(db)
    async with db.transaction() as store:
        for n in range(1, 21):  # October: An's usual day is 2, Thôn 2's is 20
            await report(store, "an", {"vneid": 2}, date(2026, 10, n))
            await report(store, "binh", {"vneid": 20}, date(2026, 10, n))
        await report(store, "cuc", {"vneid": 1, "cks": 20}, date(2026, 11, 5))  # then quiet
        odd = await report(store, "an", {"vneid": 40}, date(2026, 11, 18))
        await report(store, "hoa", {"vneid": 25}, date(2026, 11, 17))  # Thôn 2's usual
        hk = await store.units.by_code("HK")
        assert hk is not None
        await store.targets.set(hk.id or 0, "vneid", "2026-11", 300)
        await store.targets.set(hk.id or 0, "cks", "2026-11", 10)
        await store.commit()
    assert "tally:2026-W47" in await run_due(db, TALLY_MONDAY, Planner(), WORDING)
    (row,) = await alert_rows(db)
    assert row.chat_id == "dm-dung" and row.key.startswith("alerts:2026-W47:")
    html = row.html
    # Thôn 5 declared the month "không phát sinh": not quiet.
    assert "Không có báo cáo 2 tuần qua (2 thôn): Thôn 3, Thôn 4" in html
    # 66 by the 22nd: about 90 by the 30th, under 300. CKS (20/10) is on track.
    assert "VNeID: 66/300 đến 22/11" in html and "khoảng 90 (30,0%)" in html
    assert "CKS" not in html
    assert "an (Thôn 1) ghi VNeID 40 ngày 18/11/2026" in html
    assert "thường chỉ khoảng 2/ngày" in html and f"<code>/huy {odd}</code>" in html
    assert "hoa" not in html  # far above her own (none) but not above her village's day
    # Run again (a restart): the same week's alert is not queued twice.
    async with db.transaction() as store:  # rolled back: checked inside it
        event = Event("tally:2026-W47", "tally", date(2026, 11, 23), TALLY_MONDAY)
        assert await alert_leaders(store, event, AlertRules(), WORDING) == 0


async def test_nothing_is_sent_when_there_is_nothing_to_say(db: Database) -> None:
    await commune(db)
    async with db.transaction() as store:
        for who in ("an", "binh", "cuc"):
            await report(store, who, {"vneid": 3}, date(2026, 11, 17))
        t4 = await store.units.by_code("T4")
        assert t4 is not None
        await store.nothing.declare(
            unit_id=t4.id or 0, month="2026-11", member_id=1, at=TALLY_MONDAY
        )
        await store.commit()
    await run_due(db, TALLY_MONDAY, Planner(), WORDING)
    assert await alert_rows(db) == []


MARKERS = {"quiet": "Không có báo cáo", "pace": "cả tháng chỉ đạt", "unusual": "/huy"}


@pytest.mark.parametrize(
    ("rules", "kinds"),
    [
        (AlertRules(pace=False, unusual=False), {"quiet"}),
        (AlertRules(quiet_weeks=0, unusual=False), {"pace"}),
        (AlertRules(quiet_weeks=0, pace=False), {"unusual"}),
        (AlertRules(), {"quiet", "pace", "unusual"}),
        (AlertRules(quiet_weeks=0, pace=False, unusual=False), set()),
    ],
)
async def test_each_kind_of_alert_is_a_setting(
    db: Database, rules: AlertRules, kinds: set[str]
) -> None:
    await commune(db)
    async with db.transaction() as store:
        await report(store, "an", {"vneid": 50}, date(2026, 11, 18))
        hk = await store.units.by_code("HK")
        assert hk is not None
        await store.targets.set(hk.id or 0, "vneid", "2026-11", 1000)
        await store.commit()
    await run_due(db, TALLY_MONDAY, Planner(alerts=rules), WORDING)
    rows = await alert_rows(db)
    if not kinds:
        assert rows == []
        return
    (row,) = rows
    assert {kind for kind, marker in MARKERS.items() if marker in row.html} == kinds


async def test_pace_says_nothing_in_the_first_days_of_the_month(db: Database) -> None:
    await commune(db)
    async with db.transaction() as store:
        hk = await store.units.by_code("HK")
        assert hk is not None
        await store.targets.set(hk.id or 0, "vneid", "2026-11", 1000)
        await store.commit()
    monday = datetime.combine(date(2026, 11, 2), time(9), tzinfo=VN).astimezone(UTC)
    only_pace = Planner(alerts=AlertRules(quiet_weeks=0, unusual=False))
    await run_due(db, monday, only_pace, WORDING)  # week 26/10–1/11: 1 day of November
    assert await alert_rows(db) == []
    await run_due(db, monday + timedelta(days=7), only_pace, WORDING)  # to 8/11
    (row,) = await alert_rows(db)
    assert "VNeID: 0/1000 đến 08/11" in row.html


async def test_the_weekly_tally_carries_the_year_to_date(db: Database) -> None:
    await commune(db)
    async with db.transaction() as store:
        await report(store, "an", {"vneid": 4}, date(2026, 2, 3))
        await report(store, "an", {"vneid": 6}, date(2026, 11, 17))
        await report(store, "an", {"vneid": 100}, date(2026, 11, 23))  # after the week
        await store.commit()
    await run_due(db, TALLY_MONDAY, Planner(), WORDING)
    async with db.reading() as store:
        stmt = select(OutboxMessage).where(col(OutboxMessage.kind) == "tally")
        (tally,) = (await store.session.exec(stmt)).all()
    assert "VNeID +6 · 6/—" in tally.html
    assert "Lũy kế năm 2026 (đến 22/11): VNeID 10 · CKS 0 · TT 0" in tally.html


def test_the_alert_escapes_names_and_shows_at_most_ten_entries() -> None:
    from reminders.alerts import Alerts, Unusual

    odd = [
        Unusual(f"R{n:05d}", "<b>Tý</b>", "Thôn <1>", "vneid", 90, date(2026, 11, 18), 2)
        for n in range(12)
    ]
    html = WORDING.alerts("Xã <A>", Alerts(unusual=odd), {"vneid": "VNeID"})
    assert "Cảnh báo Xã &lt;A&gt;" in html and "<b>Tý</b>" not in html
    assert "&lt;b&gt;Tý&lt;/b&gt; (Thôn &lt;1&gt;) ghi VNeID 90" in html
    assert html.count("/huy R") == 10 and "… và 2 mục khác" in html
