"""Deleting what is no longer needed: expired public files and old update keys.

An update key must outlive any re-delivery of its update (Telegram retries for about a day,
the schedule's catch-up is at most two), so keys are kept for weeks, then deleted by age.
Deletes go in batches, one short transaction each: a first run over a long backlog never
holds the write lock for long.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import col, select

from storage.db import Database
from storage.models import ProcessedUpdate, PublicFile
from storage.store import Store


@dataclass(frozen=True)
class Pruned:
    files: int = 0
    update_keys: int = 0


async def _delete_expired_files(store: Store, now: datetime, limit: int) -> int:
    tokens = select(PublicFile.token).where(col(PublicFile.expires_at) <= now).limit(limit)
    stmt = delete(PublicFile).where(col(PublicFile.token).in_(tokens.scalar_subquery()))
    return int((await store.session.exec(stmt)).rowcount)


async def _delete_old_keys(store: Store, before: datetime, limit: int) -> int:
    keys = select(ProcessedUpdate.key).where(col(ProcessedUpdate.at) < before).limit(limit)
    stmt = delete(ProcessedUpdate).where(col(ProcessedUpdate.key).in_(keys.scalar_subquery()))
    return int((await store.session.exec(stmt)).rowcount)


async def prune(db: Database, now: datetime, keep_keys: timedelta, batch: int = 2000) -> Pruned:
    """Delete public files expired by `now` and update keys older than `keep_keys`."""
    files = keys = 0
    while True:
        async with db.transaction() as store:
            done = await _delete_expired_files(store, now, max(1, batch // 10))  # blobs
            await store.commit()
        files += done
        if done < max(1, batch // 10):
            break
    while True:
        async with db.transaction() as store:
            done = await _delete_old_keys(store, now - keep_keys, batch)
            await store.commit()
        keys += done
        if done < batch:
            break
    return Pruned(files=files, update_keys=keys)
