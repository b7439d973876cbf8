"""The in-process schedule (APScheduler 3): one job that runs whatever is due.

The job only asks `run_due` for the events of the grace window; event keys make it safe
to run often, at start-up, and after a restart. The job id is fixed, so a second start
replaces rather than doubles it. Where several processes share a PostgreSQL database,
each tick first asks for the leadership (an advisory lock): one process runs the events,
and when it dies another takes over at its next tick. The leader also takes each month's
on-time counts once its deadline day is over (reminders/ontime.py), and prunes, once a
day (a keyed event too), expired public files and update keys past their retention.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from reminders.calendar import VN, vn_today
from reminders.due import Planner, Wording, run_due
from reminders.ontime import take_on_time
from storage import retention
from storage.db import Database
from storage.leader import Leadership

log = logging.getLogger(__name__)
JOB_ID = "cnsbot-due"
KEEP_UPDATE_KEYS = timedelta(days=30)  # longer than any platform re-delivers an update


class DueJob:
    def __init__(
        self,
        db: Database,
        planner: Planner,
        wording: Wording,
        clock: Callable[[], datetime],
        on_queued: Callable[[], None] = lambda: None,
        leadership: Leadership | None = None,
        keep_update_keys: timedelta = KEEP_UPDATE_KEYS,
    ) -> None:
        self.db, self.planner, self.wording, self.clock = db, planner, wording, clock
        self.on_queued = on_queued  # wakes the delivery worker
        self.leadership = leadership or Leadership(db)
        self.keep_update_keys = keep_update_keys
        self._pruned_on: date | None = None
        self._running = asyncio.Lock()

    async def run(self) -> list[str]:
        async with self._running:
            try:
                if not await self.leadership.ensure():
                    return []  # another process runs the schedule
                ran = await run_due(self.db, self.clock(), self.planner, self.wording)
            except Exception:
                log.exception("running due events failed; the next tick retries")
                return []
            await self._take_on_time()
            await self._prune_daily()
        if ran:
            self.on_queued()
        return ran

    async def _take_on_time(self) -> None:
        """Each month's on-time counts, once its deadline day is over (one read per tick
        when there is nothing to take)."""
        try:
            taken = await take_on_time(
                self.db, self.clock(), self.planner.schedule, self.planner.days
            )
        except Exception:
            log.exception("taking the on-time counts failed; the next tick retries")
            return
        if taken:
            log.info("on-time counts taken for %s", ", ".join(taken))

    async def _prune_daily(self) -> None:
        now = self.clock()
        if self._pruned_on == vn_today(now):
            return  # known done today: no transaction at every tick
        self._pruned_on = vn_today(now)
        try:
            async with self.db.transaction() as store:
                if not await store.claim_update(f"job:prune:{vn_today(now)}"):
                    await store.commit()
                    return  # another process (or an earlier run) pruned today
                await store.commit()
            pruned = await retention.prune(self.db, now, self.keep_update_keys)
        except Exception:
            log.exception("pruning failed; tomorrow's run catches up")
            return
        log.info("pruned %d expired files, %d old update keys", pruned.files, pruned.update_keys)

    async def finish(self) -> None:
        """Wait for a run in progress (the database must not close under it), then step down."""
        async with self._running:
            await self.leadership.release()


def start_scheduler(job: DueJob, every: timedelta) -> AsyncIOScheduler:
    """Start the schedule on the running event loop; the first run is immediate (catch-up)."""
    scheduler = AsyncIOScheduler(timezone=VN)
    scheduler.add_job(
        job.run,  # a bound coroutine method: APScheduler awaits it on the loop
        IntervalTrigger(seconds=max(1, int(every.total_seconds())), timezone=VN),
        id=JOB_ID,
        replace_existing=True,
        next_run_time=datetime.now(VN),
        coalesce=True,
        max_instances=1,
    )
    scheduler.start()
    return scheduler
