"""`/sua`: a correction changes only the indicators it names, says what changed, and a
receipt corrected before names the one that replaced it."""

from __future__ import annotations

from datetime import date

from storage.db import Database
from tests.conftest import Chat
from tests.handlers.test_report import receipt_of, totals


async def active_counts(db: Database, receipt: str) -> dict[str, int]:
    async with db.reading() as store:
        return {
            e.indicator: e.count
            for e in await store.entries.by_receipt(receipt)
            if e.cancelled_at is None
        }


async def replacement_of(db: Database, receipt: str) -> str:
    async with db.reading() as store:
        (by,) = {e.replaced_by for e in await store.entries.by_receipt(receipt)}
    assert by is not None
    return by


async def test_correcting_one_indicator_keeps_the_others(chat: Chat, db: Database) -> None:
    old = receipt_of(await chat.reply("vneid 5 cks 2"))
    reply = await chat.say(f"/sua {old} vneid 4")
    new = await replacement_of(db, old)
    assert await active_counts(db, new) == {"vneid": 4, "cks": 2}
    assert await active_counts(db, old) == {}
    assert await totals(db) == {"vneid": 4, "cks": 2}
    assert "VNeID: 5 → <b>4</b>" in reply
    assert "CKS: <b>2</b> (giữ nguyên)" in reply


async def test_a_correction_may_add_an_indicator(chat: Chat, db: Database) -> None:
    old = receipt_of(await chat.reply("vneid 5"))
    reply = await chat.say(f"/sua {old} tt 3")
    assert await active_counts(db, await replacement_of(db, old)) == {"vneid": 5, "tt": 3}
    assert "TT: 0 → <b>3</b>" in reply


async def test_replacing_the_whole_receipt_is_explicit(chat: Chat, db: Database) -> None:
    old = receipt_of(await chat.reply("vneid 5 cks 2"))
    reply = await chat.say(f"/sua {old} thay vneid 4")
    assert await active_counts(db, await replacement_of(db, old)) == {"vneid": 4}
    assert "CKS: 2 → bỏ" in reply


async def test_a_correction_that_changes_nothing_is_refused(chat: Chat, db: Database) -> None:
    old = receipt_of(await chat.reply("vneid 5 cks 2"))
    assert "không có gì thay đổi" in await chat.say(f"/sua {old} cks 2")
    assert await active_counts(db, old) == {"vneid": 5, "cks": 2}


async def test_a_correction_moves_the_day_of_the_whole_receipt(chat: Chat, db: Database) -> None:
    old = receipt_of(await chat.reply("vneid 5 cks 2"))
    reply = await chat.say(f"/sua {old} vneid 5 hôm qua")
    new = await replacement_of(db, old)
    async with db.reading() as store:
        assert {e.day for e in await store.entries.by_receipt(new)} == {date(2026, 11, 20)}
    assert "21/11/2026 → <b>20/11/2026</b>" in reply


async def test_a_corrected_receipt_names_the_one_that_replaced_it(chat: Chat, db: Database) -> None:
    old = receipt_of(await chat.reply("vneid 5 cks 2"))
    await chat.say(f"/sua {old} vneid 4")
    first = await replacement_of(db, old)
    await chat.say(f"/sua {first} cks 1")
    second = await replacement_of(db, first)
    reply = await chat.say(f"/sua {old} vneid 3")
    assert f"<code>{second}</code>" in reply and "đã được hủy" not in reply
    assert await active_counts(db, second) == {"vneid": 4, "cks": 1}  # nothing changed
    assert f"<code>{second}</code>" in await chat.say(f"/huy {old}")
    await chat.say(f"/huy {second}")
    assert "cũng đã bị hủy" in await chat.say(f"/sua {old} vneid 3")
