"""Reporting, undo and correct through the neutral handlers, on a real SQLite database."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlmodel import col, select

from handlers.types import Kind, Reply
from storage.db import Database
from storage.models import AuditLog, Entry
from tests.conftest import Chat, FixedClock

MONTH = (date(2026, 11, 1), date(2026, 11, 30))


async def totals(db: Database, **kwargs: object) -> dict[str, int]:
    async with db.reading() as store:
        return await store.entries.totals(*MONTH, **kwargs)  # type: ignore[arg-type]


def receipt_of(reply: Reply) -> str:
    """The receipt a reply gives (read from the reply, not its text)."""
    assert reply.receipt_code, reply.html
    assert f"<code>{reply.receipt_code}</code>" in reply.html  # and the text shows it
    return reply.receipt_code


async def test_a_report_is_stored_and_confirmed_with_a_receipt(chat: Chat, db: Database) -> None:
    reply = await chat.reply("/bc vneid 5 cks 2")
    assert "Đã ghi nhận" in reply.html and "21/11/2026" in reply.html
    assert "VNeID: <b>5</b>" in reply.html and "CKS: <b>2</b>" in reply.html
    assert len(receipt_of(reply)) == 6
    assert await totals(db) == {"vneid": 5, "cks": 2}


async def test_receipt_carries_an_undo_button_within_64_bytes(chat: Chat) -> None:
    (reply,) = await chat.send("vneid 5")
    (button,) = reply.buttons
    assert button.action == f"undo:{receipt_of(reply)}"
    assert len(button.action.encode()) <= 64


@pytest.mark.parametrize(
    "text",
    [
        "vneid 5 cks 2",
        "/bc vneid 5 cks 2",
        "/baocao vneid 5, cks 2",
        "/report 5 vneid 2 cks",
        "/BC@CnsBot vneid 5 cks 2",
        "Kích hoạt định danh 5 người, cài chữ ký số 2",
    ],
)
async def test_every_way_of_reporting_counts_the_same(chat: Chat, db: Database, text: str) -> None:
    assert "Đã ghi nhận" in await chat.say(text)
    assert await totals(db) == {"vneid": 5, "cks": 2}


async def test_indicator_shortcuts(chat: Chat, db: Database) -> None:
    await chat.say("/vneid 5")
    await chat.say("/cks 3")
    await chat.say("/tt 2 hôm qua")
    assert await totals(db) == {"vneid": 5, "cks": 3, "tt": 2}


async def test_yesterday_is_stored_on_yesterday(chat: Chat, db: Database) -> None:
    reply = await chat.say("tt 3 hôm qua")
    assert "20/11/2026" in reply
    async with db.reading() as store:
        assert await store.entries.totals(date(2026, 11, 20), date(2026, 11, 20)) == {"tt": 3}


async def test_in_a_group_only_slash_commands_are_handled(chat: Chat, db: Database) -> None:
    assert await chat.send("vneid 5", group=True) == []
    assert await chat.send("/bc@OtherBot vneid 5", group=True) == []
    assert "Đã ghi nhận" in await chat.say("/bc@CnsBot vneid 5", group=True)
    assert await totals(db) == {"vneid": 5}


@pytest.mark.parametrize(
    "text, words",
    [
        ("vnied 5", ["vnied", "Ý bạn là", "VNeID"]),
        ("vneid", ["Thiếu số lượng", "VNeID"]),
        ("5", ["chưa ghi là của chỉ tiêu nào"]),
        ("vneid 5 vneid 3", ["hai lần"]),
        ("vneid 0", ["bằng 0"]),
        ("vneid -2", ["không được âm"]),
        ("vneid 2.5", ["số nguyên"]),
        ("vneid 501", ["vượt mức tối đa 500"]),
        ("vneid 5 ngày 25/11", ["chưa tới"]),
        ("vneid 5 ngày 15/09", ["đã khóa"]),
        ("/bc", ["Hãy ghi số liệu"]),
    ],
)
async def test_a_refusal_explains_with_an_example_and_stores_nothing(
    chat: Chat, db: Database, text: str, words: list[str]
) -> None:
    reply = await chat.say(text)
    assert reply.startswith("⚠️") or "Hãy ghi" in reply
    for word in words:
        assert word in reply
    assert "Ví dụ" in reply or "ví dụ" in reply
    assert await totals(db) == {}


async def test_the_same_update_twice_is_counted_and_answered_once(chat: Chat, db: Database) -> None:
    assert len(await chat.send("vneid 5", key="tg:42")) == 1
    assert await chat.send("vneid 5", key="tg:42") == []
    assert await totals(db) == {"vneid": 5}


async def test_five_concurrent_deliveries_count_once(chat: Chat, db: Database) -> None:
    results = await asyncio.gather(*(chat.send("vneid 5", key="tg:77") for _ in range(5)))
    assert sorted(len(r) for r in results) == [0, 0, 0, 0, 1]
    assert await totals(db) == {"vneid": 5}


async def test_a_refused_update_sent_again_is_not_answered_twice(chat: Chat) -> None:
    assert len(await chat.send("vnied 5", key="tg:9")) == 1
    assert await chat.send("vnied 5", key="tg:9") == []


async def test_undo_cancels_the_last_report_only(chat: Chat, db: Database) -> None:
    await chat.say("vneid 5")
    await chat.say("cks 2")
    reply = await chat.say("/huy")
    assert "Đã hủy" in reply and "CKS" in reply
    assert await totals(db) == {"vneid": 5}


async def test_undo_by_code_and_twice(chat: Chat, db: Database) -> None:
    code = receipt_of(await chat.reply("vneid 5"))
    await chat.say("cks 2")
    assert "Đã hủy" in await chat.say(f"/huy {code.lower()}")
    assert "đã được hủy trước đó" in await chat.say(f"/huy {code}")
    assert await totals(db) == {"cks": 2}


async def test_nothing_to_undo(chat: Chat) -> None:
    assert "chưa có báo cáo nào" in await chat.say("/huy")


async def test_no_one_undoes_someone_elses_receipt(chat: Chat, db: Database) -> None:
    code = receipt_of(await chat.reply("vneid 5", user="an"))
    assert "không phải của bạn" in await chat.say(f"/huy {code}", user="cuc")
    (reply,) = await chat.send(f"undo:{code}", user="cuc", kind=Kind.button)
    assert reply.notice and "không phải của bạn" in reply.html
    assert await totals(db) == {"vneid": 5}


async def test_undo_button_pressed_twice_is_harmless(chat: Chat, db: Database) -> None:
    code = receipt_of(await chat.reply("vneid 5"))
    (first,) = await chat.send(f"undo:{code}", kind=Kind.button)
    (second,) = await chat.send(f"undo:{code}", kind=Kind.button)
    assert first.notice and "Đã hủy" in first.html
    assert second.notice and "đã được hủy trước đó" in second.html
    assert await totals(db) == {}


async def test_unknown_receipt(chat: Chat) -> None:
    assert "Không tìm thấy phiếu" in await chat.say("/huy ZZZZZZ")


async def test_correct_cancels_and_replaces_keeping_the_day(chat: Chat, db: Database) -> None:
    old = receipt_of(await chat.reply("vneid 5 cks 2 hôm qua"))
    reply = await chat.say(f"/sua {old} vneid 4")
    assert f"Đã sửa phiếu <code>{old}</code>" in reply and "20/11/2026" in reply
    assert await totals(db) == {"vneid": 4, "cks": 2}  # CKS not named: kept
    async with db.reading() as store:
        entries = await store.entries.by_receipt(old)
        assert all(e.cancelled_at and e.replaced_by for e in entries)
        new_entries = await store.entries.by_receipt(entries[0].replaced_by or "")
        assert {e.replaces for e in new_entries} == {old}
        assert {e.day for e in new_entries} == {date(2026, 11, 20)}
        actions = [
            a.action
            for a in (await store.session.exec(select(AuditLog).order_by(col(AuditLog.id)))).all()
        ]
    assert actions == ["report", "correct"]


async def test_a_refused_correction_changes_nothing(chat: Chat, db: Database) -> None:
    old = receipt_of(await chat.reply("vneid 5"))
    assert "⚠️" in await chat.say(f"/sua {old} vneid 0")
    assert "Hãy ghi báo cáo mới" in await chat.say(f"/sua {old}")
    assert await totals(db) == {"vneid": 5}


async def test_a_report_in_a_closed_period_cannot_be_undone(
    chat: Chat, db: Database, clock: FixedClock
) -> None:
    code = receipt_of(await chat.reply("vneid 5"))
    clock.advance(days=16)  # 7 December: November closed after the 5th
    assert "kỳ báo cáo đã khóa" in await chat.say(f"/huy {code}")
    async with db.reading() as store:
        assert all(e.cancelled_at is None for e in await store.entries.by_receipt(code))


async def test_edited_message_does_not_change_counts(chat: Chat, db: Database) -> None:
    await chat.say("vneid 5")
    assert "không</b> tự thay đổi" in await chat.say("vneid 9", kind=Kind.edited)
    assert await totals(db) == {"vneid": 5}


async def test_entries_record_member_unit_and_source(chat: Chat, db: Database) -> None:
    await chat.say("vneid 5")
    async with db.reading() as store:
        (entry,) = (await store.session.exec(select(Entry))).all()
    assert entry.source.startswith("test:an:") and entry.count == 5
