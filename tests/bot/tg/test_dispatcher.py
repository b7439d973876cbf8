"""Real Telegram update JSON through the real aiogram dispatcher, a recording session."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode

from bot.delivery.ratelimit import Limits
from bot.delivery.worker import DeliveryWorker
from bot.tg.app import make_dispatcher, set_web_app_button
from bot.tg.channel import TelegramChannel
from bot.tg.convert import TEXT_LIMIT
from bot.tg.menus import set_commands, set_leader_menus
from handlers import texts
from handlers.app import Handlers
from handlers.types import Reply, Rules
from storage.db import Database
from tests.bot.tg import fakes
from tests.conftest import FixedClock, World

UNLIMITED = Limits(per_second=1000, per_chat_second=1000, per_group_minute=1000)


@dataclass
class Telegram:
    bot: Bot
    session: fakes.RecordingSession
    db: Database
    delivery: DeliveryWorker

    async def feed(self, update: dict[str, object]) -> None:
        """An update through the dispatcher, then what it sends after its commit."""
        await self.dispatcher.feed_raw_update(self.bot, update)
        await self.delivery.flush()

    async def total(self, indicator: str) -> int:
        async with self.db.reading() as store:
            counts = await store.entries.totals(date(2026, 11, 1), date(2026, 11, 30))
        return counts.get(indicator, 0)


@pytest.fixture
async def tg(db: Database, clock: FixedClock, world: World) -> AsyncIterator[Telegram]:
    session = fakes.RecordingSession()
    bot = Bot(
        "123456:TEST-TOKEN",
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )
    delivery = DeliveryWorker(db, {"telegram": TelegramChannel(bot, UNLIMITED)})
    telegram = Telegram(bot, session, db, delivery)
    telegram.dispatcher = make_dispatcher(
        Handlers(db, clock=clock, rules=Rules()), delivery, retry_failures=True
    )  # type: ignore[attr-defined]
    # The member "An" of the world fixture on Telegram.
    async with db.transaction() as store:
        an = await store.members.by_identity("test", "an")
        assert an is not None
        await store.members.link(an, "telegram", str(fakes.PERSON["id"]), "An")
        await store.commit()
    yield telegram
    await bot.session.close()


async def test_a_private_report_is_stored_and_confirmed_with_an_undo_button(tg: Telegram) -> None:
    await tg.feed(fakes.private_text("vneid 5 cks 2"))
    (sent,) = tg.session.sent("SendMessage")
    assert sent.chat_id == fakes.PERSON["id"] and "Đã ghi nhận" in sent.text
    (row,) = sent.reply_markup.inline_keyboard
    assert row[0].text == "Hủy phiếu này" and row[0].callback_data.startswith("undo:")
    assert await tg.total("vneid") == 5


async def test_the_undo_button_cancels_answers_and_removes_the_button(tg: Telegram) -> None:
    await tg.feed(fakes.private_text("vneid 5"))
    action = tg.session.sent("SendMessage")[0].reply_markup.inline_keyboard[0][0].callback_data
    await tg.feed(fakes.callback(action))
    (answer,) = tg.session.sent("AnswerCallbackQuery")
    assert "Đã hủy" in answer.text and "<" not in answer.text and len(answer.text) <= 200
    (edit,) = tg.session.sent("EditMessageReplyMarkup")
    assert edit.message_id == 42 and edit.reply_markup is None
    assert await tg.total("vneid") == 0
    await tg.feed(fakes.callback(action))  # pressed twice
    assert "đã được hủy trước đó" in tg.session.sent("AnswerCallbackQuery")[1].text


async def test_someone_elses_button_does_nothing(tg: Telegram) -> None:
    await tg.feed(fakes.private_text("vneid 5"))
    action = tg.session.sent("SendMessage")[0].reply_markup.inline_keyboard[0][0].callback_data
    stranger = {"id": 999, "is_bot": False, "first_name": "Lạ"}
    await tg.feed(fakes.callback(action, user=stranger))
    assert "mã mời" in tg.session.sent("AnswerCallbackQuery")[0].text
    assert await tg.total("vneid") == 5 and tg.session.sent("EditMessageReplyMarkup") == []


async def test_group_commands_with_a_mention_count_and_chatter_is_ignored(tg: Telegram) -> None:
    await tg.feed(fakes.group_text("vneid 5 cks 2"))
    await tg.feed(fakes.group_text("/bc@OtherBot vneid 3"))
    assert tg.session.sent("SendMessage") == []
    await tg.feed(fakes.group_text("/bc@CnsBot vneid 3"))
    (sent,) = tg.session.sent("SendMessage")
    assert sent.chat_id == fakes.GROUP["id"] and "Đã ghi nhận" in sent.text
    assert await tg.total("vneid") == 3


async def test_an_edited_message_explains_how_to_correct(tg: Telegram) -> None:
    await tg.feed(fakes.private_text("vneid 5"))
    await tg.feed(fakes.edited_text("vneid 9"))
    assert "/sua" in tg.session.texts()[-1] and await tg.total("vneid") == 5


async def test_the_bot_added_to_a_group_greets(tg: Telegram) -> None:
    await tg.feed(fakes.bot_added_to_group())
    (sent,) = tg.session.sent("SendMessage")
    assert sent.chat_id == fakes.GROUP["id"] and "/ganhom" in sent.text


async def test_channel_posts_and_photos_never_fail(tg: Telegram) -> None:
    await tg.feed(fakes.channel_post())
    await tg.feed(fakes.photo(in_group=True))
    assert tg.session.sent("SendMessage") == []
    await tg.feed(fakes.photo())
    assert "chỉ đọc được tin nhắn chữ" in tg.session.texts()[0]


async def test_a_stranger_joins_by_deep_link(tg: Telegram, world: World) -> None:
    newcomer = {"id": 8880001, "is_bot": False, "first_name": "Dũng <b>", "language_code": "vi"}
    await tg.feed(fakes.private_text(f"/start {world.invites['T1']}", user=newcomer))
    assert "Chào mừng <b>Dũng &lt;b&gt;</b>" in tg.session.texts()[0]
    await tg.feed(fakes.private_text("tt 2", user=newcomer))
    assert await tg.total("tt") == 2


async def test_the_same_update_twice_counts_once(tg: Telegram) -> None:
    update = fakes.private_text("vneid 5")
    await tg.feed(update)
    await tg.feed(update)
    assert await tg.total("vneid") == 5 and len(tg.session.sent("SendMessage")) == 1


async def test_long_replies_are_split_under_the_limit(tg: Telegram) -> None:
    from bot.tg.convert import send_reply

    html = "\n".join(f"<b>Thôn {n}</b> — " + "x" * 90 for n in range(120))
    await send_reply(tg.bot, 1, Reply(html))
    parts = tg.session.texts()
    assert len(parts) > 1 and all(len(p) <= TEXT_LIMIT for p in parts)
    assert "\n".join(parts) == html
    assert all(p.count("<b>") == p.count("</b>") for p in parts)


async def test_the_command_menus_are_vietnamese_and_differ(tg: Telegram) -> None:
    await set_commands(tg.bot)
    private, group = tg.session.sent("SetMyCommands")
    assert private.scope.type == "all_private_chats" and group.scope.type == "all_group_chats"
    assert {c.command for c in private.commands} != {c.command for c in group.commands}
    assert any("Báo cáo" in c.description for c in private.commands)
    assert "tiendo" not in {c.command for c in private.commands}  # a leader's command


LEADER = {"id": 5550002, "is_bot": False, "first_name": "Bình"}


async def _binh_on_telegram(tg: Telegram) -> int:
    """Bình (commune leader) linked on Telegram; An's id."""
    async with tg.db.transaction() as store:
        binh = await store.members.by_identity("test", "binh")
        an = await store.members.by_identity("test", "an")
        assert binh is not None and an is not None and an.id is not None
        await store.members.link(binh, "telegram", str(LEADER["id"]), "Bình")
        await store.commit()
        return an.id


