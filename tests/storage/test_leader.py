"""Leadership: one process runs the schedule; its lock passes on when it lets go or dies."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from storage.db import Database
from storage.leader import Leadership
from tests import databases


async def test_sqlite_has_one_process_and_it_leads(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("SQLite only")
    assert await Leadership(db).ensure() and await Leadership(db).ensure()


@pytest.mark.slow
@pytest.mark.skipif(not databases.ON_POSTGRES, reason="an advisory lock of PostgreSQL")
async def test_one_leader_at_a_time_and_the_lock_passes_on(database_url: str) -> None:
    first_db, second_db = Database(database_url), Database(database_url)
    first, second = Leadership(first_db, key=777), Leadership(second_db, key=777)
    try:
        assert await first.ensure()
        assert not await second.ensure()
        assert await first.ensure()  # still held, checked on its own connection
        await first.release()
        assert await second.ensure()
        assert not await first.ensure()
        # The leader's session dies (a killed process, a restarted server): the server frees
        # the lock, and the other takes it at its next try.
        async with first_db.engine.connect() as conn:
            await conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks "
                    "WHERE locktype = 'advisory' AND objid = 777 AND granted"
                )
            )
            # pg_terminate_backend only signals: the lock is freed once that backend has
            # exited (a moment later on a busy machine).
            for _ in range(100):
                held = await conn.execute(
                    text("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = 777")
                )
                if held.first() is None:
                    break
                await asyncio.sleep(0.05)
        assert await first.ensure()
        assert not await second.ensure()  # noticed its connection is gone; not the leader
    finally:
        await first.release()
        await second.release()
        await first_db.dispose()
        await second_db.dispose()
