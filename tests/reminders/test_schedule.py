"""The APScheduler job runs due events at start-up (catch-up) and is safe to run again."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from handlers.texts_signoff import WORDING
from reminders.due import Planner
from reminders.schedule import JOB_ID, DueJob, start_scheduler
from storage.db import Database


async def test_the_job_catches_up_at_start_and_never_twice(db: Database) -> None:
    # Monday 23 November 2026, 09:00 in Vietnam: the weekly tally of 08:00 is due.
    now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    woken: list[bool] = []
    job = DueJob(
        db, Planner(grace=timedelta(hours=12)), WORDING, lambda: now, lambda: woken.append(True)
    )
    scheduler = start_scheduler(job, timedelta(seconds=1))
    try:
        assert scheduler.get_job(JOB_ID) is not None
        for _ in range(50):
            if woken:
                break
            await asyncio.sleep(0.05)
        assert woken == [True]  # the catch-up run queued the tally event
        assert await job.run() == []  # running again does nothing
    finally:
        scheduler.shutdown(wait=False)
        await job.finish()  # steps down: the scheduler lock's connection goes back


async def _taken_at(db: Database) -> dict[str, datetime]:
    async with db.reading() as store:
        rows = await store.session.exec(text("SELECT month, taken_at FROM ontime_month"))  # type: ignore[call-overload]
        return {m: t for m, t in rows.all()}


async def test_a_tick_takes_the_on_time_counts_of_settled_months_once(db: Database) -> None:
    now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # November's deadline day (20th) is over
    job = DueJob(db, Planner(grace=timedelta(hours=12)), WORDING, lambda: now)
    try:
        await job.run()
        async with db.reading() as store:
            taken = await store.punctual.taken()
        assert sorted(taken)[-1] == "2026-11" and len(taken) == 13  # and the year before
        assert taken["2026-11"] == datetime(2026, 11, 20, 17, 0, tzinfo=UTC)  # 21/11 00:00 VN
        first = await _taken_at(db)
        now += timedelta(minutes=1)
        await job.run()
        assert await _taken_at(db) == first  # not taken again
    finally:
        await job.finish()
