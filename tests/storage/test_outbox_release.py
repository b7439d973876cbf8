"""Messages whose worker died go back to the queue once their lease is over; on PostgreSQL
the release passes over a row another worker is recording instead of waiting for it."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from storage.db import Database
from storage.models import OutboxMessage, OutboxStatus, pk, utcnow
from tests import databases

LEASE = timedelta(minutes=5)


async def _claimed(db: Database, keys: tuple[str, ...]) -> list[OutboxMessage]:
    rows = []
    async with db.transaction() as store:
        for key in keys:  # a reply is queued claimed (sending) by its process
            row = await store.outbox.enqueue_reply(
                key, platform="telegram", chat_id="7", is_group=False, html=key
            )
            assert row is not None
            rows.append(row)
        await store.commit()
    return rows


async def _status(db: Database) -> dict[str, OutboxStatus]:
    async with db.reading() as store:
        found = {}
        for status in OutboxStatus:
            for row in await store.outbox.with_status(status):
                found[row.key] = status
        return found


async def test_only_rows_past_their_lease_go_back_to_pending(db: Database) -> None:
    await _claimed(db, ("reply:tg:1:1", "reply:tg:2:1"))
    async with db.transaction() as store:
        assert await store.outbox.release_stale(utcnow(), LEASE) == 0  # still leased
        assert await store.outbox.release_stale(utcnow() + LEASE * 2, LEASE) == 2
        await store.commit()
    assert await _status(db) == {
        "reply:tg:1:1": OutboxStatus.pending, "reply:tg:2:1": OutboxStatus.pending,
    }  # fmt: skip


@pytest.mark.skipif(not databases.ON_POSTGRES, reason="row locks of PostgreSQL")
async def test_the_release_passes_over_a_row_a_worker_is_recording(db: Database) -> None:
    busy, _ = await _claimed(db, ("reply:tg:1:1", "reply:tg:2:1"))

    async def release() -> int:
        async with db.transaction() as store:
            released = await store.outbox.release_stale(utcnow() + LEASE * 2, LEASE)
            await store.commit()
            return released

    async with db.transaction() as worker:  # recording an outcome of `busy`, not committed
        await worker.outbox.mark_retry(pk(busy), 1, utcnow(), "502")
        releasing = asyncio.create_task(release())
        done, _ = await asyncio.wait({releasing}, timeout=3)
        assert releasing in done, "the release waited for the row the worker holds"
        assert releasing.result() == 1
        await worker.commit()
    assert await _status(db) == {
        "reply:tg:1:1": OutboxStatus.pending, "reply:tg:2:1": OutboxStatus.pending,
    }  # fmt: skip
