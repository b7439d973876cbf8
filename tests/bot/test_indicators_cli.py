"""`cnsbot indicators ...` on the real database of the run, through typer's runner."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from bot.cli.app import app
from storage.db import Database
from tests import built_once as built
from tests import databases
from tests.built_once import BuiltOnce

runner = CliRunner()
TABLES = ("indicator", "indicator_alias", "audit_log", "target")


@pytest.fixture(autouse=True)
def database(
    database_url: str, monkeypatch: pytest.MonkeyPatch, built_once: BuiltOnce | None
) -> str:
    if built_once is not None:  # SQLite: a copy of the one `db upgrade` made for the session
        built_once.copy(built.upgraded, database_url)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    upgraded = runner.invoke(app, ["db", "upgrade"])  # only `run` and `db upgrade` migrate
    assert upgraded.exit_code == 0, upgraded.output
    return database_url


def cli(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args), terminal_width=200)
    assert result.exit_code == code, result.output
    return result.output


def snapshot(url: str) -> tuple[object, ...]:
    """Every row of the indicator tables, and on SQLite the database file's bytes."""

    async def rows() -> list[object]:
        db = Database(url)
        try:
            async with db.engine.connect() as conn:
                found = []
                for table in TABLES:
                    result = await conn.execute(text(f"SELECT * FROM {table} ORDER BY 1"))
                    found.append([tuple(r) for r in result])
                return found
        finally:
            await db.dispose()

    data = asyncio.run(rows())
    if databases.ON_POSTGRES:
        return (data,)
    path = Path(make_url(url).database or "")
    return data, path.read_bytes(), Path(f"{path}-wal").exists()


def test_a_dry_run_keeps_nothing_and_the_preset_is_idempotent(database: str) -> None:
    cli("indicators", "list")  # creates and seeds the database
    before = snapshot(database)
    dry = cli("indicators", "preset", "seeds", "--dry-run")
    assert "vssid" in dry and "momo" in dry and "nothing was kept" in dry
    for args in (
        ("add", "kh", "Khác", "--alias", "hỗ trợ khác"),
        ("alias", "tt", "momo"),
        ("rename", "tt", "Thanh toán số", "--short", "TTS"),
        ("retire", "cks"),
        ("order", "tt", "cks"),
    ):
        assert "would be made" in cli("indicators", *args, "--dry-run")
    assert snapshot(database) == before
    cli("indicators", "preset", "seeds")
    after = snapshot(database)
    assert after != before
    assert "Nothing to change." in cli("indicators", "preset", "seeds")
    assert snapshot(database)[0] == after[0]
    listing = cli("indicators", "list")
    assert "vssid" in listing and "sskdt" in listing and "dvc" in listing


def test_a_refused_alias_names_the_reason_and_changes_nothing(database: str) -> None:
    cli("indicators", "list")
    before = snapshot(database)[0]
    out = cli("indicators", "alias", "tt", "ví momo", "định danh", "vnied", code=1)
    assert "alias 'định danh' belongs to indicator VNeID" in out
    assert "Tên gọi “vnied” quá giống “vneid” của chỉ tiêu VNeID" in out
    assert "Nothing was changed." in out
    assert snapshot(database)[0] == before


def test_retire_and_restore_show_in_the_list(database: str) -> None:
    cli("indicators", "add", "dvc", "Dịch vụ công trực tuyến", "--alias", "dịch vụ công")
    assert "retire" in cli("indicators", "retire", "dvc")
    assert "retired" in cli("indicators", "list")
    assert "Nothing to change." in cli("indicators", "retire", "dvc")
    assert "restore" in cli("indicators", "restore", "dvc")
    assert "retired" not in cli("indicators", "list")


def test_targets_import_takes_a_column_for_an_added_indicator(tmp_path: Path) -> None:
    cli("units", "import-official", "--province", "38")
    cli("indicators", "add", "sskdt", "Sổ sức khỏe điện tử", "--short", "Sổ SKĐT")
    sheet = tmp_path / "targets.csv"
    sheet.write_text("unit,period,vneid,cks,sskdt\n15910,2026-11,100,40,25\n", encoding="utf-8")
    assert "3 targets read, 3 changed." in cli("targets", "import", str(sheet))


def test_with_every_default_retired_the_defaults_are_not_seeded_again() -> None:
    for code in ("vneid", "cks", "tt"):
        cli("indicators", "retire", code)
    listing = cli("indicators", "list")  # each command seeds an empty database first
    assert listing.count("retired") == 3
