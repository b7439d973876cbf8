"""A sign-off and a late report at the same moment: the snapshot and the lock agree (the
report is either in the snapshot or refused). On SQLite and, with CNSBOT_TEST_POSTGRES,
on PostgreSQL (where the two run on two connections at once)."""

from __future__ import annotations

import asyncio
from datetime import date

from storage.db import Database
from storage.models import MonthStatus, Role
from tests import databases
from tests.conftest import Chat, World

MONTH = "2026-11"
# Long enough for a blocked task to have run if it were not blocked. SQLite: one event
# loop and no I/O (storage/sqlite_inline.py), so a few ms give it every turn it could
# take; PostgreSQL: a second connection's round trips to the server.
WAIT = 0.3 if databases.ON_POSTGRES else 0.02


async def _admin(db: Database, world: World, chat: Chat) -> None:
    async with db.transaction() as store:
        commune = await store.units.get(world.commune_id)
        assert commune is not None and commune.parent_id is not None
        province = await store.units.get(commune.parent_id)
        assert province is not None
        tinh = await store.members.add("Tỉnh", province, Role.province_admin)
        await store.members.link(tinh, "test", "tinh")
        await store.commit()


async def _snapshot_and_now(db: Database, world: World) -> tuple[dict, dict, MonthStatus]:
    async with db.reading() as store:
        commune = await store.units.get(world.commune_id)
        assert commune is not None
        row = await store.signoffs.get(world.commune_id, MONTH)
        assert row is not None
        figures = await store.signoffs.figures(row)
        now = await store.entries.totals_by_unit(commune, date(2026, 11, 1), date(2026, 11, 30))
        return figures, now, row.status


async def test_a_sign_off_and_late_reports_at_once_agree(
    chat: Chat, db: Database, world: World
) -> None:
    await _admin(db, world, chat)
    await chat.say("vneid 5", user="an")
    for attempt in range(8):
        first, second = ("/chot", "vneid 1") if attempt % 2 else ("vneid 1", "/chot")
        users = ("binh", "cuc") if first == "/chot" else ("cuc", "binh")
        replies = await asyncio.gather(
            chat.say(first, user=users[0]), chat.say(second, user=users[1])
        )
        signed = replies[0] if first == "/chot" else replies[1]
        reported = replies[1] if first == "/chot" else replies[0]
        assert "Đã chốt số liệu" in signed, signed
        assert "Đã ghi nhận" in reported or "đã chốt số liệu tháng 11/2026" in reported
        figures, now, status = await _snapshot_and_now(db, world)
        assert status is MonthStatus.signed
        assert figures == now, (attempt, reported)  # a report is in the snapshot or refused
        assert "Đã trả lại" in await chat.say(f"/tralai 16012 lần {attempt}", user="tinh")


async def test_a_report_waits_for_a_sign_off_in_progress_then_is_refused(
    chat: Chat, db: Database, world: World
) -> None:
    await chat.say("vneid 5", user="an")
    async with db.transaction() as store:  # a sign-off that has read the figures
        commune = await store.units.get(world.commune_id)
        assert commune is not None
        await store.signoffs.lock_unit(world.commune_id)
        leader = await store.members.by_identity("test", "binh")
        assert leader is not None
        figures = await store.entries.totals_by_unit(commune, date(2026, 11, 1), date(2026, 11, 30))
        await store.signoffs.sign(
            world.commune_id, MONTH, by=leader.id or 0, at=chat.handlers.clock(), figures=figures
        )
        late = asyncio.create_task(chat.say("vneid 3", user="cuc"))
        await asyncio.sleep(WAIT)
        assert not late.done()  # held until the sign-off ends
        await store.commit()
    assert "đã chốt số liệu tháng 11/2026" in await late
    snapshot, now, _ = await _snapshot_and_now(db, world)
    assert snapshot == now == {world.village_ids["T1"]: {"vneid": 5}}


async def test_a_sign_off_waits_for_a_report_in_progress_and_includes_it(
    chat: Chat, db: Database, world: World
) -> None:
    async with db.transaction() as store:  # a report that has passed the lock's check
        village = await store.units.get(world.village_ids["T2"])
        assert village is not None
        assert await store.signoffs.guard(village, MONTH) is None
        cuc = await store.members.by_identity("test", "cuc")
        assert cuc is not None
        await store.entries.add_report(
            member_id=cuc.id or 0, unit_id=world.village_ids["T2"], counts={"cks": 4},
            day=date(2026, 11, 20), source="test",
        )  # fmt: skip
        signing = asyncio.create_task(chat.say("/chot", user="binh"))
        await asyncio.sleep(WAIT)
        assert not signing.done()  # held until the report ends
        await store.commit()
    assert "CKS 4" in await signing
    snapshot, now, _ = await _snapshot_and_now(db, world)
    assert snapshot == now == {world.village_ids["T2"]: {"cks": 4}}
