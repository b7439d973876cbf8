"""Only `cnsbot run` (and the console, its path) and `cnsbot db upgrade` migrate: every
other command refuses a database that is empty, behind or unknown, and changes nothing."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from typer.testing import CliRunner

from bot.cli.app import app
from storage import migrate
from storage.db import Database
from tests.built_once import BuiltOnce

runner = CliRunner()
# One revision behind the newest (whatever the newest is once branches are merged).
PREVIOUS = str(
    ScriptDirectory.from_config(migrate.config()).get_revision(migrate.head()).down_revision
)


@pytest.fixture
def path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A SQLite file of this test's own (the refusal is the same on PostgreSQL)."""
    file = tmp_path / "cnsbot.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{file}")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    return file


def tables(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1")
        return [name for (name,) in rows]


def revision(path: Path) -> str | None:
    with sqlite3.connect(path) as conn:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        return row[0] if row else None


def migrated(url: str, target: str) -> None:
    async def work() -> None:
        db = Database(url)
        try:
            await migrate.upgrade(db, target)
        finally:
            await db.dispose()

    asyncio.run(work())


MigrateTo = Callable[[str], None]


@pytest.fixture
def migrate_to(path: Path, built_once: BuiltOnce | None) -> MigrateTo:
    """Migrate this test's empty file to a revision: a copy of the file migrated there once
    for the session (tests/built_once.py; the migrations have tests of their own)."""

    def to(target: str) -> None:
        url = f"sqlite:///{path}"
        if built_once is None:
            return migrated(url, target)
        built_once.copy(lambda: migrated(os.environ["DATABASE_URL"], target), url, key=target)

    return to


COMMANDS = [
    ["outbox", "status"],
    ["outbox", "retry"],
    ["members", "list"],
    ["units", "tree"],
    ["units", "import-official", "--province", "38"],
    ["indicators", "list"],
    ["remind", "--dry-run", "--at", "2026-11-18T08:00"],
    ["tally", "--unit", "38", "--week", "2026-W47"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_command_refuses_an_empty_database_and_creates_no_table(
    path: Path, args: list[str]
) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code != 0
    assert "The database has no schema yet" in result.output
    assert "Run `cnsbot db upgrade` first" in result.output
    assert [t for t in tables(path) if t != "alembic_version"] == []


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_command_refuses_a_database_behind_and_leaves_its_revision(
    path: Path, migrate_to: MigrateTo, args: list[str]
) -> None:
    migrate_to(PREVIOUS)
    result = runner.invoke(app, args)
    assert result.exit_code != 0
    assert f"is at schema revision {PREVIOUS}, behind" in result.output
    assert "cnsbot db upgrade" in result.output
    assert revision(path) == PREVIOUS


def test_an_unknown_revision_is_refused_not_guessed(path: Path, migrate_to: MigrateTo) -> None:
    migrate_to("head")
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'ffff'")
    result = runner.invoke(app, ["members", "list"])
    assert result.exit_code != 0
    assert "revision ffff, which this version of cnsbot does not know" in result.output


def test_db_upgrade_migrates_and_seeds_then_the_commands_work(
    path: Path, migrate_to: MigrateTo
) -> None:
    migrate_to(PREVIOUS)
    upgraded = runner.invoke(app, ["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    assert f"(was {PREVIOUS})" in upgraded.output
    assert revision(path) == migrate.head()
    listing = runner.invoke(app, ["indicators", "list"], terminal_width=200)
    assert listing.exit_code == 0, listing.output
    assert "vneid" in listing.output and "cks" in listing.output  # seeded by the upgrade
    current = runner.invoke(app, ["db", "current"])
    assert "up to date" in current.output


def test_db_current_and_check_read_a_database_behind_without_migrating_it(
    path: Path, migrate_to: MigrateTo
) -> None:
    migrate_to(PREVIOUS)
    current = runner.invoke(app, ["db", "current"])
    assert f"Schema at {PREVIOUS}; behind: run `cnsbot db upgrade`" in current.output
    assert revision(path) == PREVIOUS
