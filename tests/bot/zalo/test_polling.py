"""Zalo Bot API polling in process: each fetched update is stored before the next
getUpdates (Zalo has no offset: a fetched update is Zalo's no more), its reply goes after,
and a stop finishes what is in hand."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from bot.delivery.ratelimit import Limits
from bot.delivery.worker import DeliveryWorker
from bot.render import html_to_plain
from bot.zalo.channel import ZaloChannel, poll
from bot.zalo.client import ClientSettings, ZaloBotClient
from handlers import texts
from handlers.app import Handlers
from handlers.types import Incoming, Outcome
from storage.db import Database
from tests.bot.test_workers import until
from tests.bot.zalo.fake_zalo import FakeZalo
from tests.conftest import FixedClock, World

pytestmark = pytest.mark.slow  # starts a fake Zalo Bot API server on 127.0.0.1


async def vneid(db: Database) -> int:
    async with db.reading() as store:
        return (await store.entries.totals(date(2026, 11, 1), date(2026, 11, 30))).get("vneid", 0)


async def test_each_update_is_stored_before_the_next_fetch_and_every_reply_goes(
    db: Database, clock: FixedClock, world: World
) -> None:
    async with db.transaction() as store:
        an = await store.members.by_identity("test", "an")
        assert an is not None
        await store.members.link(an, "zalo", "zu-an", "An")
        await store.commit()
    zalo = FakeZalo()
    await zalo.server.start_server()
    client = ZaloBotClient("42:t", ClientSettings(base_url=zalo.base_url))
    handlers = Handlers(db, clock=clock)
    real, fetches_while_handling = handlers.handle, []

    def fetches() -> int:
        return sum(1 for method, _ in zalo.calls if method == "getUpdates")

    async def watched(msg: Incoming) -> Outcome:
        before = fetches()
        outcome = await real(msg)
        fetches_while_handling.append(fetches() - before)
        return outcome

    handlers.handle = watched  # type: ignore[method-assign]
    unlimited = Limits(per_second=1000, per_chat_second=1000, per_group_minute=1000)
    delivery = DeliveryWorker(db, {"zalo": ZaloChannel(client, unlimited)})
    for n in (1, 2, 3):
        zalo.push_text("zu-an", f"vneid {n}")
    stop = asyncio.Event()
    polling = asyncio.create_task(poll(client, handlers, delivery, stop, timeout=1))
    try:
        await until(lambda: _equals(vneid(db), 6), 30, "three reports stored")
    finally:
        stop.set()
        await asyncio.wait_for(polling, 30)
        await delivery.flush()
        await client.aclose()
        await zalo.server.close()
    assert fetches_while_handling == [0, 0, 0]  # nothing fetched before the commit
    assert len([t for t in zalo.texts("zu-an") if "Đã ghi nhận" in t]) == 3


async def _equals(value: object, expected: int) -> bool:
    return await value == expected  # type: ignore[misc]


async def test_an_update_that_fails_gets_one_apology_and_polling_moves_on(
    db: Database, clock: FixedClock, world: World
) -> None:
    async with db.transaction() as store:
        an = await store.members.by_identity("test", "an")
        assert an is not None
        await store.members.link(an, "zalo", "zu-an", "An")
        await store.commit()
    zalo = FakeZalo()
    await zalo.server.start_server()
    client = ZaloBotClient("42:t", ClientSettings(base_url=zalo.base_url))
    handlers = Handlers(db, clock=clock)
    real, tried = handlers.handle, []

    async def broken_first(msg: Incoming) -> Outcome:
        tried.append(msg.text)
        if msg.text == "vneid 1":
            raise RuntimeError("the database went away")
        return await real(msg)

    handlers.handle = broken_first  # type: ignore[method-assign]
    unlimited = Limits(per_second=1000, per_chat_second=1000, per_group_minute=1000)
    delivery = DeliveryWorker(db, {"zalo": ZaloChannel(client, unlimited)})
    zalo.push_text("zu-an", "vneid 1")
    zalo.push_text("zu-an", "vneid 2")
    stop = asyncio.Event()
    polling = asyncio.create_task(poll(client, handlers, delivery, stop, timeout=1))
    try:
        await until(lambda: _equals(vneid(db), 2), 30, "the next report stored")
    finally:
        stop.set()
        await asyncio.wait_for(polling, 30)
        await delivery.flush()
        await client.aclose()
        await zalo.server.close()
    assert tried == ["vneid 1", "vneid 2"]  # the failed update was not tried again here
    sent = zalo.texts("zu-an")
    assert sent.count(html_to_plain(texts.ERROR)) == 1  # the apology, as Telegram sends
    assert len([t for t in sent if "Đã ghi nhận" in t]) == 1
    async with db.reading() as store:  # the apology is not stored: only the receipt
        assert await store.outbox.counts() == {"sent": 1}
