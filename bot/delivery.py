"""The delivery worker: outbox rows -> channels, within each platform's limits.

Rows are claimed in small batches (one short transaction) and sent outside any transaction
at booked moments. A send that went through is recorded at once, in a transaction of its
own; failures and retries are recorded together when the batch ends. A worker that dies
leaves rows "sending"; after the lease they go back to pending, so only a message whose
send had finished but whose record had not can go out twice, and nothing is lost.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.ratelimit import Booker, Limits
from storage.db import Database
from storage.models import OutboxMessage, OutboxStatus, utcnow
from storage.store import Store

log = logging.getLogger(__name__)


class RetryAfter(Exception):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds}s")
        self.seconds = seconds


class TransientError(Exception):
    """5xx, a timeout, a dropped connection: worth trying again later."""


class PermanentError(Exception):
    """Chat not found, bot blocked, bad request: trying again will not help."""


class Undeliverable(Exception):
    """The platform refuses by policy (e.g. outside a reply window): recorded, not retried."""


class Channel(Protocol):
    platform: str
    limits: Limits

    async def send(self, message: OutboxMessage) -> None: ...


@dataclass(frozen=True)
class DeliverySettings:
    batch: int = 50
    max_attempts: int = 6
    backoff_base: float = 2.0  # seconds; doubles with each attempt
    backoff_max: float = 600.0
    max_retry_afters: int = 20  # 429s one message may get before they count as failures
    lease: timedelta = timedelta(minutes=2)
    poll_seconds: float = 1.0
    hold_at_most: float = 5.0  # a send booked later than this goes back to the queue


class DeliveryWorker:
    def __init__(
        self,
        db: Database,
        channels: Mapping[str, Channel],
        settings: DeliverySettings | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db, self.channels, self.clock = db, dict(channels), clock
        self.settings = settings or DeliverySettings()
        self.bookers = {name: Booker(c.limits) for name, c in self.channels.items()}
        self._throttled: dict[int, int] = {}
        self._outcomes: list[Callable[[Store], Awaitable[None]]] = []
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                done = await self.drain_once()
            except Exception:
                log.exception("delivery round failed; trying again")
                done = 0
            if not done:
                self._wake.clear()
                waiters = [asyncio.ensure_future(e.wait()) for e in (stop, self._wake)]
                await asyncio.wait(
                    waiters, timeout=self.settings.poll_seconds, return_when=asyncio.FIRST_COMPLETED
                )
                for waiter in waiters:
                    waiter.cancel()

    async def drain(self, timeout: float = 60.0) -> None:
        """Deliver until nothing is pending or sending (tests, CLI), waiting out retries."""
        async with asyncio.timeout(timeout):
            while True:
                if not await self.drain_once():
                    async with self.db.transaction() as store:
                        counts = await store.outbox.counts()
                    if not counts.get("pending") and not counts.get("sending"):
                        return
                    await asyncio.sleep(0.05)

    async def drain_once(self) -> int:
        """Claim one batch and deliver it; returns how many rows were claimed."""
        async with self.db.transaction() as store:
            await store.outbox.release_stale(self.clock(), self.settings.lease)
            rows = await store.outbox.claim(self.clock(), self.settings.batch, list(self.channels))
        if rows:
            self._outcomes = []
            try:
                await asyncio.gather(*(self._deliver(row, d) for row, d in self._plan(rows)))
            finally:
                # One transaction for the batch's other outcomes: a crash before it only
                # delays those rows until their lease runs out (none of them went out).
                async with self.db.transaction() as store:
                    for record in self._outcomes:
                        await record(store)
        return len(rows)

    def _plan(self, rows: list[OutboxMessage]) -> list[tuple[OutboxMessage, float]]:
        """Book a moment for each row, the chat that can go soonest first."""
        now = time.monotonic()
        pending, planned = list(rows), []
        while pending:
            booker = lambda r: self.bookers[r.platform]  # noqa: E731
            row = min(
                pending, key=lambda r: (booker(r).ready_at(r.chat_id, r.is_group, now), r.id or 0)
            )
            pending.remove(row)
            if (
                booker(row).ready_at(row.chat_id, row.is_group, now) - now
                > self.settings.hold_at_most
            ):
                planned.append((row, -1.0))  # not now: back to the queue, booked nothing
                continue
            planned.append((row, booker(row).book(row.chat_id, row.is_group, now) - now))
        return planned

    async def _deliver(self, row: OutboxMessage, delay: float) -> None:
        if delay < 0:
            return await self._later(row, self._ready_time(row), row.attempts, "waiting for limits")
        await asyncio.sleep(delay)
        booker = self.bookers[row.platform]
        if time.monotonic() < booker.paused_until:  # a 429 arrived while this one waited
            return await self._later(row, self._ready_time(row), row.attempts, "paused by 429")
        try:
            await self.channels[row.platform].send(row)
        except RetryAfter as err:
            booker.pause(time.monotonic() + err.seconds)
            await self._throttle(row, err.seconds)
        except PermanentError as err:
            await self._fail(row, OutboxStatus.dead, row.attempts + 1, f"permanent: {err}")
        except Undeliverable as err:
            await self._fail(row, OutboxStatus.undeliverable, row.attempts + 1, str(err))
        except Exception as err:  # transient by default: the network, 5xx, timeouts
            await self._retry(row, f"{type(err).__name__}: {err}")
        else:
            await self._sent(row)
        return None

    async def _sent(self, row: OutboxMessage) -> None:
        self._throttled.pop(row.id or 0, None)
        sent_at = self.clock()
        try:
            async with self.db.transaction() as store:
                await store.outbox.mark_sent(row.id or 0, sent_at)
        except Exception:
            log.warning("recording outbox %s as sent failed; retrying with the batch", row.key)
            self._outcomes.append(lambda store: store.outbox.mark_sent(row.id or 0, sent_at))

    def _ready_time(self, row: OutboxMessage) -> datetime:
        booker, now = self.bookers[row.platform], time.monotonic()
        wait = booker.ready_at(row.chat_id, row.is_group, now) - now
        return self.clock() + timedelta(seconds=max(0.0, wait))

    async def _throttle(self, row: OutboxMessage, seconds: float) -> None:
        count = self._throttled[row.id or 0] = self._throttled.get(row.id or 0, 0) + 1
        if count > self.settings.max_retry_afters:
            return await self._retry(row, "too many 429s")
        await self._later(row, self.clock() + timedelta(seconds=seconds), row.attempts, "429")
        return None

    async def _retry(self, row: OutboxMessage, error: str) -> None:
        attempts = row.attempts + 1
        if attempts >= self.settings.max_attempts:
            log.warning("outbox %s is dead after %d attempts: %s", row.key, attempts, error)
            return await self._fail(row, OutboxStatus.dead, attempts, error)
        backoff = min(self.settings.backoff_max, self.settings.backoff_base * 2 ** (attempts - 1))
        backoff *= random.uniform(0.8, 1.2)  # jitter: retries of many rows do not line up
        await self._later(row, self.clock() + timedelta(seconds=backoff), attempts, error)
        return None

    async def _later(self, row: OutboxMessage, at: datetime, attempts: int, why: str) -> None:
        self._outcomes.append(lambda store: store.outbox.mark_retry(row.id or 0, attempts, at, why))

    async def _fail(
        self, row: OutboxMessage, status: OutboxStatus, attempts: int, error: str
    ) -> None:
        self._outcomes.append(
            lambda store: store.outbox.mark_failed(row.id or 0, status, attempts, error)
        )
