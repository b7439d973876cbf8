"""The language of reports through the chat: courtesy, receipts, the lexicon as data."""

from __future__ import annotations

from datetime import date

from handlers import texts_language
from handlers.app import Handlers
from handlers.types import Rules
from storage.db import Database
from tests.conftest import Chat, FixedClock

MONTH = (date(2026, 11, 1), date(2026, 11, 30))


async def totals(db: Database) -> dict[str, int]:
    async with db.reading() as store:
        return await store.entries.totals(*MONTH)


async def test_thanks_in_a_private_chat_get_a_friendly_answer_and_store_nothing(
    chat: Chat, db: Database
) -> None:
    for text in ("cảm ơn bot", "ok", "👍", "dạ vâng ạ", "thanks", "/bc cảm ơn"):
        reply = await chat.say(text)
        assert reply == texts_language.COURTESY, text
        assert "Mình không hiểu" not in reply
    assert await totals(db) == {}


async def test_a_polite_report_is_recorded_and_the_receipt_shows_what_was_set_aside(
    chat: Chat, db: Database
) -> None:
    reply = await chat.say("Dạ em Hương thôn 3 gửi báo cáo ạ: vneid 4, cks 1")
    assert "Đã ghi nhận" in reply and "21/11/2026" in reply
    assert "Không tính là số lượng: Hương, thôn 3." in reply
    assert await totals(db) == {"vneid": 4, "cks": 1}


async def test_a_receipt_without_set_aside_words_has_no_such_line(chat: Chat) -> None:
    assert "Không tính" not in await chat.say("Dạ em gửi báo cáo ạ: vneid 4")


async def test_a_day_on_one_line_is_refused_and_nothing_is_stored(chat: Chat, db: Database) -> None:
    reply = await chat.say("vneid 5 cks 2\nhôm qua tt 1")
    assert "Chưa ghi nhận gì" in reply and "20/11/2026" in reply
    assert await totals(db) == {}


async def test_a_weekday_is_the_latest_such_day(chat: Chat, db: Database) -> None:
    assert "20/11/2026" in await chat.say("/bc thứ 6 vneid 2")
    assert "21/11/2026" in await chat.say("/vneid 1 thứ 7")  # today is a Saturday


async def test_zero_is_refused_pointing_to_a_month_with_nothing_to_report(chat: Chat) -> None:
    reply = await chat.say("vneid 0")
    assert texts_language.ZERO in reply and "Chưa ghi nhận gì" in reply


async def test_a_province_extends_the_lexicon_in_the_database(
    db: Database, clock: FixedClock, chat: Chat
) -> None:
    assert "nhờ" in await chat.say("chị Hoa nhờ em gửi vneid 3")  # refused: unknown word
    async with db.transaction() as store:
        await store.indicators.add_words([("nhờ", "filler"), ("ck", "filler")])
        await store.commit()
    fresh = Chat(Handlers(db, clock=clock, rules=Rules()))  # a new cache reads the words
    assert "Đã ghi nhận" in await fresh.say("chị Hoa nhờ em gửi vneid 3")
    refused = await fresh.say("vneid ck 3")  # close to cks: never taken as a filler
    assert "Chưa ghi nhận gì" in refused and "CKS" in refused
    assert await totals(db) == {"vneid": 3}


async def test_the_default_lexicon_is_seeded_beside_the_aliases(db: Database) -> None:
    async with db.reading() as store:
        words = dict(await store.indicators.words())
    assert words["dạ"] == "courtesy" and words["báo cáo"] == "filler"
    async with db.transaction() as store:
        await store.indicators.add_words([("dạ", "filler"), ("nhờ", "filler")])
        changed = dict(await store.indicators.words())
        await store.commit()
    assert (changed["dạ"], changed["nhờ"], len(changed)) == ("filler", "filler", len(words) + 1)


async def test_words_for_numbers_a_breakdown_and_none_yet_reach_the_receipt(
    chat: Chat, db: Database
) -> None:
    reply = await chat.say("vneid năm (trong đó 2 người già), chưa có cks, tt hai")
    assert "Đã ghi nhận" in reply
    assert "Không tính là số lượng: (trong đó 2 người già), chưa có cks." in reply
    assert await totals(db) == {"vneid": 5, "tt": 2}


async def test_a_year_is_never_read_as_a_count(chat: Chat, db: Database) -> None:
    reply = await chat.say("vneid năm 2026")
    assert "Chưa ghi nhận gì" in reply and "“năm”" in reply
    assert await totals(db) == {}
