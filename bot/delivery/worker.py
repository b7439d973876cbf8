"""The delivery worker: outbox rows -> channels, within each platform's limits.

Rows are claimed in small batches (one short transaction) and sent outside any transaction
at booked moments. A send that went through is recorded at once: a recorder commits every
send finished since its last commit in one statement (group commit: one transaction per
send when they are rare, fewer under load). Failures and retries are recorded together when
the batch ends. A worker that dies leaves rows "sending"; after the lease they go back to
pending, so only a message whose send had finished but whose record had not committed can
go out twice, and nothing is lost.

Replies take a fast path through the same limits: the handlers queue them already claimed,
in the update's transaction, and once it has committed `after_commit` sends them at once
when their chat has a slot now; otherwise (and when the send fails) they wait, pending, for
`run`. Sending never happens inside a transaction or an HTTP request's answer.

Time comes in injected: `clock` (UTC, stored) and `monotonic` with `sleep` (the booked
moments and the waits); a failed send is retried later by `DeliverySettings.retry`, a sent
row whose record failed by `recording`. Tests run it on virtual time.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from bot.delivery.ratelimit import Booker, Limits, SharedSlots
from bot.logsafe import scrub
from storage.db import Database
from storage.models import OutboxMessage, OutboxStatus, pk, utcnow
from storage.outbox import REPLY
from storage.retry import RetryPolicy, Sleep
from storage.store import Store

log = logging.getLogger(__name__)


Outcomes = list[Callable[[Store], Awaitable[None]]]  # what a batch records when it ends


def stored_error(err: BaseException) -> str:
    """The one place a failed send's exception becomes the text stored as `last_error`
    (scrubbed: an error's text may quote a request URL, token and all)."""
    if isinstance(err, PermanentError):
        return scrub(f"permanent: {err}")
    if isinstance(err, Undeliverable):
        return scrub(str(err))
    return scrub(f"{type(err).__name__}: {err}")


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


# A send that failed (5xx, a timeout): the row is tried again 2, 4, 8 ... s later (at most
# 10 minutes), six attempts in all, then it is dead.
SEND_RETRY = RetryPolicy(attempts=6, base=2.0, factor=2.0, cap=600.0, jitter=0.2)
# Recording finished sends when the database refused: a few quick tries, then the lease
# returns the rows (they may go out twice, never lost).
RECORD_RETRY = RetryPolicy(attempts=6, base=0.2, factor=1.5, cap=2.0)


@dataclass(frozen=True)
class DeliverySettings:
    batch: int = 50
    retry: RetryPolicy = SEND_RETRY  # attempts and backoff of a row whose send failed
    max_retry_afters: int = 20  # 429s one message may get before they count as failures
    lease: timedelta = timedelta(minutes=2)
    poll_seconds: float = 1.0
    hold_at_most: float = 5.0  # a send booked later than this goes back to the queue
    concurrent_batches: int = 3  # batches in flight at once (booked one after another)
    reply_hold: float = 1.5  # a reply its chat's limits delay longer waits for `run`


class DeliveryWorker:
    def __init__(
        self,
        db: Database,
        channels: Mapping[str, Channel],
        settings: DeliverySettings | None = None,
        clock: Callable[[], datetime] = utcnow,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        recording: RetryPolicy = RECORD_RETRY,
        share_limits: bool = False,
    ) -> None:
        """`share_limits`: book every send in the limits shared by all workers on the
        database (PostgreSQL; on SQLite the one process keeps them alone). The shared slots
        are booked on the database's clock, in real time: the bot's workers share them,
        a worker on an injected clock (tests on virtual time) keeps its own."""
        self.db, self.channels, self.clock = db, dict(channels), clock
        self.monotonic, self.sleep, self.recording = monotonic, sleep, recording
        settings = settings or DeliverySettings()
        # A live batch must end well inside its lease, or another worker re-sends its rows.
        quarter = settings.lease.total_seconds() / 4
        self.settings = replace(
            settings,
            hold_at_most=min(settings.hold_at_most, quarter),
            reply_hold=min(settings.reply_hold, quarter),
        )
        self.bookers = {name: Booker(c.limits) for name, c in self.channels.items()}
        hold = self.settings.hold_at_most
        self.shared = SharedSlots.of(db, hold) if share_limits else None  # None on SQLite
        self._throttled: dict[int, int] = {}
        self._wake = asyncio.Event()
        self._unrecorded: list[int] = []  # sent, not yet committed as sent
        self._recorder: asyncio.Task[None] | None = None
        self._after: set[asyncio.Task[None]] = set()  # fast-path work in flight

    def add(self, channel: Channel) -> None:
        """A channel set up after the worker (each with its own limits)."""
        self.channels[channel.platform] = channel
        self.bookers[channel.platform] = Booker(channel.limits)

    def wake(self) -> None:
        self._wake.set()

    def after_commit(
        self,
        rows: Sequence[OutboxMessage],
        first: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        """In the background, once an update's transaction has committed: `first` (calls
        that are not stored, e.g. a button's toast; a failure is only logged), then the
        update's queued replies on the fast path. `flush` waits for all of it."""
        if not rows and first is None:
            return
        task = asyncio.create_task(self._after_commit(list(rows), first))
        self._after.add(task)
        task.add_done_callback(self._after.discard)

    def apologise(self, platform: str, chat_id: str, is_group: bool, html: str) -> None:
        """An update that failed and stored nothing gets `html` (the apology) in the
        background through its platform's channel, like a reply but not stored (when the
        database failed there is nowhere to keep it): sent once, or lost and logged."""
        channel = self.channels.get(platform)
        if channel is None:
            log.warning("no %s channel here: the apology for a failed update is not sent", platform)
            return
        row = OutboxMessage(
            key=f"apology:{platform}:{chat_id}", kind=REPLY, platform=platform,
            chat_id=chat_id, is_group=is_group, html=html,
        )  # fmt: skip
        self.after_commit([], lambda: channel.send(row))

    async def _after_commit(
        self, rows: list[OutboxMessage], first: Callable[[], Awaitable[object]] | None
    ) -> None:
        if first is not None:
            try:
                await first()
            except Exception:
                log.exception("an unstored answer (a toast, a button removal) failed")
        await self.deliver_now(rows)

    async def deliver_now(self, rows: Sequence[OutboxMessage]) -> None:
        """The fast path: claimed rows go out now if their chat has a slot within
        `reply_hold` (and the overall limit one within `hold_at_most`, the horizon the
        worker books ahead); the others, and failed sends, go back to pending for `run`,
        which takes replies first."""
        mine = [row for row in rows if row.platform in self.channels]
        if len(mine) < len(rows):  # another process's channel: its workers take them
            outcomes: Outcomes = []
            for row in rows:
                if row.platform not in self.channels:
                    self._later(outcomes, row, self.clock(), row.attempts, "no channel here")
            await self._record(outcomes)
        if mine:
            await self._deliver_batch(
                mine, self.settings.reply_hold, overall=self.settings.hold_at_most
            )
            self.wake()  # whatever did not go is due (or soon): no need to wait for a poll

    async def flush(self) -> None:
        """Wait until the fast-path work handed over so far has finished (shutdown, tests)."""
        while self._after:
            await asyncio.gather(*self._after, return_exceptions=True)

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
                    task = asyncio.create_task(
                        self._deliver_batch(rows, self.settings.hold_at_most)
                    )
                    batches.add(task)
                    task.add_done_callback(batches.discard)
                    continue
                await self._idle(stop)
        finally:
            if batches:
                await asyncio.gather(*batches, return_exceptions=True)

    async def _idle(self, stop: asyncio.Event) -> None:
        self._wake.clear()
        waiters: list[asyncio.Future[object]] = [
            asyncio.ensure_future(e.wait()) for e in (stop, self._wake)
        ]
        waiters.append(asyncio.ensure_future(self.sleep(self.settings.poll_seconds)))
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()
        await asyncio.gather(*waiters, return_exceptions=True)

    async def drain(self, timeout: float = 60.0) -> None:
        """Deliver until nothing is pending or sending (tests, CLI), waiting out retries."""
        stop = asyncio.Event()
        running = asyncio.create_task(self.run(stop))
        try:
            async with asyncio.timeout(timeout):
                while not running.done():
                    async with self.db.reading() as store:
                        if not await store.outbox.has_work(list(self.channels)):
                            return
                    await self.sleep(0.1)
        finally:
            stop.set()
            self._wake.set()
            await running

    async def _claim(self) -> list[OutboxMessage]:
        async with self.db.transaction() as store:
            await store.outbox.release_stale(self.clock(), self.settings.lease)
            rows = await store.outbox.claim(self.clock(), self.settings.batch, list(self.channels))
            await store.commit()
            return rows

    async def _deliver_batch(
        self, rows: list[OutboxMessage], hold: float, *, overall: float | None = None
    ) -> None:
        outcomes: Outcomes = []
        try:
            planned = self._plan(rows, hold, overall)
            await asyncio.gather(*(self._deliver(row, d, outcomes) for row, d in planned))
        finally:
            if self._recorder is not None:
                await self._recorder
            await self._record(outcomes)

    async def _record(self, outcomes: Outcomes) -> None:
        """One transaction for a batch's outcomes other than sent: a crash before it only
        delays those rows until their lease runs out (none of them went out)."""
        if not outcomes:
            return
        try:
            async with self.db.transaction() as store:
                for record in outcomes:
                    await record(store)
                await store.commit()
        except Exception:
            log.exception("recording %d outcomes failed; their lease returns them", len(outcomes))

    def _plan(
        self, rows: list[OutboxMessage], hold: float, overall: float | None
    ) -> list[tuple[OutboxMessage, float]]:
        """Book a moment for each row, the chat that can go soonest first. A row whose
        chat's limits keep it more than `hold`, or (when given) the overall limit more
        than `overall`, is not booked: it goes back to the queue."""
        now = self.monotonic()
        pending, planned = list(rows), []
        while pending:
            booker = lambda r: self.bookers[r.platform]  # noqa: E731
            row = min(
                pending, key=lambda r: (booker(r).ready_at(r.chat_id, r.is_group, now), pk(r))
            )
            pending.remove(row)
            late = booker(row).ready_at(row.chat_id, row.is_group, now) - now > hold
            if overall is not None and not late:
                late = booker(row).earliest(row.chat_id, row.is_group, now) - now > overall
            if late:
                planned.append((row, -1.0))  # not now: back to the queue, booked nothing
                continue
            planned.append((row, booker(row).book(row.chat_id, row.is_group, now) - now))
        return planned

    async def _deliver(self, row: OutboxMessage, delay: float, outcomes: Outcomes) -> None:
        if delay < 0:
            return self._later(outcomes, row, self._ready_time(row), row.attempts, "waiting")
        await self.sleep(delay)
        booker = self.bookers[row.platform]
        if self.shared is not None:  # PostgreSQL: the slot among all workers' sends
            later = await self.shared.wait_turn(
                row.platform, row.chat_id, row.is_group, booker.limits
            )
            if later:
                at = self.clock() + timedelta(seconds=later)
                return self._later(outcomes, row, at, row.attempts, "waiting")
        if self.monotonic() < booker.paused_until:  # a 429 arrived while this one waited
            return self._later(outcomes, row, self._ready_time(row), row.attempts, "paused")
        while (wait := booker.wait_before_send(row.chat_id, row.is_group, self.monotonic())) > 0:
            await self.sleep(wait)  # woke late: no burst beyond what the limits allow
        booker.sent(row.chat_id, row.is_group, self.monotonic())
        try:
            await self.channels[row.platform].send(row)
        except RetryAfter as err:
            booker.pause(self.monotonic() + err.seconds)
            if self.shared is not None:
                await self.shared.pause(row.platform, err.seconds)
            self._throttle(outcomes, row, err.seconds)
        except PermanentError as err:
            self._fail(outcomes, row, OutboxStatus.dead, row.attempts + 1, stored_error(err))
        except Undeliverable as err:
            self._fail(
                outcomes, row, OutboxStatus.undeliverable, row.attempts + 1, stored_error(err)
            )
        except Exception as err:  # transient by default: the network, 5xx, timeouts
            self._retry(outcomes, row, stored_error(err))
        else:
            self._sent(row)
        return None

    def _sent(self, row: OutboxMessage) -> None:
        self._throttled.pop(pk(row), None)
        self._unrecorded.append(pk(row))
        if self._recorder is None or self._recorder.done():
            self._recorder = asyncio.create_task(self._record_sent())

    async def _record_sent(self) -> None:
        failures = 0
        while self._unrecorded:
            ids, self._unrecorded = self._unrecorded, []
            try:
                async with self.db.transaction() as store:
                    await store.outbox.mark_sent_many(ids, self.clock())
                    await store.commit()
                failures = 0
            except Exception:
                failures += 1
                if failures >= self.recording.attempts:
                    log.exception("could not record %d sends; their lease re-sends them", len(ids))
                    return
                log.warning("recording %d sends failed; trying again", len(ids))
                self._unrecorded = ids + self._unrecorded
                await self.recording.wait(failures)

    def _ready_time(self, row: OutboxMessage) -> datetime:
        booker, now = self.bookers[row.platform], self.monotonic()
        wait = booker.ready_at(row.chat_id, row.is_group, now) - now
        return self.clock() + timedelta(seconds=max(0.0, wait))

    def _throttle(self, outcomes: Outcomes, row: OutboxMessage, seconds: float) -> None:
        count = self._throttled[pk(row)] = self._throttled.get(pk(row), 0) + 1
        if count > self.settings.max_retry_afters:
            return self._retry(outcomes, row, "too many 429s")
        at = self.clock() + timedelta(seconds=seconds)
        return self._later(outcomes, row, at, row.attempts, "429")

    def _retry(self, outcomes: Outcomes, row: OutboxMessage, error: str) -> None:
        attempts = row.attempts + 1
        if attempts >= self.settings.retry.attempts:
            log.warning("outbox %s is dead after %d attempts: %s", row.key, attempts, error)
            return self._fail(outcomes, row, OutboxStatus.dead, attempts, error)
        backoff = self.settings.retry.delay(attempts)  # jittered: retries do not line up
        at = self.clock() + timedelta(seconds=backoff)
        return self._later(outcomes, row, at, attempts, error)

    @staticmethod
    def _later(
        outcomes: Outcomes, row: OutboxMessage, at: datetime, attempts: int, why: str
    ) -> None:
        why = scrub(why)  # an error's text may quote a request URL, token and all
        outcomes.append(lambda store: store.outbox.mark_retry(pk(row), attempts, at, why))

    @staticmethod
    def _fail(
        outcomes: Outcomes, row: OutboxMessage, status: OutboxStatus, attempts: int, error: str
    ) -> None:
        error = scrub(error)  # an error's text may quote a request URL, token and all
        outcomes.append(lambda store: store.outbox.mark_failed(pk(row), status, attempts, error))
