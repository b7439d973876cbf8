"""`/ganhom` on Telegram: the adapter asks getChatMember before handling, and only a group
administrator binds (issue 12, item 5). Real update JSON, the real dispatcher, no network."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import GetChatMember

from bot.delivery.ratelimit import Limits
from bot.delivery.worker import DeliveryWorker
from bot.tg.app import make_dispatcher
from bot.tg.channel import TelegramChannel
from handlers.app import Handlers
from handlers.types import Rules
from storage.db import Database
from tests.bot.tg import fakes
from tests.conftest import FixedClock, World

BINH = {"id": 4440001, "is_bot": False, "first_name": "Bình"}


@dataclass
class Telegram:
    bot: Bot
    session: fakes.RecordingSession
    dispatcher: Dispatcher
    db: Database
    delivery: DeliveryWorker

    async def feed(self, update: dict[str, object]) -> str:
        before = len(self.session.calls)
        await self.dispatcher.feed_raw_update(self.bot, update)
        await self.delivery.flush()  # the replies go after the commit
        sent = [c.text for c in self.session.calls[before:] if type(c).__name__ == "SendMessage"]
        return "\n".join(sent)

    async def bound(self) -> bool:
        async with self.db.reading() as store:
            return bool(await store.chats.bound())


@pytest.fixture
async def tg(db: Database, clock: FixedClock, world: World) -> AsyncIterator[Telegram]:
    session = fakes.RecordingSession()
    bot = Bot(
        "123456:TEST-TOKEN",
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )
    unlimited = Limits(per_second=1000, per_chat_second=1000, per_group_minute=1000)
    delivery = DeliveryWorker(db, {"telegram": TelegramChannel(bot, unlimited)})
    dispatcher = make_dispatcher(
        Handlers(db, clock=clock, rules=Rules()), delivery, retry_failures=True
    )
    async with db.transaction() as store:
        binh = await store.members.by_identity("test", "binh")
        assert binh is not None
        await store.members.link(binh, "telegram", str(BINH["id"]), "Bình")
        await store.commit()
    await bot.me()  # as at start-up: later calls are the updates' own
    yield Telegram(bot, session, dispatcher, db, delivery)
    await bot.session.close()


async def test_a_leader_who_is_no_group_admin_cannot_bind(tg: Telegram) -> None:
    reply = await tg.feed(fakes.group_text("/ganhom 16012", user=BINH))
    assert "Chỉ quản trị viên của nhóm" in reply and not await tg.bound()
    (asked,) = tg.session.sent("GetChatMember")
    assert (asked.chat_id, asked.user_id) == (fakes.GROUP["id"], BINH["id"])


@pytest.mark.parametrize("status", ["administrator", "creator"])
async def test_a_leader_who_administers_the_group_binds_it(tg: Telegram, status: str) -> None:
    tg.session.group_status[BINH["id"]] = status
    assert "đã gắn với <b>Xã Hoằng Kim</b>" in await tg.feed(
        fakes.group_text("/ganhom@CnsBot 16012", user=BINH)
    )
    assert await tg.bound()


async def test_when_telegram_cannot_be_asked_the_group_is_not_bound(tg: Telegram) -> None:
    tg.session.group_status[BINH["id"]] = "administrator"
    tg.session.fail_next = TelegramNetworkError(GetChatMember(chat_id=1, user_id=1), "down")
    assert "Chỉ quản trị viên của nhóm" in await tg.feed(
        fakes.group_text("/ganhom 16012", user=BINH)
    )
    assert not await tg.bound()


async def test_other_commands_and_private_chats_ask_nothing(tg: Telegram) -> None:
    await tg.feed(fakes.group_text("/tonghop@CnsBot", user=BINH))
    await tg.feed(fakes.private_text("/ganhom 16012", user=BINH))
    await tg.feed(fakes.group_text("/ganhom@OtherBot 16012", user=BINH))
    assert tg.session.sent("GetChatMember") == []
