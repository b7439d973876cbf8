"""A "không phát sinh" and a report of the same village at the same moment: never both in
force (a declaration beside counts of its month). On SQLite and, with
CNSBOT_TEST_POSTGRES, on PostgreSQL (where the two run on two connections at once)."""

from __future__ import annotations

import asyncio
from datetime import date

from sqlmodel import col, select

from storage.db import Database
from storage.models import Member, NothingToReport, pk
from tests import databases
from tests.conftest import Chat, World

MONTH = "2026-11"
# Long enough for a blocked task to have run if it were not blocked. SQLite: one event
# loop and no I/O (storage/sqlite_inline.py), so a few ms give it every turn it could
# take; PostgreSQL: a second connection's round trips to the server.
WAIT = 0.3 if databases.ON_POSTGRES else 0.02


async def _second_member(db: Database, world: World) -> Member:
    """Dũng, a second member of Thôn <2> (Cúc's village)."""
    async with db.transaction() as store:
        t2 = await store.units.get(world.village_ids["T2"])
        assert t2 is not None
        dung = await store.members.add("Đỗ Văn Dũng", t2)
        await store.members.link(dung, "test", "dung", "Dũng")
        await store.commit()
        return dung


async def _declarations(db: Database) -> list[NothingToReport]:
    async with db.reading() as store:
        stmt = select(NothingToReport).order_by(col(NothingToReport.id))
        return list((await store.session.exec(stmt)).all())


async def test_a_declaration_waits_for_a_report_in_progress_and_is_refused(
    chat: Chat, db: Database, world: World
) -> None:
    dung = await _second_member(db, world)
    async with db.transaction() as store:  # a report that has passed its checks
        t2 = await store.units.get(world.village_ids["T2"])
        assert t2 is not None
        await store.intake.hold(pk(dung), t2)
        day = date(2026, 11, 20)
        checked = await store.intake.read(
            member_id=pk(dung), unit=t2, day=day, month=MONTH, since=chat.handlers.clock()
        )
        assert not checked.locked and not checked.declared
        await store.entries.add_report(
            member_id=pk(dung), unit_id=pk(t2), counts={"vneid": 1}, day=day, source="test",
            receipt=checked.receipt,
        )  # fmt: skip
        declaring = asyncio.create_task(chat.say("không phát sinh", user="cuc"))
        await asyncio.sleep(WAIT)
        assert not declaring.done()  # held until the report ends
        await store.commit()
    assert "đã có số liệu tháng 11/2026" in await declaring
    assert await _declarations(db) == []


async def test_a_report_waits_for_a_declaration_in_progress_and_clears_it(
    chat: Chat, db: Database, world: World
) -> None:
    dung = await _second_member(db, world)
    async with db.transaction() as store:  # a declaration about to commit, as declare does
        await store.signoffs.lock_unit(world.village_ids["T2"])
        cuc = await store.members.by_identity("test", "cuc")
        assert cuc is not None
        code = await store.nothing.declare(
            unit_id=world.village_ids["T2"], month=MONTH, member_id=pk(cuc),
            at=chat.handlers.clock(),
        )  # fmt: skip
        reporting = asyncio.create_task(chat.say("vneid 2", user="dung"))
        await asyncio.sleep(WAIT)
        assert not reporting.done()  # held until the declaration ends
        await store.commit()
    reply = await reporting
    assert "Đã ghi nhận" in reply and f"<code>{code}</code> của tháng này đã tự bỏ" in reply
    (row,) = await _declarations(db)
    assert row.cancelled_at is not None and row.cancelled_by == pk(dung)


async def test_declarations_and_reports_at_once_never_both_stand(
    chat: Chat, db: Database, world: World
) -> None:
    await _second_member(db, world)
    for attempt in range(6):
        said = ("không phát sinh", "vneid 1") if attempt % 2 else ("vneid 1", "không phát sinh")
        users = ("cuc", "dung") if said[0] == "không phát sinh" else ("dung", "cuc")
        await asyncio.gather(*(chat.say(t, user=u) for t, u in zip(said, users, strict=True)))
        async with db.reading() as store:
            t2 = await store.units.get(world.village_ids["T2"])
            assert t2 is not None
            counts = await store.entries.totals(date(2026, 11, 1), date(2026, 11, 30), unit=t2)
            declared = await store.nothing.active(pk(t2), MONTH)
        assert not (declared is not None and counts), (attempt, counts, declared)
        if declared is not None:  # start again from an empty month
            await chat.say(f"/huy {declared.receipt}", user="cuc")
        if counts:
            await chat.say("/huy", user="dung")
