"""`Database.transaction()` keeps its writes only through `store.commit()`."""

from __future__ import annotations

import pytest

from storage.db import Database
from storage.models import Level


async def unit_codes(db: Database) -> list[str]:
    async with db.reading() as store:
        return sorted(u.code for u in await store.units.roots())


async def test_a_block_left_without_commit_is_rolled_back(db: Database) -> None:
    async with db.transaction() as store:
        await store.units.add("38", "Thanh Hóa", Level.province)
        assert [u.code for u in await store.units.roots()] == ["38"]  # seen inside
    assert await unit_codes(db) == []


async def test_a_block_that_returns_early_without_commit_is_rolled_back(db: Database) -> None:
    async def add_then_return() -> str:
        async with db.transaction() as store:
            unit = await store.units.add("38", "Thanh Hóa", Level.province)
            return unit.code

    assert await add_then_return() == "38"
    assert await unit_codes(db) == []


async def test_a_block_that_commits_keeps_its_writes(db: Database) -> None:
    async with db.transaction() as store:
        unit = await store.units.add("38", "Thanh Hóa", Level.province)
        await store.commit()
    assert unit.name == "Thanh Hóa"  # still loaded after the block
    assert await unit_codes(db) == ["38"]


async def test_a_block_that_raises_after_commit_keeps_only_what_was_committed(
    db: Database,
) -> None:
    """Documented choice: a commit is final; only the writes after it are rolled back."""
    with pytest.raises(RuntimeError):
        async with db.transaction() as store:
            await store.units.add("38", "Thanh Hóa", Level.province)
            await store.commit()
            await store.units.add("01", "Hà Nội", Level.province)
            raise RuntimeError("after the commit")
    assert await unit_codes(db) == ["38"]


async def test_writes_after_a_commit_need_a_commit_of_their_own(db: Database) -> None:
    async with db.transaction() as store:
        await store.units.add("38", "Thanh Hóa", Level.province)
        await store.commit()
        await store.units.add("01", "Hà Nội", Level.province)
    assert await unit_codes(db) == ["38"]
