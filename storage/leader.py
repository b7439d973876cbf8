"""Leadership among processes sharing one database: who runs the schedule.

On PostgreSQL a session-level advisory lock, held on a connection of its own (in
autocommit: no transaction stays open). The server frees it when that session ends, so a
killed holder's lock passes to the next process that asks. On SQLite the bot is one
process, and the one asking is the leader; the keyed job claims keep a stray second
process from doubling anything either way.
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import Database

log = logging.getLogger(__name__)
SCHEDULER_LOCK = 0x636E_7302  # "cns" 2


class Leadership:
    def __init__(self, db: Database, key: int = SCHEDULER_LOCK) -> None:
        self.db, self.key = db, key
        self._conn: AsyncConnection | None = None

    async def ensure(self) -> bool:
        """True while this process leads: checks a held lock is still alive, else tries once."""
        if self.db.is_sqlite:
            return True
        if self._conn is not None:
            try:
                await self._conn.execute(text("SELECT 1"))
                return True
            except Exception:
                log.warning("lost the scheduler lock's connection; will try to take it again")
                await self._drop()
        return await self._try()

    async def _try(self) -> bool:
        conn = await self.db.engine.connect()
        try:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            query = text("SELECT pg_try_advisory_lock(:key)")
            got = bool(await conn.scalar(query, {"key": self.key}))
        except Exception:
            await conn.close()
            raise
        if not got:
            await conn.close()
            return False
        self._conn = conn
        log.info("this process runs the schedule (advisory lock %#x)", self.key)
        return True

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                await conn.invalidate()  # do not hand a broken session back to the pool
            except Exception:
                log.debug("closing the lock connection failed", exc_info=True)

    async def release(self) -> None:
        if self._conn is None:
            return
        try:
            await self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            await self._conn.close()
        except Exception:
            await self._drop()
        self._conn = None  # (also when _drop ran)


async def is_held(db: Database, key: int = SCHEDULER_LOCK) -> bool:
    """Whether some process holds the schedule's lock (readiness: someone runs the schedule).
    On SQLite the one bot process is the leader whenever it runs."""
    if db.is_sqlite:
        return True
    query = text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
        " AND classid = :high AND objid = :low AND objsubid = 1"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    async with db.engine.connect() as conn:
        held = await conn.scalar(query, {"high": key >> 32, "low": key & 0xFFFF_FFFF})
    return bool(held)
