"""Booking send times that keep every platform limit, before anything is sent.

Two layers. `Booker` plans a worker's own sends in memory (one process: SQLite, or each
process on PostgreSQL). `SharedSlots` (PostgreSQL only) makes the same limits hold for
every worker process of the deployment: just before a send, the slot is booked in the
database (storage/send_slots.py: a table of booked slots behind a per-platform advisory
lock, on the database's clock) and the send waits for it.

Sends are booked in order at spaced moments: overall at most `per_second` in any second,
each chat at most `per_chat_second`, each group at most `per_group_minute` in any minute.
Booking (instead of asking "may I send now?") lets many sends wait concurrently without
ever bunching up, and a 429 pushes every later booking past its `retry_after`.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import deque
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from storage import send_slots
from storage.db import Database

log = logging.getLogger(__name__)

MARGIN = 1.03  # a little slack for timer jitter: the platform must never see a burst


@dataclass(frozen=True)
class Limits:
    per_second: float = 30.0
    per_chat_second: float = 1.0
    per_group_minute: float = 20.0
    group_window: float = 60.0  # seconds: "per minute" (shorter only in tests)


class Booker:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._last_any = float("-inf")
        self._last_chat: dict[str, float] = {}
        self._group: dict[str, deque[float]] = {}
        self.paused_until = float("-inf")
        self._sent_recent: deque[float] = deque()  # when sends really went out, last second
        self._sent_chat: dict[str, float] = {}
        self._sent_group: dict[str, deque[float]] = {}

    def ready_at(self, chat: str, is_group: bool, now: float) -> float:
        """The earliest moment this chat may receive, ignoring the overall limit."""
        at = max(now, self.paused_until)
        last = self._last_chat.get(chat)
        if last is not None:
            at = max(at, last + MARGIN / self.limits.per_chat_second)
        window = self._group.get(chat)
        per_minute = int(self.limits.per_group_minute)
        if is_group and window is not None and len(window) >= per_minute:
            at = max(at, window[-per_minute] + self.limits.group_window * MARGIN)
        return at

    def earliest(self, chat: str, is_group: bool, now: float) -> float:
        """The moment `book` would give this chat now (the overall limit included)."""
        return max(
            self.ready_at(chat, is_group, now), self._last_any + MARGIN / self.limits.per_second
        )

    def book(self, chat: str, is_group: bool, now: float) -> float:
        """Reserve the earliest moment that keeps all limits; returns it."""
        at = self.earliest(chat, is_group, now)
        self._last_any = at
        self._last_chat[chat] = at
        if is_group:
            window = self._group.setdefault(
                chat, deque(maxlen=max(1, int(self.limits.per_group_minute)))
            )
            window.append(at)
        return at

    def wait_before_send(self, chat: str, is_group: bool, now: float) -> float:
        """Seconds to wait so that actual sends keep the spacing their bookings had.

        A send wakes at its booked moment only if the loop is free then; a late one must
        not go out together with the sends booked after it (a burst the platform counts).
        Overall, the rule is the platform's own: at most `per_second` in any second (so a
        late send is caught up within that, not pushed onto every send after it)."""
        recent, allowed = self._sent_recent, max(1, int(self.limits.per_second / MARGIN))
        while recent and recent[0] <= now - MARGIN:
            recent.popleft()
        overall = recent[-allowed] + MARGIN if len(recent) >= allowed else now
        last = self._sent_chat.get(chat)
        per_chat = last + MARGIN / self.limits.per_chat_second if last is not None else now
        group = now
        window = self._sent_group.get(chat)
        per_minute = int(self.limits.per_group_minute)
        if is_group and window is not None and len(window) >= per_minute:
            group = window[-per_minute] + self.limits.group_window * MARGIN
        return max(0.0, overall - now, per_chat - now, group - now, self.paused_until - now)

    def sent(self, chat: str, is_group: bool, now: float) -> None:
        self._sent_recent.append(now)
        self._sent_chat[chat] = now
        if is_group:
            size = max(1, int(self.limits.per_group_minute))
            self._sent_group.setdefault(chat, deque(maxlen=size)).append(now)

    def pause(self, until: float) -> None:
        """After a 429: nothing goes out before `until` (bookings after it are pushed too)."""
        self.paused_until = max(self.paused_until, until)
        self._last_any = max(self._last_any, until)


# The shared slots are spaced wider than a worker's own: a send booked through the
# database leaves after a sleep on a loaded event loop, tens of milliseconds late at
# times, and two workers' late and punctual sends must still not make a burst.
SHARED_MARGIN = 1.10
PAUSE_CHECK_AHEAD = 0.05  # seconds before its slot a send looks for a 429 pause
PRUNE_EVERY = 500  # bookings of this process between two prunes of old slots


class ClockOffset:
    """The database's clock (seconds since the epoch) on this process's monotonic clock,
    estimated from the bookings' round trips: the quickest one of the last `KEEP` tells
    it best (its answer was read nearest to the middle of the round trip)."""

    KEEP = 200

    def __init__(self) -> None:
        self._best: tuple[float, float] | None = None  # round trip, offset
        self._samples = 0

    def sample(self, remote: float, sent: float, received: float) -> None:
        trip, offset = received - sent, remote - (sent + received) / 2
        self._samples += 1
        if self._best is None or trip <= self._best[0] or self._samples > self.KEEP:
            self._best, self._samples = (trip, offset), 0

    def local(self, remote: float) -> float:
        assert self._best is not None, "no booking sampled yet"
        return remote - self._best[1]


class SharedSlots:
    """The limits shared by every worker on one PostgreSQL database. A slot further than
    `hold` seconds away is not booked: the send goes back to the queue (its lease must
    not run out while it waits)."""

    def __init__(self, engine: AsyncEngine, hold: float) -> None:
        self.engine, self.hold = engine, hold
        self._bookings = itertools.count(1)
        self._clock = ClockOffset()

    @classmethod
    def of(cls, db: Database, hold: float) -> SharedSlots | None:
        """Shared slots on PostgreSQL; None on SQLite (one process: `Booker` is enough)."""
        return cls(db.engine, hold) if db.engine.dialect.name == "postgresql" else None

    @staticmethod
    def spacing(limits: Limits) -> send_slots.Spacing:
        return send_slots.Spacing(
            any=SHARED_MARGIN / limits.per_second,
            chat=SHARED_MARGIN / limits.per_chat_second,
            per_window=max(1, int(limits.per_group_minute)),
            window=limits.group_window * SHARED_MARGIN,
        )

    async def wait_turn(self, platform: str, chat: str, is_group: bool, limits: Limits) -> float:
        """Book this send's slot and sleep until it: 0.0 when it may go now; otherwise
        (no slot within `hold`, or a 429 pause began meanwhile) the seconds after which
        to try again."""
        try:
            async with self.engine.begin() as conn:
                asked = time.monotonic()
                now, at, booked = await send_slots.book(
                    conn, platform, chat, is_group, self.spacing(limits), self.hold
                )
                self._clock.sample(now, asked, time.monotonic())
                if next(self._bookings) % PRUNE_EVERY == 0:
                    await send_slots.prune(conn, platform, max(120.0, 2 * limits.group_window))
        except Exception:
            log.exception("booking a shared send slot failed; the send waits")
            return 1.0
        if not booked:
            return max(0.5, at - now - self.hold)
        due = self._clock.local(at)  # the slot on this process's clock: sends leave on
        # time however long the booking took (late ones would bunch with punctual ones)
        await asyncio.sleep(max(0.0, due - PAUSE_CHECK_AHEAD - time.monotonic()))
        if paused := await self._paused_for(platform):  # looked at a little before the slot
            return paused
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        return 0.0

    async def _paused_for(self, platform: str) -> float:
        """A 429 another worker saw while this send waited for its slot: it goes back to
        the queue (as a paused `Booker` sends it back), not into the pause."""
        try:
            async with self.engine.connect() as conn:
                return await send_slots.paused_for(conn, platform)
        except Exception:
            log.exception("reading the shared pause failed; sending as booked")
            return 0.0

    async def pause(self, platform: str, seconds: float) -> None:
        """A 429 seen by one worker holds back every worker's later bookings."""
        try:
            async with self.engine.begin() as conn:
                await send_slots.pause(conn, platform, seconds)
        except Exception:
            log.exception("recording a shared pause failed (this worker still pauses)")
