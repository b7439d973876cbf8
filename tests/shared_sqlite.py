"""SQLite for the suite: one database file and one engine for the whole session (per pytest
process), its content made anew before each test from a template file.

A new engine per test costs more than most tests: SQLAlchemy caches compiled SQL per engine
(a new one compiles every statement again), the first connection inspects the server, and
closing the last connection checkpoints the WAL (an fsync on a disk). Measured on the 2-core
machine: ~40 ms of CPU for a report through `Handlers` on a new engine, ~20 ms on this one.

The content is replaced by SQLite's backup API, page by page, through one of the engine's
own connections (schema, rows and the ids to come are the template's; the engine's other
connections see it at their next transaction), so it is the same database a fresh copy of
the file would be. After each test the pool is disposed: no connection, transaction or
event-loop binding of one test reaches the next.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

from storage.db import Database


async def load_copy(
    db: Database,
    source: Path,
    *,
    unless: Callable[[], bool] = lambda: False,
    lock_wait: float = 1.0,
) -> None:
    """Make the content of `db` (SQLite) an exact copy of the SQLite file `source` (not if
    `unless()` says it is one already). Refused, rather than waiting for ever (the backup
    retries a held lock endlessly), while a connection a test left open holds the write
    lock (after `lock_wait` seconds)."""
    async with db.engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        (wait,) = raw.execute("PRAGMA busy_timeout").fetchone()
        raw.execute(f"PRAGMA busy_timeout = {int(lock_wait * 1000)}")
        try:
            raw.execute("BEGIN IMMEDIATE")
            raw.execute("ROLLBACK")
        except sqlite3.OperationalError as error:
            raise RuntimeError(f"{db.url}: a connection left open holds it: {error}") from error
        finally:
            raw.execute(f"PRAGMA busy_timeout = {int(wait)}")
        if unless():
            return
        source_conn = sqlite3.connect(source)
        try:
            source_conn.backup(raw)
        finally:
            source_conn.close()


class SharedSQLite:
    def __init__(self, folder: Path, template: Path, *, lock_wait: float = 1.0) -> None:
        self.path = folder / "test.db"
        self.lock_wait = lock_wait
        shutil.copyfile(template, self.path)
        self.database = Database(self.url)
        # A connection outside the engine that never writes: SQLite tells it whether any
        # other connection has committed since it last asked (PRAGMA data_version).
        self._watch = sqlite3.connect(self.path, isolation_level=None)
        self._loaded: tuple[Path, int] | None = None

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    def _version(self) -> int:
        (version,) = self._watch.execute("PRAGMA data_version").fetchone()
        return int(version)

    def holds(self, source: Path) -> bool:
        """The database is a copy of `source` that nobody has written to since."""
        return self._loaded == (source, self._version())

    async def load(self, source: Path) -> Database:
        """The database, its content now a copy of `source` (at once if it is one already)."""
        await load_copy(
            self.database, source, unless=lambda: self.holds(source), lock_wait=self.lock_wait
        )
        self._loaded = (source, self._version())
        return self.database

    async def release(self) -> None:
        """After a test: its connections closed, and the lock that serialises SQLite
        transactions made anew (each test runs its own event loop, and an asyncio lock is
        bound to the loop it first waited in)."""
        await self.database.dispose()
        if self.database._one_at_a_time is not None:
            self.database._one_at_a_time = asyncio.Lock()

    async def close(self) -> None:
        await self.database.dispose()
        self._watch.close()
