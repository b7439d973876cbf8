"""Virtual time for code that takes its clocks and its sleep injected (the delivery worker,
retry policies): a sleep waits for no real time. Whenever every task is waiting, the
earliest sleeper wakes and the clocks jump to its moment, so timing stays in order (a 0.1 s
sleep ends before a 0.5 s one begun at the same moment) and limits can be checked against
`monotonic()` exactly as on a real clock."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from datetime import datetime, timedelta

from storage.models import utcnow

SETTLE = 50  # at most this many loop turns for the runnable tasks before time moves on


class VirtualTime:
    def __init__(self, start: datetime | None = None) -> None:
        self.start = start or utcnow()  # rows are queued with the real time: start there
        self.elapsed = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._ticker: asyncio.Task[None] | None = None

    def monotonic(self) -> float:
        return self.elapsed

    def utcnow(self) -> datetime:
        return self.start + timedelta(seconds=self.elapsed)

    def advance(self, seconds: float) -> None:
        """Time passes with nobody awake (e.g. while a crashed process is down)."""
        self.elapsed += seconds

    async def sleep(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        woken: asyncio.Future[None] = loop.create_future()
        due = self.elapsed + max(0.0, seconds)
        heapq.heappush(self._sleepers, (due, next(self._order), woken))
        if self._ticker is None or self._ticker.done():
            self._ticker = loop.create_task(self._tick())
        await woken  # cancelling the sleeper cancels `woken`: the ticker skips it

    async def _tick(self) -> None:
        while self._sleepers:
            await self._settle()
            while self._sleepers and self._sleepers[0][2].done():
                heapq.heappop(self._sleepers)
            if not self._sleepers:
                return
            due, _, woken = heapq.heappop(self._sleepers)
            self.elapsed = max(self.elapsed, due)
            woken.set_result(None)

    async def _settle(self) -> None:
        """Let every runnable task run until it waits (CPython's loop shows its ready
        queue: stop as soon as it is empty; elsewhere take SETTLE turns)."""
        ready = getattr(asyncio.get_running_loop(), "_ready", None)
        for turn in range(SETTLE):
            await asyncio.sleep(0)
            if ready is not None and not ready and turn >= 2:
                return