def _chat_menus(tg: Telegram) -> dict[int, set[str]]:
    calls = [c for c in tg.session.sent("SetMyCommands") if c.scope.type == "chat"]
    return {c.scope.chat_id: {command.command for command in c.commands} for c in calls}


async def test_leaders_private_chats_get_their_roles_menu_at_start(tg: Telegram) -> None:
    await _binh_on_telegram(tg)
    await tg.feed(fakes.private_text("/toi", user=LEADER))  # her private chat is known
    await tg.feed(fakes.private_text("/toi"))  # An's too: a plain member keeps the default
    await set_leader_menus(tg.bot, tg.db, pause=0)
    menus = _chat_menus(tg)
    assert list(menus) == [LEADER["id"]]
    assert {"tiendo", "moi", "bc", "help"} <= menus[LEADER["id"]]


async def test_a_role_change_gives_that_persons_chat_the_new_menu(tg: Telegram) -> None:
    an_id = await _binh_on_telegram(tg)
    await tg.feed(fakes.private_text("/toi"))
    await tg.feed(fakes.private_text(f"/vaitro {an_id} quản trị huyện", user=LEADER))
    assert _chat_menus(tg) == {}  # refused (above her own role): nothing changes
    await tg.feed(fakes.private_text(f"/vaitro {an_id} tổ trưởng thôn", user=LEADER))
    assert "Đã đổi vai trò" in tg.session.texts()[-1]
    menus = _chat_menus(tg)
    assert list(menus) == [fakes.PERSON["id"]]
    assert {"tiendo", "thanhvien", "bc"} <= menus[fakes.PERSON["id"]]


