"""Migrations: the first revision is the models' schema, and upgrades are safe to repeat."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from bot.cli.app import app
from storage import migrate
from storage.db import Database
from storage.models import Level
from tests import databases


async def test_upgrade_reaches_head_and_matches_the_models(database_url: str) -> None:
    db = Database(database_url)
    try:
        before, after = await migrate.upgrade(db)
        assert after == migrate.head() == await migrate.current(db)
        assert await migrate.differences(db) == []
        again = await migrate.upgrade(db)
        assert again == (after, after)  # nothing to do the second time
    finally:
        await db.dispose()
    if not databases.ON_POSTGRES:
        assert before is None  # a new SQLite file starts empty


@pytest.mark.skipif(databases.ON_POSTGRES, reason="made with create_all: a SQLite file")
async def test_a_database_from_before_migrations_is_adopted_with_its_rows(
    tmp_path: Path,
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        # The first schema, as create_all made it before migrations existed: no version.
        await migrate.upgrade(db, migrate.FIRST)
        async with db.engine.begin() as conn:
            await conn.execute(text("DROP TABLE alembic_version"))
        async with db.transaction() as store:
            await store.units.add("C1", "Xã Cũ", Level.commune)
            await store.commit()
        assert await migrate.current(db) is None
        before, after = await migrate.upgrade(db)
        assert (before, after) == (migrate.FIRST, migrate.head())
        assert await migrate.differences(db) == []  # the later revisions ran
        async with db.reading() as store:
            assert (await store.units.by_code("C1")) is not None
    finally:
        await db.dispose()


async def test_tables_made_by_create_all_are_at_head_and_upgrade_is_a_no_op(
    tmp_path: Path,
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        await db.create_schema()
        assert await migrate.current(db) == migrate.head()
        head = migrate.head()
        assert await migrate.upgrade(db) == (head, head)
    finally:
        await db.dispose()


async def test_a_missing_column_is_reported_by_check(database_url: str) -> None:
    db = Database(database_url)
    try:
        await migrate.upgrade(db)
        async with db.engine.begin() as conn:
            await conn.execute(text("ALTER TABLE unit ADD COLUMN stray INTEGER"))
        diffs = await migrate.differences(db)
        assert [d[0] for d in diffs] == ["remove_column"] and diffs[0][3].name == "stray"
    finally:
        async with db.engine.begin() as conn:  # PostgreSQL's database is shared by the run
            await conn.execute(text("ALTER TABLE unit DROP COLUMN stray"))
        await db.dispose()


def test_db_commands(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    runner = CliRunner()
    upgraded = runner.invoke(app, ["db", "upgrade"])
    assert upgraded.exit_code == 0 and f"Schema at {migrate.head()}" in upgraded.output
    current = runner.invoke(app, ["db", "current"])
    assert "up to date" in current.output
    check = runner.invoke(app, ["db", "check"])
    assert check.exit_code == 0 and "matches the models" in check.output
