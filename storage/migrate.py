"""Schema migrations with Alembic, run on the bot's own engine (SQLite or PostgreSQL).

`upgrade` brings any database to the newest revision; a database made before migrations
existed (tables but no version) is adopted as the revision it matches (the newest if it
matches the models, else the first), not re-created.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Protocol

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

MIGRATIONS = Path(__file__).with_name("migrations")
FIRST = "0001"
MIGRATION_LOCK = 0x636E_7301  # "cns" 1: an advisory lock key of this bot's own


class Database(Protocol):
    """What migrations need of `storage.db.Database` (which imports this module, not the
    other way round: no cycle)."""

    @property
    def engine(self) -> AsyncEngine: ...


def config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


@functools.cache
def _scripts() -> ScriptDirectory:
    """The revision files, read once per process (they do not change while it runs; every
    command's schema check and every /readyz asks for the head)."""
    return ScriptDirectory.from_config(config())


def head() -> str:
    revision = _scripts().get_current_head()
    assert revision is not None
    return revision


def is_known(revision: str) -> bool:
    """A revision of this code's migrations (not one made by a newer version)."""
    try:
        return _scripts().get_revision(revision) is not None
    except Exception:  # alembic's CommandError/ResolutionError for an unknown id
        return False


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _upgrade(connection: Connection, revision: str) -> tuple[str | None, str | None]:
    if connection.dialect.name == "postgresql":
        # Several workers may start at once: one migrates, the others wait, then see head.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    before = _current(connection)
    cfg = config(connection)
    if before is None and inspect(connection).has_table("unit"):
        # Made by create_all, without a version: adopt it as the revision it matches.
        before = head() if not _differences(connection) else FIRST
        command.stamp(cfg, before)
    command.upgrade(cfg, revision)
    return before, _current(connection)


def _create_all(connection: Connection) -> None:
    SQLModel.metadata.create_all(connection)
    if _current(connection) is None:
        command.stamp(config(connection), head())


async def create_all(db: Database) -> None:
    """The models' tables at once, recorded as the newest revision (tests, benchmarks:
    faster than running every migration; `upgrade` later has nothing to do)."""
    async with db.engine.begin() as conn:
        await conn.run_sync(_create_all)


async def upgrade(db: Database, revision: str = "head") -> tuple[str | None, str | None]:
    """Migrate to `revision`; returns the revisions before and after."""
    async with db.engine.begin() as conn:
        return await conn.run_sync(_upgrade, revision)


async def current(db: Database) -> str | None:
    async with db.engine.connect() as conn:
        return await conn.run_sync(_current)


def _differences(connection: Connection) -> list[Any]:
    return list(compare_metadata(MigrationContext.configure(connection), SQLModel.metadata))


async def differences(db: Database) -> list[Any]:
    """What the models have that the database lacks, or the other way round (empty: in step)."""
    async with db.engine.connect() as conn:
        return await conn.run_sync(_differences)


def _revision(connection: Connection, message: str) -> None:
    command.revision(config(connection), message=message, autogenerate=True)


async def new_revision(db: Database, message: str) -> None:
    """Write a revision file from the difference between the models and `db` (developers)."""
    async with db.engine.begin() as conn:
        await conn.run_sync(_revision, message)
