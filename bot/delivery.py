"""The delivery worker: outbox rows -> channels, within each platform's limits.

Rows are claimed in small batches (one short transaction) and sent outside any transaction
at booked moments. A send that went through is recorded at once: a recorder commits every
send finished since its last commit in one statement (group commit: one transaction per
send when they are rare, fewer under load). Failures and retries are recorded together when
the batch ends. A worker that dies leaves rows "sending"; after the lease they go back to
pending, so only a message whose send had finished but whose record had not committed can
go out twice, and nothing is lost.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from bot.logsafe import scrub
from bot.ratelimit import Booker, Limits
from storage.db import Database
from storage.models import OutboxMessage, OutboxStatus, utcnow
from storage.store import Store

log = logging.getLogger(__name__)


Outcomes = list[Callable[[Store], Awaitable[None]]]  # what a batch records when it ends


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
    concurrent_batches: int = 3  # batches in flight at once (booked one after another)


class DeliveryWorker:
    def __init__(
        self,
        db: Database,
        channels: Mapping[str, Channel],
        settings: DeliverySettings | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db, self.channels, self.clock = db, dict(channels), clock
        settings = settings or DeliverySettings()
        # A live batch must end well inside its lease, or another worker re-sends its rows.
        quarter = settings.lease.total_seconds() / 4
        self.settings = replace(settings, hold_at_most=min(settings.hold_at_most, quarter))
        self.bookers = {name: Booker(c.limits) for name, c in self.channels.items()}
        self._throttled: dict[int, int] = {}
        self._wake = asyncio.Event()
        self._unrecorded: list[int] = []  # sent, not yet committed as sent
        self._recorder: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Claim and deliver until `stop`, a few batches at once.

        Batches overlap: a batch lasts as long as its latest booked send (a retried row
        waits for its chat's limit), and the next one must not wait for that.
        """
        batches: set[asyncio.Task[None]] = set()
        try:
            while not stop.is_set():
                if len(batches) >= self.settings.concurrent_batches:
                    await asyncio.wait(batches, return_when=asyncio.FIRST_COMPLETED)
                    continue
                try:
                    rows = await self._claim()
                except Exception:
                    log.exception("claiming from the outbox failed; trying again")
                    rows = []
                if rows:
                    task = asyncio.create_task(self._deliver_batch(rows))
                    batches.add(task)
                    task.add_done_callback(batches.discard)
                    continue
                await self._idle(stop)
        finally:
            if batches:
                await asyncio.gather(*batches, return_exceptions=True)

    async def _idle(self, stop: asyncio.Event) -> None:
        self._wake.clear()
        waiters = [asyncio.ensure_future(e.wait()) for e in (stop, self._wake)]
        await asyncio.wait(
            waiters, timeout=self.settings.poll_seconds, return_when=asyncio.FIRST_COMPLETED
        )
        for waiter in waiters:
            waiter.cancel()

    async def drain(self, timeout: float = 60.0) -> None:
        """Deliver until nothing is pending or sending (tests, CLI), waiting out retries."""
        stop = asyncio.Event()
        running = asyncio.create_task(self.run(stop))
        try:
            async with asyncio.timeout(timeout):
                while not running.done():
                    async with self.db.transaction() as store:
                        if not await store.outbox.has_work():
                            return
                    await asyncio.sleep(0.1)
        finally:
            stop.set()
            self._wake.set()
            await running

    async def _claim(self) -> list[OutboxMessage]:
        async with self.db.transaction() as store:
            await store.outbox.release_stale(self.clock(), self.settings.lease)
            return await store.outbox.claim(self.clock(), self.settings.batch, list(self.channels))

    async def _deliver_batch(self, rows: list[OutboxMessage]) -> None:
        outcomes: Outcomes = []
        try:
            await asyncio.gather(*(self._deliver(row, d, outcomes) for row, d in self._plan(rows)))
        finally:
            if self._recorder is not None:
                await self._recorder
            # One transaction for the batch's other outcomes: a crash before it only
            # delays those rows until their lease runs out (none of them went out).
            try:
                async with self.db.transaction() as store:
                    for record in outcomes:
                        await record(store)
            except Exception:
                log.exception(
                    "recording %d outcomes failed; their lease returns them", len(outcomes)
                )

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

    async def _deliver(self, row: OutboxMessage, delay: float, outcomes: Outcomes) -> None:
        if delay < 0:
            return self._later(outcomes, row, self._ready_time(row), row.attempts, "waiting")
        await asyncio.sleep(delay)
        booker = self.bookers[row.platform]
        if time.monotonic() < booker.paused_until:  # a 429 arrived while this one waited
            return self._later(outcomes, row, self._ready_time(row), row.attempts, "paused")
        while (wait := booker.wait_before_send(row.chat_id, row.is_group, time.monotonic())) > 0:
            await asyncio.sleep(wait)  # woke late: no burst beyond what the limits allow
        booker.sent(row.chat_id, row.is_group, time.monotonic())
        try:
            await self.channels[row.platform].send(row)
        except RetryAfter as err:
            booker.pause(time.monotonic() + err.seconds)
            self._throttle(outcomes, row, err.seconds)
        except PermanentError as err:
            self._fail(outcomes, row, OutboxStatus.dead, row.attempts + 1, f"permanent: {err}")
        except Undeliverable as err:
            self._fail(outcomes, row, OutboxStatus.undeliverable, row.attempts + 1, str(err))
        except Exception as err:  # transient by default: the network, 5xx, timeouts
            self._retry(outcomes, row, f"{type(err).__name__}: {err}")
        else:
            self._sent(row)
        return None

    def _sent(self, row: OutboxMessage) -> None:
        self._throttled.pop(row.id or 0, None)
        self._unrecorded.append(row.id or 0)
        if self._recorder is None or self._recorder.done():
            self._recorder = asyncio.create_task(self._record_sent())

    async def _record_sent(self) -> None:
        failures = 0
        while self._unrecorded:
            ids, self._unrecorded = self._unrecorded, []
            try:
                async with self.db.transaction() as store:
                    await store.outbox.mark_sent_many(ids, self.clock())
                failures = 0
            except Exception:
                failures += 1
                if failures > 5:
                    log.exception("could not record %d sends; their lease re-sends them", len(ids))
                    return
                log.warning("recording %d sends failed; trying again", len(ids))
                self._unrecorded = ids + self._unrecorded
                await asyncio.sleep(0.2 * failures)

    def _ready_time(self, row: OutboxMessage) -> datetime:
        booker, now = self.bookers[row.platform], time.monotonic()
        wait = booker.ready_at(row.chat_id, row.is_group, now) - now
        return self.clock() + timedelta(seconds=max(0.0, wait))

    def _throttle(self, outcomes: Outcomes, row: OutboxMessage, seconds: float) -> None:
        count = self._throttled[row.id or 0] = self._throttled.get(row.id or 0, 0) + 1
        if count > self.settings.max_retry_afters:
            return self._retry(outcomes, row, "too many 429s")
        at = self.clock() + timedelta(seconds=seconds)
        return self._later(outcomes, row, at, row.attempts, "429")

    def _retry(self, outcomes: Outcomes, row: OutboxMessage, error: str) -> None:
        attempts = row.attempts + 1
        if attempts >= self.settings.max_attempts:
            log.warning("outbox %s is dead after %d attempts: %s", row.key, attempts, error)
            return self._fail(outcomes, row, OutboxStatus.dead, attempts, error)
        backoff = min(self.settings.backoff_max, self.settings.backoff_base * 2 ** (attempts - 1))
        backoff *= random.uniform(0.8, 1.2)  # jitter: retries of many rows do not line up
        at = self.clock() + timedelta(seconds=backoff)
        return self._later(outcomes, row, at, attempts, error)

    @staticmethod
    def _later(
        outcomes: Outcomes, row: OutboxMessage, at: datetime, attempts: int, why: str
    ) -> None:
        why = scrub(why)  # an error's text may quote a request URL, token and all
        outcomes.append(lambda store: store.outbox.mark_retry(row.id or 0, attempts, at, why))

    @staticmethod
    def _fail(
        outcomes: Outcomes, row: OutboxMessage, status: OutboxStatus, attempts: int, error: str
    ) -> None:
        error = scrub(error)  # an error's text may quote a request URL, token and all
        outcomes.append(
            lambda store: store.outbox.mark_failed(row.id or 0, status, attempts, error)
        )
