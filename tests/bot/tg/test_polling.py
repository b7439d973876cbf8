"""The bot's own long polling against the fake Bot API: an update is confirmed to Telegram
only once it is stored, and a stop finishes the update in hand and leaves the rest."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.delivery.ratelimit import Limits
from bot.delivery.worker import DeliveryWorker
from bot.tg.app import make_dispatcher
from bot.tg.channel import TelegramChannel
from bot.tg.polling import poll
from handlers.app import Handlers
from handlers.types import Incoming, Outcome
from storage.db import Database
from storage.retry import RetryPolicy
from tests.bot.test_workers import until
from tests.bot.tg import fakes
from tests.bot.tg.fake_api import FakeBotAPI
from tests.conftest import FixedClock, World

pytestmark = pytest.mark.slow  # starts a fake Telegram Bot API server on 127.0.0.1

UNLIMITED = Limits(per_second=1000, per_chat_second=1000, per_group_minute=1000)


async def vneid(db: Database) -> int:
    async with db.reading() as store:
        return (await store.entries.totals(date(2026, 11, 1), date(2026, 11, 30))).get("vneid", 0)


async def test_an_update_is_confirmed_only_once_stored_and_a_stop_finishes_the_one_in_hand(
    db: Database, clock: FixedClock, world: World
) -> None:
    async with db.transaction() as store:
        an = await store.members.by_identity("test", "an")
        assert an is not None
        await store.members.link(an, "telegram", str(fakes.PERSON["id"]), "An")
        await store.commit()
    api = FakeBotAPI()
    await api.server.start_server()
    bot = Bot(
        "123456:POLL-TOKEN", session=AiohttpSession(api=TelegramAPIServer.from_base(api.base_url))
    )
    handlers = Handlers(db, clock=clock)
    real, gate, second_started = handlers.handle, asyncio.Event(), asyncio.Event()

    async def slow_second(msg: Incoming) -> Outcome:
        if msg.text == "vneid 20":
            second_started.set()
            await gate.wait()  # the second report takes its time
        return await real(msg)

    handlers.handle = slow_second  # type: ignore[method-assign]
    delivery = DeliveryWorker(db, {"telegram": TelegramChannel(bot, UNLIMITED)})
    dispatcher = make_dispatcher(handlers, delivery, retry_failures=True)
    for n in (1, 20, 300):
        api.push(fakes.private_text(f"vneid {n}"))
    _, second, third = (u["update_id"] for u in api.updates)
    stop = asyncio.Event()
    polling = asyncio.create_task(poll(bot, dispatcher, stop, timeout=1))
    try:
        await asyncio.wait_for(second_started.wait(), 30)
        await asyncio.sleep(0.2)
        assert await vneid(db) == 1
        assert api.confirmed <= second  # the first is stored; nothing past it is confirmed
        stop.set()  # SIGTERM while the second is in hand
        await asyncio.sleep(0.1)
        gate.set()
        await asyncio.wait_for(polling, 30)
        await delivery.flush()
    finally:
        await bot.session.close()
        await api.server.close()
    assert await vneid(db) == 21  # the one in hand was finished; the third was not begun
    assert api.confirmed == third  # both handled ones confirmed; the third stays queued
    receipts = [p for p in api.sent("sendMessage") if "Đã ghi nhận" in str(p["text"])]
    assert len(receipts) == 2


async def test_a_failing_fetch_is_tried_again(
    db: Database, clock: FixedClock, world: World
) -> None:
    async with db.transaction() as store:
        an = await store.members.by_identity("test", "an")
        assert an is not None
        await store.members.link(an, "telegram", str(fakes.PERSON["id"]), "An")
        await store.commit()
    api = FakeBotAPI()
    await api.server.start_server()
    bot = Bot(
        "123456:POLL-TOKEN", session=AiohttpSession(api=TelegramAPIServer.from_base(api.base_url))
    )
    delivery = DeliveryWorker(db, {"telegram": TelegramChannel(bot, UNLIMITED)})
    dispatcher = make_dispatcher(Handlers(db, clock=clock), delivery, retry_failures=True)
    api.push(fakes.private_text("vneid 4"))
    api.updates[0]["message"] = "not a message"  # Telegram answering garbage, once
    stop = asyncio.Event()
    waits: list[float] = []

    async def sleep(seconds: float) -> None:  # the policy's wait, short in real time
        waits.append(seconds)
        await asyncio.sleep(0.01)

    retry = RetryPolicy(attempts=3, base=1.0, factor=2.0, cap=30.0, jitter=0.0, sleep=sleep)
    polling = asyncio.create_task(poll(bot, dispatcher, stop, timeout=1, retry=retry))
    try:
        await until(lambda: _true(len(waits) >= 3), 30, "three failed fetches")
        assert await vneid(db) == 0
        assert waits[:3] == [1.0, 2.0, 4.0]  # the waits grow by the policy
        api.updates[0] = {**fakes.private_text("vneid 4"), "update_id": api.updates[0]["update_id"]}
        await until(lambda: _equals(vneid(db), 4), 30, "the report after the fetch failed")
    finally:
        stop.set()
        await asyncio.wait_for(polling, 30)
        await delivery.flush()
        await bot.session.close()
        await api.server.close()


async def _true(value: bool) -> bool:
    return value


async def _equals(value: object, expected: int) -> bool:
    return await value == expected  # type: ignore[misc]
