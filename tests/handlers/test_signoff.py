"""The month's sign-off chain: a commune signs off (/chot), the level above approves
(/duyet), returns (/tralai) or reopens (/mochot); a signed-off or approved month is locked."""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime, time

import pytest
from openpyxl import load_workbook
from sqlmodel import col, select

from handlers.texts_signoff import WORDING
from reminders.calendar import VN
from reminders.due import Planner, run_due
from storage.db import Database
from storage.models import (
    AuditLog,
    Entry,
    MonthSignoff,
    MonthStatus,
    OutboxKind,
    OutboxMessage,
    Role,
    SignoffFigure,
)
from tests.conftest import NOW, Chat, FixedClock, World


@pytest.fixture
async def chain(db: Database, chat: Chat, world: World) -> Chat:
    """The world with a province admin ("tinh"); everyone has written to the bot privately
    (so notices reach them)."""
    async with db.transaction() as store:
        commune = await store.units.get(world.commune_id)
        assert commune is not None
        province = await store.units.get(commune.parent_id or 0)
        assert province is not None
        tinh = await store.members.add("Phạm Văn Tỉnh", province, Role.province_admin)
        await store.members.link(tinh, "test", "tinh", "Tỉnh")
        await store.commit()
    for user in ("tinh", "binh", "an", "cuc"):
        await chat.send("/help", user=user)
    return chat


def receipt_of(html: str) -> str:
    match = re.search(r"Mã phiếu: <code>(\w+)</code>", html)
    assert match, html
    return match.group(1)


async def notices(db: Database, chat_id: str) -> list[str]:
    async with db.reading() as store:
        stmt = (
            select(OutboxMessage.html)
            .where(OutboxMessage.kind == "signoff", OutboxMessage.chat_id == chat_id)
            .order_by(col(OutboxMessage.id))
        )
        return list((await store.session.exec(stmt)).all())


async def status(db: Database, world: World, month: str = "2026-11") -> MonthSignoff | None:
    async with db.reading() as store:
        return await store.signoffs.get(world.commune_id, month)


async def active_counts(db: Database) -> list[tuple[int, str, int]]:
    async with db.reading() as store:
        stmt = select(Entry.unit_id, Entry.indicator, Entry.count).where(
            col(Entry.cancelled_at).is_(None)
        )
        return sorted((await store.session.exec(stmt)).all())


async def test_a_commune_signs_off_and_the_level_above_is_told(
    chain: Chat, db: Database, world: World
) -> None:
    await chain.say("vneid 5 cks 2", user="an")
    reply = await chain.say("/chot", user="binh")
    assert "Đã chốt số liệu tháng 11/2026 của <b>Xã Hoằng Kim</b>" in reply
    assert "VNeID 5" in reply and "Còn 1 thôn chưa báo cáo: Thôn &lt;2&gt;" in reply
    assert "Đã báo cho 1 người" in reply
    (notice,) = await notices(db, "tinh")
    assert "Xã Hoằng Kim</b> đã chốt số liệu tháng 11/2026 (Lê Thị Bình, 10:00 21/11/2026)" in (
        notice
    )
    assert "<code>/duyet 16012 11/2026</code>" in notice
    row = await status(db, world)
    assert row is not None and row.status is MonthStatus.signed and row.round == 1
    async with db.reading() as store:
        figures = (await store.session.exec(select(SignoffFigure))).all()
    snapshot = {(f.unit_id, f.indicator, f.count, f.round) for f in figures}
    assert snapshot == {
        (world.village_ids["T1"], "vneid", 5, 1),
        (world.village_ids["T1"], "cks", 2, 1),
    }


async def test_a_signed_off_month_refuses_late_reports_and_changes(
    chain: Chat, db: Database
) -> None:
    receipt = receipt_of(await chain.say("vneid 5", user="an"))
    await chain.say("/chot", user="binh")
    before = await active_counts(db)
    for text, user in [
        ("vneid 3", "cuc"),
        ("/khongphatsinh", "cuc"),
        (f"/huy {receipt}", "an"),
        (f"/sua {receipt} vneid 9", "an"),
        (f"/huy {receipt}", "binh"),
    ]:
        reply = await chain.say(text, user=user)
        assert "đã chốt số liệu tháng 11/2026 lúc 10:00 21/11/2026 (Lê Thị Bình)" in reply, text
        assert "/tralai 16012 LÝ_DO" in reply
    assert await active_counts(db) == before


