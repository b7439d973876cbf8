"""Tables that would only grow are pruned by the schedule's leader, once a day: expired
chart links, and update keys older than the retention (younger ones stay: a re-delivered
update is still recognised)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import select

from handlers.texts_signoff import WORDING
from reminders.due import Planner
from reminders.schedule import DueJob
from storage import retention
from storage.db import Database
from storage.models import ProcessedUpdate, PublicFile, utcnow
from tests.conftest import Chat

PNG = b"\x89PNG\r\n\x1a\n"


class NotLeader:
    async def ensure(self) -> bool:
        return False

    async def release(self) -> None:
        pass


async def count(db: Database, table: type[ProcessedUpdate] | type[PublicFile]) -> int:
    async with db.reading() as store:
        return (await store.session.exec(select(func.count()).select_from(table))).one()


async def vneid(db: Database) -> int:
    async with db.reading() as store:
        return (await store.entries.totals(date(2026, 11, 1), date(2026, 11, 30))).get("vneid", 0)


def job(db: Database, days_later: float, **kwargs: object) -> DueJob:
    moment = utcnow() + timedelta(days=days_later)
    return DueJob(db, Planner(), WORDING, lambda: moment, **kwargs)  # type: ignore[arg-type]


async def run_once(db: Database, days_later: float, **kwargs: object) -> None:
    """One tick of a job, which then steps down (on PostgreSQL leadership holds a
    connection of its own until released)."""
    once = job(db, days_later, **kwargs)
    await once.run()
    await once.finish()


async def test_update_keys_younger_than_the_retention_stay_and_still_deduplicate(
    db: Database, chat: Chat
) -> None:
    await chat.send("vneid 5", key="tg:1001")
    assert await vneid(db) == 5
    await run_once(db, 29)  # 29 days on: the key is younger than the 30 days kept
    async with db.reading() as store:
        assert await store.session.get(ProcessedUpdate, "tg:1001") is not None
    assert await chat.send("vneid 5", key="tg:1001") == []  # re-delivered: answered once
    assert await vneid(db) == 5
    await run_once(db, 31)  # past the retention: deleted
    async with db.reading() as store:
        assert await store.session.get(ProcessedUpdate, "tg:1001") is None


async def test_the_retention_is_a_setting_of_the_job(db: Database, chat: Chat) -> None:
    await chat.send("vneid 2", key="tg:2002")
    await run_once(db, 8, keep_update_keys=timedelta(days=10))
    async with db.reading() as store:
        assert await store.session.get(ProcessedUpdate, "tg:2002") is not None
    await run_once(db, 11, keep_update_keys=timedelta(days=10))
    async with db.reading() as store:
        assert await store.session.get(ProcessedUpdate, "tg:2002") is None


async def test_expired_files_go_and_live_ones_stay(db: Database) -> None:
    async with db.transaction() as store:
        live = await store.public_files.put(PNG, "a.png", utcnow() + timedelta(hours=72))
        await store.public_files.put(PNG, "b.png", utcnow() - timedelta(seconds=1))
        await store.public_files.put(PNG, "c.png", utcnow() - timedelta(days=40))
        await store.commit()
    await run_once(db, 0)
    assert await count(db, PublicFile) == 1
    async with db.transaction() as store:
        assert await store.public_files.get(live, utcnow()) is not None
        await store.commit()


async def test_only_the_leader_prunes_and_only_once_a_day(db: Database, chat: Chat) -> None:
    await chat.send("vneid 1", key="tg:3003")
    async with db.transaction() as store:
        await store.public_files.put(PNG, "old.png", utcnow() - timedelta(days=1))
        await store.commit()
    await job(db, 40, leadership=NotLeader()).run()
    assert await count(db, PublicFile) == 1
    async with db.reading() as store:
        assert await store.session.get(ProcessedUpdate, "tg:3003") is not None
    leader = job(db, 0)
    await leader.run()
    assert await count(db, PublicFile) == 0
    async with db.transaction() as store:
        await store.public_files.put(PNG, "later.png", utcnow() - timedelta(seconds=1))
        await store.commit()
    await leader.run()  # the same day: already pruned today
    await leader.finish()
    assert await count(db, PublicFile) == 1


async def test_a_long_backlog_is_deleted_in_batches(db: Database) -> None:
    old = utcnow() - timedelta(days=60)
    async with db.transaction() as store:
        for n in range(25):
            store.session.add(ProcessedUpdate(key=f"tg:{n}", at=old))
        store.session.add(ProcessedUpdate(key="tg:new", at=utcnow()))
        await store.commit()
    pruned = await retention.prune(db, utcnow(), timedelta(days=30), batch=10)
    assert pruned.update_keys == 25 and await count(db, ProcessedUpdate) == 1
