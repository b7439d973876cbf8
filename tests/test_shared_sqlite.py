"""The suite's shared SQLite database (tests/shared_sqlite.py): every test starts from the
template, whatever the test before it did."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.models import Level, pk
from tests import databases
from tests.shared_sqlite import SharedSQLite

pytestmark = pytest.mark.skipif(databases.ON_POSTGRES, reason="SQLite's own machinery")


@pytest.fixture
async def shared(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[SharedSQLite]:
    made = SharedSQLite(tmp_path, sqlite_template, lock_wait=0.05)  # a refusal in 50 ms
    yield made
    await made.close()


async def test_a_load_undoes_every_write_and_the_ids_start_again(
    shared: SharedSQLite, sqlite_template: Path
) -> None:
    db = await shared.load(sqlite_template)
    async with db.transaction() as store:
        first = pk(await store.units.add("38", "Thanh Hóa", Level.province))
        await store.commit()
    assert not shared.holds(sqlite_template)
    await shared.release()

    db = await shared.load(sqlite_template)
    assert shared.holds(sqlite_template)
    async with db.reading() as store:
        assert await store.units.by_code("38") is None
    async with db.transaction() as store:
        assert pk(await store.units.add("38", "Thanh Hóa", Level.province)) == first
        await store.commit()


async def test_a_write_by_another_connection_is_noticed(
    shared: SharedSQLite, sqlite_template: Path
) -> None:
    await shared.load(sqlite_template)
    other = sqlite3.connect(shared.path, isolation_level=None)
    try:
        (aliases,) = other.execute("SELECT count(*) FROM indicator_alias").fetchone()
        assert aliases > 0
        other.execute("DELETE FROM indicator_alias")
        assert not shared.holds(sqlite_template)
        await shared.load(sqlite_template)
        assert other.execute("SELECT count(*) FROM indicator_alias").fetchone() == (aliases,)
    finally:
        other.close()


async def test_a_write_lock_left_held_is_refused_not_waited_for(
    shared: SharedSQLite, sqlite_template: Path
) -> None:
    await shared.load(sqlite_template)
    await shared.release()
    other = sqlite3.connect(shared.path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("DELETE FROM indicator_alias")
        with pytest.raises(RuntimeError, match="left open"):
            await shared.load(sqlite_template)
    finally:
        other.close()