async def test_the_menu_button_opens_the_mini_app_over_https_only(tg: Telegram) -> None:
    assert not await set_web_app_button(tg.bot, "http://127.0.0.1:8080")
    assert tg.session.sent("SetChatMenuButton") == []
    assert await set_web_app_button(tg.bot, "https://cns.example.vn/")
    (call,) = tg.session.sent("SetChatMenuButton")
    assert call.menu_button.type == "web_app"
    assert call.menu_button.web_app.url == "https://cns.example.vn/web/tg"


async def test_a_leader_gets_the_qr_picture_and_the_deep_link(tg: Telegram) -> None:
    leader = {"id": 4440001, "is_bot": False, "first_name": "Bình"}
    async with tg.db.transaction() as store:
        binh = await store.members.by_identity("test", "binh")
        assert binh is not None
        await store.members.link(binh, "telegram", "4440001", "Bình")
        await store.commit()
    await tg.feed(fakes.private_text("/moi 16012-T1", user=leader))
    text = tg.session.texts()[0]
    code = re.search(r"Mã mời <code>(\w+)</code>", text).group(1)  # type: ignore[union-attr]
    assert f"https://t.me/CnsBot?start={code}" in text
    (photo,) = tg.session.sent("SendPhoto")
    assert photo.chat_id == 4440001


async def test_an_update_that_keeps_failing_gets_one_apology_and_stores_nothing(
    tg: Telegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    handlers = tg.dispatcher.workflow_data["handlers"]  # type: ignore[attr-defined]
    tries = 0

    async def broken(msg: object) -> None:
        nonlocal tries
        tries += 1
        raise RuntimeError("database went away")

    monkeypatch.setattr(handlers, "handle", broken)
    await tg.feed(fakes.private_text("vneid 5"))  # polling: sorry at once
    assert tg.session.texts() == [texts.ERROR]
    assert tries == 1  # not retried around the handlers (they retry a busy database)
    assert await tg.total("vneid") == 0
    async with tg.db.reading() as store:
        assert await store.outbox.counts() == {}
