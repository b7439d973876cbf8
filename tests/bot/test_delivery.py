"""Delivery against a fake channel that enforces the limits itself and answers 429s and
5xx at random: every message arrives exactly once, no limit is ever exceeded.

The worker and the channel run on one virtual clock (tests.virtual_time): the limits and
the waits are exactly those of a real clock, and no test waits for them in real time."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from dataclasses import dataclass, field

import pytest

from bot.delivery.ratelimit import Limits
from bot.delivery.worker import (
    DeliverySettings,
    DeliveryWorker,
    PermanentError,
    RetryAfter,
    TransientError,
    Undeliverable,
)
from storage.db import Database
from storage.models import OutboxMessage
from storage.retry import RetryPolicy
from tests.virtual_time import VirtualTime

LIMITS = Limits(per_second=50, per_chat_second=5, per_group_minute=4, group_window=2.0)
FAST = DeliverySettings(
    retry=RetryPolicy(attempts=10, base=0.02, factor=2.0, cap=0.2), poll_seconds=0.05
)


@dataclass
class StrictChannel:
    """Fails the test on any overall, per-chat or per-group burst, or a send during a 429."""

    time: VirtualTime
    platform: str = "telegram"
    limits: Limits = LIMITS
    fail_rate: float = 0.0
    throttle_rate: float = 0.0
    seed: int = 7
    latency: float = 0.002
    delivered: Counter[str] = field(default_factory=Counter)
    times: list[tuple[float, str, bool]] = field(default_factory=list)
    paused_until: float = 0.0
    violations: list[str] = field(default_factory=list)
    throttled: int = 0
    failed: int = 0

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)

    async def send(self, message: OutboxMessage) -> None:
        now = self.time.monotonic()
        self._check(now, message.chat_id, message.is_group)
        self.times.append((now, message.chat_id, message.is_group))
        roll = self.random.random()
        if roll < self.throttle_rate:
            self.throttled += 1
            self.paused_until = now + 0.2
            raise RetryAfter(0.2)
        if roll < self.throttle_rate + self.fail_rate:
            self.failed += 1
            raise TransientError("502 Bad Gateway")
        await self.time.sleep(self.latency)
        self.delivered[message.key] += 1

    def _check(self, now: float, chat: str, is_group: bool) -> None:
        if now < self.paused_until:
            self.violations.append(f"sent during a 429 pause ({chat})")
        last_second = [t for t, _, _ in self.times if t > now - 1.0]
        if len(last_second) + 1 > self.limits.per_second:
            self.violations.append("overall limit")
        if (
            sum(1 for t, c, _ in self.times if c == chat and t > now - 1.0) + 1
            > self.limits.per_chat_second
        ):
            self.violations.append(f"per-chat limit {chat}")
        window = self.limits.group_window
        if (
            is_group
            and sum(1 for t, c, _ in self.times if c == chat and t > now - window) + 1
            > self.limits.per_group_minute
        ):
            self.violations.append(f"per-group limit {chat}")


@pytest.fixture
def vt() -> VirtualTime:
    return VirtualTime()


def worker(
    db: Database, vt: VirtualTime, channel: StrictChannel, settings: DeliverySettings = FAST
) -> DeliveryWorker:
    """A worker on the virtual clock the channel checks the limits with."""
    return DeliveryWorker(
        db, {"telegram": channel}, settings, vt.utcnow, monotonic=vt.monotonic, sleep=vt.sleep
    )


async def enqueue(
    db: Database, rows: list[tuple[str, str, bool]], broadcast: int | None = None
) -> None:
    async with db.transaction() as store:
        for key, chat, is_group in rows:
            await store.outbox.enqueue(
                key, kind="broadcast", platform="telegram", chat_id=chat, html=f"<b>{key}</b>",
                is_group=is_group, broadcast_id=broadcast,
            )  # fmt: skip
        await store.commit()


def mixed(n_private: int = 240, groups: int = 3, per_group: int = 8) -> list[tuple[str, str, bool]]:
    rows = [(f"m{i}", f"user{i % 60}", False) for i in range(n_private)]
    rows += [(f"g{g}-{i}", f"group{g}", True) for g in range(groups) for i in range(per_group)]
    return rows


async def test_every_message_exactly_once_and_no_limit_exceeded(
    db: Database, vt: VirtualTime
) -> None:
    rows = mixed()
    await enqueue(db, rows)
    channel = StrictChannel(vt, fail_rate=0.10, throttle_rate=0.03)
    await worker(db, vt, channel, FAST).drain(timeout=60)
    assert channel.violations == []
    assert set(channel.delivered) == {key for key, _, _ in rows}
    assert set(channel.delivered.values()) == {1}
    assert channel.throttled > 0 and channel.failed > 0  # the storm really happened
    async with db.reading() as store:
        assert await store.outbox.counts() == {"sent": len(rows)}


async def test_many_chats_at_once_keep_the_overall_limit(db: Database, vt: VirtualTime) -> None:
    rows = [
        (f"m{i}", f"user{i}", False) for i in range(200)
    ]  # distinct chats: only the overall limit
    await enqueue(db, rows)
    channel = StrictChannel(
        vt,
    )
    start = vt.monotonic()
    await worker(db, vt, channel, FAST).drain(timeout=30)
    rate = len(rows) / (vt.monotonic() - start)
    ratio = rate / LIMITS.per_second
    print(f"achieved {rate:.1f}/s against {LIMITS.per_second}/s ({ratio:.2f})")  # bench/ measures
    assert channel.violations == [] and sum(channel.delivered.values()) == 200


async def test_a_permanent_error_is_dead_at_once_and_listed(db: Database, vt: VirtualTime) -> None:
    await enqueue(db, [("blocked", "user1", False)])

    class Blocked(StrictChannel):
        async def send(self, message: OutboxMessage) -> None:
            raise PermanentError("Forbidden: bot was blocked by the user")

    await worker(db, vt, Blocked(vt), FAST).drain()
    async with db.reading() as store:
        (dead,) = await store.outbox.with_status("dead")  # type: ignore[arg-type]
    assert dead.key == "blocked" and dead.attempts == 1 and "blocked" in dead.last_error


async def test_a_channel_that_always_fails_ends_in_dead_letters(
    db: Database, vt: VirtualTime
) -> None:
    await enqueue(db, [("a", "user1", False), ("b", "user2", False)])
    channel = StrictChannel(vt, fail_rate=1.0)
    await worker(db, vt, channel, FAST).drain()
    async with db.reading() as store:
        assert await store.outbox.counts() == {"dead": 2}
    assert channel.failed == 2 * FAST.retry.attempts


async def test_undeliverable_is_recorded_and_not_retried(db: Database, vt: VirtualTime) -> None:
    await enqueue(db, [("late", "user1", False)])
    calls = 0

    class Window(StrictChannel):
        async def send(self, message: OutboxMessage) -> None:
            nonlocal calls
            calls += 1
            raise Undeliverable("outside the 7-day reply window")

    await worker(db, vt, Window(vt), FAST).drain()
    async with db.reading() as store:
        assert await store.outbox.counts() == {"undeliverable": 1}
    assert calls == 1


async def test_a_crash_mid_batch_loses_nothing_and_repeats_at_most_what_was_in_flight(
    db: Database, vt: VirtualTime
) -> None:
    rows = [(f"m{i}", f"user{i}", False) for i in range(120)]
    await enqueue(db, rows)
    channel = StrictChannel(vt, latency=0.02)
    first = worker(db, vt, channel, FAST)
    task = asyncio.create_task(first.run(asyncio.Event()))
    while sum(channel.delivered.values()) < 30:
        await asyncio.sleep(0.01)
    task.cancel()  # the process dies mid-batch
    with pytest.raises(asyncio.CancelledError):
        await task
    in_flight = FAST.batch
    # Down for longer than the lease: the dead worker's claimed rows come back. (A lease
    # of 0 instead would hand the restarted worker's own batches in flight to its next
    # claim: repeats that no crash caused.)
    vt.advance(FAST.lease.total_seconds() + 1)
    restarted = worker(db, vt, channel, FAST)
    await restarted.drain(timeout=30)
    assert set(channel.delivered) == {key for key, _, _ in rows}  # nothing lost
    duplicates = sum(n - 1 for n in channel.delivered.values())
    print(f"duplicates after the crash: {duplicates}")
    assert duplicates <= in_flight


async def test_a_stopped_broadcast_sends_no_more(db: Database, vt: VirtualTime) -> None:
    await enqueue(db, [(f"b{i}", f"user{i}", False) for i in range(20)], broadcast=9)
    async with db.transaction() as store:
        assert await store.outbox.cancel_broadcast(9) == 20
        await store.commit()
    channel = StrictChannel(
        vt,
    )
    await worker(db, vt, channel, FAST).drain()
    assert channel.delivered == Counter()


async def test_a_storm_of_429s_slows_delivery_and_loses_nothing(
    db: Database, vt: VirtualTime
) -> None:
    calm_rows = [(f"calm{i}", f"user{i}", False) for i in range(60)]
    storm_rows = [(f"storm{i}", f"user{i}", False) for i in range(60)]
    await enqueue(db, calm_rows)
    calm = StrictChannel(vt, latency=0.0)
    started = vt.monotonic()
    await worker(db, vt, calm, FAST).drain(timeout=60)
    calm_took = vt.monotonic() - started

    await enqueue(db, storm_rows)
    storm = StrictChannel(vt, throttle_rate=0.4, latency=0.0, seed=11)  # 4 sends in 10 get a 429
    started = vt.monotonic()
    await worker(db, vt, storm, FAST).drain(timeout=120)
    storm_took = vt.monotonic() - started
    print(f"60 messages: {calm_took:.2f} s calm, {storm_took:.2f} s in a storm of 429s")
    assert storm.throttled >= 20  # the storm really happened
    assert storm.violations == []  # nothing was sent while a 429 said to wait
    assert set(storm.delivered) == {key for key, _, _ in storm_rows}  # nothing lost
    assert set(storm.delivered.values()) == {1}  # nothing twice
    assert storm_took > calm_took + storm.throttled * 0.2 * 0.5  # it did wait them out
