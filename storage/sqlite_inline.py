"""SQLite for the async engine without a thread: statements run on the event loop.

aiosqlite hands every call (execute, fetch, close) to a thread of its own and back, some
65 round trips for one report; on a 2-core machine those hand-offs cost more than the
SQL. SQLite answers from memory or the page cache in microseconds, so this dialect lets
SQLAlchemy's async engine drive the standard `sqlite3` module directly: `is_async` only
tells SQLAlchemy it may run in a greenlet, and a driver that never awaits is fine there.

The price: a statement blocks the loop while it runs, so two transactions of one process
must never wait on each other's lock. `Database` serialises SQLite transactions on an
asyncio lock (SQLite allows one writer anyway, and they all write; `Database.reading`
transactions only read a WAL snapshot, which waits for no lock, so they skip it), and
another process holding the lock (a CLI import) can stall the loop for at most
`busy_timeout`. For a province on one server, use PostgreSQL.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import pool
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import URL
from sqlalchemy.util.concurrency import await_


async def _done() -> None:
    """An awaitable that is ready at once: no loop turn, no thread."""


def _passes_through_the_greenlet() -> None:
    # AsyncConnection.execute checks that the driver awaited something (a guard against
    # sync drivers used by mistake); this one is sync on purpose, so it awaits nothing.
    await_(_done())


class _Cursor(sqlite3.Cursor):
    async def _async_soft_close(self) -> None:
        """AsyncConnection asks this of async drivers' cursors; here rows are in memory."""


class _Connection(sqlite3.Connection):
    def cursor(self, factory: Any = _Cursor) -> Any:
        return super().cursor(factory)


class SQLiteDialect_inline(SQLiteDialect_pysqlite):
    driver = "inline"
    is_async = True
    supports_statement_cache = True

    @classmethod
    def get_pool_class(cls, url: URL) -> type[pool.Pool]:
        if cls._is_url_file_db(url):
            return pool.AsyncAdaptedQueuePool  # waits in the loop, never blocks it
        return pool.StaticPool

    def do_execute(self, cursor: Any, statement: Any, parameters: Any, context: Any = None) -> None:
        _passes_through_the_greenlet()
        super().do_execute(cursor, statement, parameters, context)

    def do_executemany(
        self, cursor: Any, statement: Any, parameters: Any, context: Any = None
    ) -> None:
        _passes_through_the_greenlet()
        super().do_executemany(cursor, statement, parameters, context)

    def do_execute_no_params(self, cursor: Any, statement: Any, context: Any = None) -> None:
        _passes_through_the_greenlet()
        super().do_execute_no_params(cursor, statement, context)

    def create_connect_args(self, url: URL) -> Any:
        args, kwargs = super().create_connect_args(url)
        kwargs["check_same_thread"] = False  # the loop's thread, but pools may close elsewhere
        kwargs["factory"] = _Connection
        return args, kwargs
