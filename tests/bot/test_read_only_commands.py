"""Dry runs and read-only commands write nothing: the database file is the same after them.

The demo commune (made the way `cnsbot run` makes it), with a dead letter in the outbox and
an empty lexicon of report words (a state the grammar handles: it falls back to the default
words). Each command runs against the SQLite file; the content is compared before and after
as the checksum of its `.dump`, and as the bytes of the file once its WAL is checkpointed
into it (opening a WAL database may create or truncate `-wal`/`-shm`, which says nothing).
"""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot import compose
from bot.cli.app import app
from bot.settings import Settings
from storage.db import Database
from storage.models import OutboxStatus

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo database, built once for the module (migrations and the demo: ~0.15 s);
    each test gets a copy of the file."""
    file = tmp_path_factory.mktemp("demo") / "cnsbot.db"
    url = f"sqlite:///{file}"

    async def seed() -> None:
        runtime = await compose.build(Settings(), demo=True)
        await runtime.db.dispose()
        db = Database(url)
        try:
            async with db.transaction() as store:
                await store.outbox.enqueue(
                    "dead", kind="reminder", platform="console", chat_id="an", html="x"
                )
                (row,) = await store.outbox.with_status(OutboxStatus.pending)
                await store.outbox.mark_failed(row.id or 0, OutboxStatus.dead, 6, "Forbidden")
                await store.commit()
        finally:
            await db.dispose()  # the last connection closes: the WAL is folded into the file

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", url)
        patch.setenv("TELEGRAM_BOT_TOKEN", "")
        asyncio.run(seed())
    with sqlite3.connect(file) as conn:
        conn.execute("DELETE FROM report_word")
    conn.close()  # the last one: everything is in the file, which is what gets copied
    assert not file.with_name(file.name + "-wal").exists()
    return file


@pytest.fixture
def path(demo_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    file = tmp_path / "cnsbot.db"
    shutil.copyfile(demo_file, file)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{file}")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    return file


def content(path: Path) -> tuple[str, bytes]:
    """(checksum of the `.dump`, the file's bytes after a full checkpoint)."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        dump = hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()
    finally:
        conn.close()
    wal = path.with_name(path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0  # everything is in the file
    return dump, path.read_bytes()


def member_id(path: Path, name: str) -> str:
    with sqlite3.connect(path) as conn:
        (found,) = conn.execute("SELECT id FROM member WHERE name = ?", (name,)).fetchone()
    return str(found)


COMMANDS: dict[str, tuple[list[str], str]] = {
    # name: (arguments, something the output must show: the command did its work)
    "remind --dry-run": (["remind", "--dry-run", "--at", "2026-11-18T08:00"], "console:binh"),
    "outbox status": (["outbox", "status"], "Forbidden"),
    "export": (
        ["export", "--unit", "16012", "--period", "2026-11", "--out", "{tmp}/x.xlsx"],
        "Wrote",
    ),
    "tally": (["tally", "--unit", "16012", "--week", "2026-W47", "--png", "{tmp}/t.png"], "Thôn 1"),
    "members list": (["members", "list"], "Nguyễn Văn An"),
    "members lock --dry-run": (["members", "lock", "{an}", "--dry-run"], ""),
    "units tree": (["units", "tree"], "Hoằng Kim"),
    "units import --dry-run": (["units", "import", "{tmp}/v.csv", "--dry-run"], "would be added"),
    "targets import --dry-run": (["targets", "import", "{tmp}/t.csv", "--dry-run"], "would change"),
    "indicators list": (["indicators", "list"], "vneid"),
    "db current": (["db", "current"], "up to date"),
    "db check": (["db", "check"], "matches the models"),
    "indicators preset --dry-run": (["indicators", "preset", "seeds", "--dry-run"], "sskdt"),
}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_the_command_leaves_the_database_as_it_was(path: Path, tmp_path: Path, name: str) -> None:
    args, shows = COMMANDS[name]
    (tmp_path / "v.csv").write_text("code,name,level,parent_code\nT9,Thôn 9,thôn,16012\n")
    (tmp_path / "t.csv").write_text("unit,indicator,period,value\n16012-T1,vneid,2026-11,55\n")
    args = [a.format(tmp=tmp_path, an=member_id(path, "Nguyễn Văn An")) for a in args]
    before = content(path)
    result = runner.invoke(app, args, terminal_width=200)
    assert result.exit_code == 0, result.output
    assert shows in result.output
    after = content(path)
    assert after[0] == before[0], "the database's content changed"
    assert after[1] == before[1], "the database file's bytes changed"


def test_the_comparison_sees_a_real_change(path: Path) -> None:
    """The check above can fail: a command that does write changes both."""
    before = content(path)
    result = runner.invoke(app, ["members", "lock", member_id(path, "Nguyễn Văn An")])
    assert result.exit_code == 0, result.output
    after = content(path)
    assert after[0] != before[0] and after[1] != before[1]
