"""Two delivery workers, each with its own database connections, on one PostgreSQL
database: the overall, per-chat and per-group limits hold for their sends together."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import pytest

from bot.delivery.ratelimit import Limits
from bot.delivery.worker import DeliverySettings, DeliveryWorker, RetryAfter
from storage.db import Database
from storage.models import OutboxKind, OutboxMessage
from tests import databases

pytestmark = pytest.mark.skipif(
    not databases.ON_POSTGRES, reason="limits are shared through PostgreSQL"
)

SMALL_BATCHES = DeliverySettings(batch=8)  # both workers get rows: neither claims them all
_BY: list[str] = []  # which worker made each send
LIMITS = Limits(per_second=10.0, per_chat_second=1.0, per_group_minute=4.0, group_window=2.0)


@dataclass
class FakeTelegram:
    """Records every send with its time, for both workers (one list: one platform)."""

    sends: list[tuple[float, str, str, bool]]
    name: str
    platform: str = "telegram"
    limits: Limits = field(default=LIMITS)

    async def send(self, message: OutboxMessage) -> None:
        self.sends.append((time.monotonic(), message.key, message.chat_id, message.is_group))
        self.by.append(self.name)

    @property
    def by(self) -> list[str]:
        return _BY


async def _enqueue(db: Database) -> set[str]:
    keys = set()
    async with db.transaction() as store:
        for i in range(40):  # 20 private chats, two notices each
            key = f"private:{i}"
            await store.outbox.enqueue(
                key, kind=OutboxKind.broadcast, platform="telegram", chat_id=f"p{i % 20}", html=key
            )
            keys.add(key)
        for i in range(12):  # two groups, six notices each
            key = f"group:{i}"
            await store.outbox.enqueue(
                key, kind=OutboxKind.broadcast, platform="telegram", chat_id=f"g{i % 2}", html=key,
                is_group=True,
            )  # fmt: skip
            keys.add(key)
        await store.commit()
    return keys


def _most_in_any_window(times: list[float], window: float) -> int:
    times = sorted(times)
    return max(
        sum(1 for other in times[i:] if other < start + window) for i, start in enumerate(times)
    )


async def test_two_workers_together_keep_every_limit(database_url: str) -> None:
    first, second = Database(database_url), Database(database_url)
    sends: list[tuple[float, str, str, bool]] = []
    try:
        keys = await _enqueue(first)
        _BY.clear()
        workers = [
            DeliveryWorker(
                db, {"telegram": FakeTelegram(sends, name)}, SMALL_BATCHES, share_limits=True
            )
            for db, name in ((first, "first"), (second, "second"))
        ]
        assert all(w.shared is not None for w in workers)
        await asyncio.gather(*(w.drain(timeout=60) for w in workers))
        async with first.reading() as store:
            pending = await store.outbox.has_work(["telegram"])
    finally:
        await first.dispose()
        await second.dispose()
    sent = [key for _, key, _, _ in sends]
    assert sorted(sent) == sorted(keys) and not pending  # nothing lost, nothing doubled
    assert set(_BY) == {"first", "second"}  # both workers sent
    assert _most_in_any_window([t for t, *_ in sends], 1.0) <= LIMITS.per_second
    chats: dict[str, list[float]] = {}
    for at, _, chat, _ in sends:
        chats.setdefault(chat, []).append(at)
    for chat, times in chats.items():
        gaps = [b - a for a, b in zip(sorted(times), sorted(times)[1:], strict=False)]
        assert min(gaps, default=1.0) >= 1.0 / LIMITS.per_chat_second, chat
        if chat.startswith("g"):
            most = _most_in_any_window(times, LIMITS.group_window)
            assert most <= LIMITS.per_group_minute, chat


@dataclass
class ThrottledOnce(FakeTelegram):
    """Answers the first send with a 429 (retry after `pause` seconds)."""

    pause: float = 1.5
    refused_at: list[float] = field(default_factory=list)

    async def send(self, message: OutboxMessage) -> None:
        if not self.refused_at:
            self.refused_at.append(time.monotonic())
            raise RetryAfter(self.pause)
        await super().send(message)


async def test_a_429_seen_by_one_worker_pauses_the_other(database_url: str) -> None:
    first, second = Database(database_url), Database(database_url)
    sends: list[tuple[float, str, str, bool]] = []
    throttled = ThrottledOnce(sends, "first")
    try:
        keys = await _enqueue(first)
        workers = [
            DeliveryWorker(first, {"telegram": throttled}, SMALL_BATCHES, share_limits=True),
            DeliveryWorker(
                second,
                {"telegram": FakeTelegram(sends, "second")},
                SMALL_BATCHES,
                share_limits=True,
            ),
        ]
        await asyncio.gather(*(w.drain(timeout=60) for w in workers))
    finally:
        await first.dispose()
        await second.dispose()
    assert sorted(key for _, key, _, _ in sends) == sorted(keys)
    (refused,) = throttled.refused_at
    # (A send already past its last check when the 429 came, a few milliseconds, may go.)
    during = [t for t, *_ in sends if refused + 0.1 < t < refused + throttled.pause]
    assert during == []