async def test_approval_locks_the_month_and_names_the_approver(
    chain: Chat, db: Database, world: World
) -> None:
    await chain.say("vneid 5", user="an")
    await chain.say("/chot", user="binh")
    reply = await chain.say("/duyet 16012", user="tinh")
    assert "Đã duyệt số liệu tháng 11/2026 của <b>Xã Hoằng Kim</b>" in reply
    row = await status(db, world)
    assert row is not None and row.status is MonthStatus.approved
    (told,) = await notices(db, "binh")
    assert "đã được Phạm Văn Tỉnh duyệt" in told
    refused = await chain.say("vneid 2", user="cuc")
    assert "đã được Phạm Văn Tỉnh duyệt lúc 10:00 21/11/2026 và đã khóa" in refused
    assert "/mochot 16012 11/2026 LÝ_DO" in refused
    assert "Không có gì thay đổi" in await chain.say("/chot", user="binh")
    assert "không có số liệu" in await chain.say("/duyet 16012", user="tinh")


async def test_a_returned_month_takes_reports_and_is_signed_off_again(
    chain: Chat, db: Database, world: World
) -> None:
    await chain.say("vneid 5", user="an")
    await chain.say("/chot", user="binh")
    assert "Cần ghi lý do" in await chain.say("/tralai 16012", user="tinh")
    reply = await chain.say("/tralai 16012 thiếu <thôn 2>", user="tinh")
    assert "Đã trả lại" in reply and "thiếu &lt;thôn 2&gt;" in reply
    (told,) = await notices(db, "binh")
    assert "bị Phạm Văn Tỉnh trả lại" in told and "thiếu &lt;thôn 2&gt;" in told
    assert "<code>/chot 11/2026</code>" in told
    assert "Đã ghi nhận" in await chain.say("vneid 3", user="cuc")
    await chain.say("/chot 11/2026", user="binh")
    row = await status(db, world)
    assert row is not None and row.status is MonthStatus.signed and row.round == 2
    async with db.reading() as store:
        assert await store.signoffs.figures(row) == {
            world.village_ids["T1"]: {"vneid": 5},
            world.village_ids["T2"]: {"vneid": 3},
        }


async def test_reopening_needs_a_reason_and_is_audited(
    chain: Chat, db: Database, world: World
) -> None:
    await chain.say("vneid 5", user="an")
    await chain.say("/chot", user="binh")
    assert "không có số liệu tháng 11/2026 nào đã duyệt" in await chain.say(
        "/mochot 16012 11/2026 sửa", user="tinh"
    )
    await chain.say("/duyet 16012 11/2026", user="tinh")
    assert "Cần ghi lý do" in await chain.say("/mochot 16012", user="tinh")
    reply = await chain.say("/mochot 16012 11/2026 thôn 2 báo thiếu", user="tinh")
    assert "Đã mở lại số liệu tháng 11/2026" in reply and "thôn 2 báo thiếu" in reply
    row = await status(db, world)
    assert row is not None and row.status is MonthStatus.open
    assert row.reason == "thôn 2 báo thiếu"
    assert "Đã ghi nhận" in await chain.say("vneid 3", user="cuc")
    async with db.reading() as store:
        details = (
            await store.session.exec(
                select(AuditLog.detail).where(AuditLog.action == "signoff-reopen")
            )
        ).all()
    assert details == ["16012 2026-11 approved (by Phạm Văn Tỉnh)->open: thôn 2 báo thiếu"]


async def test_the_default_month_is_the_latest_whose_deadline_has_come(
    chain: Chat, db: Database, world: World, clock: FixedClock
) -> None:
    clock.now = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)  # before December's deadline
    assert "tháng 11/2026" in await chain.say("/chot", user="binh")
    assert "tháng 12/2026" in await chain.say("/chot tháng này", user="binh")
    assert "chưa đến, chưa thể chốt" in await chain.say("/chot 1/2027", user="binh")
    assert "chưa hiểu tháng nào" in await chain.say("/chot hôm qua", user="binh")
    assert (await status(db, world, "2026-12")) is not None
    assert (await status(db, world, "2027-01")) is None


