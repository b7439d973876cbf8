"""Which database engine the suite runs on: SQLite files, or a real PostgreSQL server.

With `CNSBOT_TEST_POSTGRES` set to a URL of a role that may create databases, the session
makes one database with the migrations (`storage.migrate.upgrade`: the PostgreSQL run tests
them as well) and every test starts from it emptied (DELETE every table and restart the
sequences: a template copy or a TRUNCATE costs 0.25-0.5 s a test, this ~10 ms).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from storage import migrate
from storage.db import Database

POSTGRES_ADMIN = os.environ.get("CNSBOT_TEST_POSTGRES", "")
ON_POSTGRES = bool(POSTGRES_ADMIN)
TEMPLATE = f"cnsbot_test_{os.getpid()}"


def _with_database(name: str) -> str:
    return make_url(POSTGRES_ADMIN).set(database=name).render_as_string(False)


async def _admin(sql: str, url: str = POSTGRES_ADMIN) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _emptying() -> str:
    """DELETE every table, children first, and restart the id sequences."""
    deletes = [f'DELETE FROM "{t.name}";' for t in reversed(SQLModel.metadata.sorted_tables)]
    restart = (
        "SELECT setval(c.oid, 1, false) FROM pg_class c WHERE c.relkind = 'S' "
        "AND c.relnamespace = 'public'::regnamespace;"
    )
    return "\n".join([*deletes, restart])


async def _make_template() -> None:
    await _admin(f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)')
    await _admin(f'CREATE DATABASE "{TEMPLATE}"')
    db = Database(_with_database(TEMPLATE))
    try:
        await migrate.upgrade(db)
    finally:
        await db.dispose()


def make_template() -> None:
    asyncio.run(_make_template())


def drop_template() -> None:
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)'))


async def new_database(tmp_path: Path) -> str:
    """A URL for an empty database (PostgreSQL: migrated, every table emptied)."""
    if not ON_POSTGRES:
        return f"sqlite:///{tmp_path / 'test.db'}"
    url = _with_database(TEMPLATE)
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND usename = current_user AND backend_type = 'client backend'"
        )  # a killed bot's sessions, not the server's own workers
        await conn.execute(_emptying())
    finally:
        await conn.close()
    return url
