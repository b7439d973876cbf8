"""`Database.transaction()` keeps its writes only through `store.commit()`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from storage.db import Database
from storage.models import Level


async def unit_codes(db: Database) -> list[str]:
    async with db.reading() as store:
        return sorted(u.code for u in await store.units.roots())


async def test_a_block_left_without_commit_is_rolled_back(db: Database) -> None:
    async with db.transaction() as store:  # rolled back: no commit, on purpose
        await store.units.add("38", "Thanh Hóa", Level.province)
        assert [u.code for u in await store.units.roots()] == ["38"]  # seen inside
    assert await unit_codes(db) == []


async def test_a_block_that_returns_early_without_commit_is_rolled_back(db: Database) -> None:
    async def add_then_return() -> str:
        async with db.transaction() as store:  # rolled back: no commit, on purpose
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


ROOT = Path(__file__).resolve().parents[2]
NO_COMMIT = "# rolled back:"  # on the `async with` line: a block meant to keep nothing


def _is_transaction(item: ast.withitem) -> bool:
    call = item.context_expr
    return (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "transaction"
    )


def _commits(block: ast.AsyncWith, name: str) -> bool:
    for node in ast.walk(block):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "commit"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == name
        ):
            return True
    return False


def blocks_without_commit() -> list[str]:
    """`async with ....transaction() as s:` blocks with no `s.commit()` in them, that neither
    end by raising nor say on their first line why they keep nothing."""
    found = []
    for package in ("bot", "handlers", "reminders", "storage", "bench", "tests"):
        for path in sorted((ROOT / package).rglob("*.py")):
            source = path.read_text(encoding="utf-8")
            lines = source.splitlines()
            for node in ast.walk(ast.parse(source)):
                if not isinstance(node, ast.AsyncWith):
                    continue
                for item in filter(_is_transaction, node.items):
                    name = item.optional_vars.id if isinstance(item.optional_vars, ast.Name) else ""
                    if _commits(node, name) or isinstance(node.body[-1], ast.Raise):
                        continue
                    if NO_COMMIT in lines[node.lineno - 1]:
                        continue
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_transaction_block_in_the_code_base_commits() -> None:
    """A block without `commit()` loses its writes: after a merge, the one that still
    expects the old commit-at-the-end shows here, not as a write that silently vanished."""
    assert blocks_without_commit() == []