async def test_only_a_commune_signs_off_and_only_above_approves(
    chain: Chat, db: Database, world: World
) -> None:
    await chain.say("/chot", user="binh")
    assert "dành cho lãnh đạo xã" in await chain.say("/chot", user="an")
    assert "Chỉ lãnh đạo một xã" in await chain.say("/chot", user="tinh")
    assert "dành cho" in await chain.say("/duyet 16012", user="binh")
    assert "Cần mã xã" in await chain.say("/duyet", user="tinh")
    assert "Không có đơn vị mã" in await chain.say("/duyet XYZ", user="tinh")
    assert "không phải là một xã" in await chain.say("/duyet 16012-T1", user="tinh")
    assert "không phải là một xã" in await chain.say("/duyet 38", user="tinh")
    row = await status(db, world)
    assert row is not None and row.status is MonthStatus.signed


async def test_the_status_shows_in_tiendo(chain: Chat, world: World) -> None:
    await chain.say("vneid 5", user="an")
    assert "Chốt số liệu: chưa chốt" in await chain.say("/tiendo", user="binh")
    await chain.say("/chot", user="binh")
    shown = await chain.say("/tiendo", user="binh")
    assert "📝 Chốt số liệu: đã chốt — Lê Thị Bình, 10:00 21/11/2026" in shown
    above = await chain.say("/tiendo", user="tinh")
    assert "1 xã đã chốt, 0 xã đã duyệt, trên 1 xã" in above


async def test_tiendo_shows_the_on_time_rate_once_the_deadline_is_over(
    chain: Chat, clock: FixedClock
) -> None:
    clock.now = datetime(2026, 11, 19, 3, 0, tzinfo=UTC)
    await chain.say("vneid 5", user="an")
    assert "⏱ Hạn báo cáo: 20/11/2026" in await chain.say("/tiendo", user="binh")
    clock.now = NOW
    await chain.say("vneid 2", user="cuc")  # a day late
    shown = await chain.say("/tiendo", user="binh")
    assert "⏱ Đúng hạn (hạn 20/11/2026): 1/2 thôn (50,0%)" in shown
    above = await chain.say("/tiendo", user="tinh")
    assert "• Xã Hoằng Kim: 1/2 (50,0%)" in above


async def test_the_export_has_the_sign_off_and_on_time_sheet(
    chain: Chat, clock: FixedClock
) -> None:
    clock.now = datetime(2026, 11, 19, 3, 0, tzinfo=UTC)
    await chain.say("vneid 5", user="an")
    clock.now = NOW
    await chain.say("/chot", user="binh")
    await chain.say("/duyet 16012", user="tinh")
    (reply,) = await chain.send("/xuat", user="binh")
    book = load_workbook(io.BytesIO(reply.files[0].data))
    lines = [row[0] for row in book["Chốt số liệu"].values]
    assert lines == [
        "Chốt số liệu và báo cáo đúng hạn — Xã Hoằng Kim — tháng 11/2026",
        "Chốt số liệu: đã duyệt — Phạm Văn Tỉnh, 10:00 21/11/2026",
        "Đúng hạn (hạn 20/11/2026): 1/2 thôn (50,0%)",
        "• Thôn <2>: 0/1 (0,0%)",
        "• Thôn 1: 1/1 (100,0%)",
    ]
    assert book.sheetnames[0] == "Tổng hợp"  # the appendix stays first, as it was


