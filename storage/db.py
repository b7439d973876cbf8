"""Engine, schema and the transaction boundary. Nothing here runs at import time."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import registry
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import models  # noqa: F401  (registers the tables)
from storage.store import Store

registry.register("sqlite.inline", "storage.sqlite_inline", "SQLiteDialect_inline")
log = logging.getLogger(__name__)

_ASYNC_DRIVERS = {
    "sqlite": "sqlite+inline",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
}


def async_url(url: str) -> str:
    """Accept plain SQLAlchemy URLs (`sqlite:///data/x.db`) and pick the async driver."""
    parsed = make_url(url)
    driver = _ASYNC_DRIVERS.get(parsed.drivername)
    return parsed.set(drivername=driver).render_as_string(False) if driver else url


# SQLSTATEs worth a second try: serialization failure, deadlock, lock not available,
# and the server shutting down or restarting under us.
_PG_TRANSIENT = {"40001", "40P01", "55P03", "57P01", "57P02", "57P03"}


def is_transient(error: BaseException) -> bool:
    """A failure that trying the same transaction again may cure: a busy or locked
    database, a deadlock, a dropped connection."""
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        if isinstance(error, OperationalError) and "database is locked" in str(error.orig):
            return True  # SQLite past its busy_timeout
        code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
        return code in _PG_TRANSIENT
    return isinstance(error, ConnectionError)


_READ_ONLY = "cnsbot_read_only"

# Set while this task has a transaction open: a platform call made then would hold the
# transaction (on SQLite every writer of the process) for as long as the network takes.
_open_transaction: ContextVar[bool] = ContextVar("cnsbot_open_transaction", default=False)
_guard = {"strict": False}


class CallInsideTransaction(RuntimeError):
    """A platform call was attempted while a database transaction was open."""


def in_transaction() -> bool:
    return _open_transaction.get()


def strict_transaction_guard(strict: bool = True) -> None:
    """Make `outside_transaction` raise instead of logging (tests turn this on)."""
    _guard["strict"] = strict


def outside_transaction(call: str) -> None:
    """Called by every channel before it sends or edits on a platform: inside an open
    transaction that is a bug, raised under `strict_transaction_guard` (tests) and logged
    as an ERROR, with the stack, otherwise (the send itself still goes)."""
    if not _open_transaction.get():
        return
    if _guard["strict"]:
        raise CallInsideTransaction(f"{call} inside an open database transaction")
    log.error("%s inside an open database transaction", call, stack_info=True)


@asynccontextmanager
async def _guarded() -> AsyncIterator[None]:
    token = _open_transaction.set(True)
    try:
        yield
    finally:
        _open_transaction.reset(token)


def _sqlite_setup(engine: AsyncEngine, lock_wait_ms: int) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA busy_timeout={int(lock_wait_ms)}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get(_READ_ONLY):
            conn.exec_driver_sql("BEGIN")  # a snapshot: WAL readers take no lock
            return
        # Take the write lock up front: two concurrent updates serialize instead of one
        # failing to upgrade a read snapshot (SQLITE_BUSY_SNAPSHOT).
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """Owns the engine. Callers open one transaction per update, job or CLI command."""

    def __init__(self, url: str, *, echo: bool = False, lock_wait_ms: int = 15_000) -> None:
        """`lock_wait_ms`: how long a statement waits for a lock before it fails (and the
        caller may retry): SQLite's busy_timeout, PostgreSQL's lock_timeout."""
        self.url = async_url(url)
        parsed = make_url(self.url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite and parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        connect_args: dict[str, Any] = {}
        if parsed.get_backend_name() == "postgresql":
            # pg_stat_activity and pg_locks then say which process holds what.
            connect_args["server_settings"] = {
                "application_name": f"cnsbot:{os.getpid()}",
                "lock_timeout": str(int(lock_wait_ms)),
            }
        self.engine = create_async_engine(self.url, echo=echo, connect_args=connect_args)
        if self.is_sqlite:
            _sqlite_setup(self.engine, lock_wait_ms)
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )
        # Connections that only read: on SQLite a WAL snapshot, never the write lock.
        self.read_engine = self.engine.execution_options(**{_READ_ONLY: True})
        self._read_sessions = async_sessionmaker(
            self.read_engine,
            class_=AsyncSession,
            expire_on_commit=False,
        )
        # SQLite statements run on the loop (storage.sqlite_inline): one transaction at a
        # time per process, so none ever blocks the loop waiting for another's lock.
        self._one_at_a_time = asyncio.Lock() if self.is_sqlite else None

    async def create_schema(self) -> None:
        """Every table at once, stamped as the newest migration (tests and benchmarks; the
        bot itself runs `storage.migrate.upgrade`)."""
        from storage import migrate  # migrate builds on this module

        await migrate.create_all(self)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Store]:
        """One unit of work that writes. It keeps its writes only through `await
        store.commit()`: a block left without it (normally, by `return`, or by an
        exception) is rolled back. What was committed stays committed: a block that raises
        after `commit()` loses only what it wrote after that call."""
        if self._one_at_a_time is None:
            # Closing the session rolls back whatever commit() did not keep (and, unlike
            # rollback(), leaves the objects read so far loaded for the caller).
            async with _guarded(), self._sessions() as session:
                yield Store(session)
            return
        async with _guarded(), self._one_at_a_time, self._sessions() as session:
            yield Store(session)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Store]:
        """A transaction that only reads, always rolled back. On SQLite it takes no write
        lock and does not queue behind the process's writing transactions: a WAL reader
        sees the last commit and never waits (serving a file must not stall updates)."""
        async with _guarded(), self._read_sessions() as session:  # never committed: rolled back
            yield Store(session)

    async def dispose(self) -> None:
        await self.engine.dispose()
