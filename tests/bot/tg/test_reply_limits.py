"""Replies keep the per-chat limit: a person (or a script) sending a flood of reports gets
every receipt, spaced as Telegram allows, whether they go on the fast path or the worker's."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from aiogram import Bot
from aiogram.methods import TelegramMethod

from bot.delivery.ratelimit import Limits
from bot.delivery.worker import DeliverySettings, DeliveryWorker
from bot.tg.app import make_dispatcher
from bot.tg.channel import TelegramChannel
from handlers.app import Handlers
from handlers.types import Rules
from storage.db import Database
from tests.bot.tg import fakes
from tests.conftest import FixedClock, World
from tests.virtual_time import VirtualTime

PER_CHAT = 4.0  # sends per second to one chat (Telegram: 1; faster here to keep it short)
REPORTS = 12


class TimedSession(fakes.RecordingSession):
    """Records when each receipt reached "Telegram"."""

    def __init__(self, vt: VirtualTime) -> None:
        super().__init__()
        self.vt = vt
        self.receipts: list[tuple[float, int]] = []

    async def make_request(
        self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None
    ) -> Any:
        if type(method).__name__ == "SendMessage" and "Đã ghi nhận" in method.text:
            self.receipts.append((self.vt.monotonic(), int(method.chat_id)))
        return await super().make_request(bot, method, timeout)


async def test_a_flood_of_reports_from_one_chat_is_receipted_within_its_limit(
    db: Database, clock: FixedClock, world: World
) -> None:
    async with db.transaction() as store:
        an = await store.members.by_identity("test", "an")
        assert an is not None
        await store.members.link(an, "telegram", str(fakes.PERSON["id"]), "An")
        await store.commit()
    vt = VirtualTime()  # the worker's and the session's clock: no real waiting
    session = TimedSession(vt)
    bot = Bot("123456:TEST-TOKEN", session=session)
    limits = Limits(per_second=30, per_chat_second=PER_CHAT, per_group_minute=20)
    delivery = DeliveryWorker(
        db, {"telegram": TelegramChannel(bot, limits)}, DeliverySettings(),
        vt.utcnow, monotonic=vt.monotonic, sleep=vt.sleep,
    )  # fmt: skip
    rules = Rules(reports_per_minute=100)  # the flood of replies is what is measured here
    dispatcher = make_dispatcher(
        Handlers(db, clock=clock, rules=rules), delivery, retry_failures=True
    )
    stop = asyncio.Event()
    worker = asyncio.create_task(delivery.run(stop))
    try:
        for n in range(1, REPORTS + 1):  # as fast as the handlers take them
            await dispatcher.feed_raw_update(bot, fakes.private_text(f"vneid {n}"))
        async with asyncio.timeout(30):
            while len(session.receipts) < REPORTS:
                await asyncio.sleep(0.05)
    finally:
        await delivery.flush()
        stop.set()
        await worker
    times = sorted(t for t, _ in session.receipts)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    print(f"\n[flood] {REPORTS} receipts in {times[-1] - times[0]:.2f}s, min gap {min(gaps):.3f}s")
    assert len(session.receipts) == REPORTS  # every report receipted, none twice
    assert {chat for _, chat in session.receipts} == {fakes.PERSON["id"]}
    assert min(gaps) >= 0.97 / PER_CHAT  # never two within the chat's limit
    async with db.reading() as store:
        assert await store.outbox.counts() == {"sent": REPORTS}