async def test_the_tally_and_the_deadline_summary_speak_of_the_sign_off(
    chain: Chat, db: Database
) -> None:
    await run_due(db, vn(date(2026, 11, 20)), Planner(), WORDING)  # the deadline morning
    (summary,) = await outbox_of(db, "escalation", "tinh")
    assert "⬜ Chưa chốt số liệu tháng 11/2026 (1): Xã Hoằng Kim" in summary
    await chain.say("vneid 5", user="an")
    await chain.say("/chot", user="binh")
    await run_due(db, vn(date(2026, 11, 23)), Planner(), WORDING)  # Monday's tally
    (tally,) = await outbox_of(db, "tally", "binh")
    assert "📝 Chốt số liệu: đã chốt — Lê Thị Bình, 10:00 21/11/2026" in tally
    assert "⏱ Đúng hạn (hạn 20/11/2026): 0/2 thôn (0,0%)" in tally


def vn(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=VN).astimezone(UTC)


async def outbox_of(db: Database, kind: str, chat_id: str) -> list[str]:
    async with db.reading() as store:
        stmt = (
            select(OutboxMessage.html)
            .where(OutboxMessage.kind == kind, OutboxMessage.chat_id == chat_id)
            .order_by(col(OutboxMessage.id))
        )
        return list((await store.session.exec(stmt)).all())


async def test_the_lock_covers_undoing_a_declaration_a_day_and_held_reports(
    chain: Chat, db: Database
) -> None:
    declared = await chain.say("không phát sinh", user="cuc")
    code = re.search(r"mã <code>([A-Z0-9]+)</code>", declared)
    assert code is not None
    await chain.say("vneid 5", user="an")
    await chain.say("/chot", user="binh")
    async with db.reading() as store:
        an = await store.members.by_identity("test", "an")
        assert an is not None
    before = await active_counts(db)
    for text, user in [
        (f"/huy {code.group(1)}", "cuc"),  # the "không phát sinh" receipt
        (f"/huy {an.id} 21/11", "binh"),  # a leader's undo of a member's day
        ("vneid 300", "an"),  # above the daily limit: not even held for confirming
    ]:
        reply = await chain.say(text, user=user)
        assert "đã chốt số liệu tháng 11/2026" in reply, (text, reply)
        assert "/xacnhan" not in reply
    assert await active_counts(db) == before
    async with db.reading() as store:
        row = await store.nothing.by_receipt(code.group(1))
        assert row is not None and row.cancelled_at is None


async def test_approving_reads_every_word_after_the_code(
    chain: Chat, db: Database, world: World
) -> None:
    await chain.say("/chot", user="binh")
    assert "chưa hiểu tháng nào" in await chain.say("/duyet 16012 nhanh lên", user="tinh")
    assert "không có số liệu tháng 10/2026" in await chain.say(
        "/duyet 16012 tháng trước", user="tinh"
    )
    row = await status(db, world)
    assert row is not None and row.status is MonthStatus.signed
    assert "Đã duyệt" in await chain.say("/duyet 16012 tháng này", user="tinh")


async def test_each_step_tells_the_provinces_systems_when_a_receiver_is_set(
    chain: Chat, db: Database, clock: FixedClock
) -> None:
    chain.handlers.rules = replace(chain.handlers.rules, webhook_enabled=True)
    await chain.say("vneid 5", user="an")
    for text, user in [
        ("/chot", "binh"),
        ("/tralai 16012 thiếu thôn 2", "tinh"),
        ("/chot", "binh"),
        ("/duyet 16012", "tinh"),
        ("/mochot 16012 11/2026 sửa số thôn 2", "tinh"),
    ]:
        clock.advance(minutes=1)
        await chain.say(text, user=user)
    async with db.reading() as store:
        stmt = (
            select(OutboxMessage.html)
            .where(OutboxMessage.kind == OutboxKind.webhook)
            .order_by(col(OutboxMessage.id))
        )
        bodies = [json.loads(html) for html in (await store.session.exec(stmt)).all()]
    assert [b["type"] for b in bodies] == [
        "month.signed_off", "month.returned", "month.signed_off", "month.approved",
        "month.reopened",
    ]  # fmt: skip
    assert {(b["unit_code"], b["month"]) for b in bodies} == {("16012", "2026-11")}


async def test_no_event_goes_out_without_a_receiver(chain: Chat, db: Database) -> None:
    await chain.say("vneid 5", user="an")
    await chain.say("/chot", user="binh")
    async with db.reading() as store:
        stmt = select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.webhook)
        assert (await store.session.exec(stmt)).all() == []
