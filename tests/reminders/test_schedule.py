"""The APScheduler job runs due events at start-up (catch-up) and is safe to run again."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

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
