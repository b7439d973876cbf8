"""The guard every channel calls before a platform call: it fires while a transaction (or
a read) is open in this task, and only then."""

from __future__ import annotations

import asyncio
import logging

import pytest

from storage.db import (
    CallInsideTransaction,
    Database,
    in_transaction,
    outside_transaction,
    strict_transaction_guard,
)


async def test_the_guard_fires_inside_a_transaction_and_a_read_only(db: Database) -> None:
    outside_transaction("a send before")  # nothing open: passes
    async with db.transaction() as store:
        assert in_transaction()
        with pytest.raises(CallInsideTransaction, match="a send inside"):
            outside_transaction("a send")
        await store.commit()
    async with db.reading():
        with pytest.raises(CallInsideTransaction):
            outside_transaction("an edit")
    assert not in_transaction()
    outside_transaction("a send after")  # closed again: passes


async def test_the_guard_is_per_task(db: Database) -> None:
    """Another task's open transaction does not make this task's call wrong."""
    opened, finish = asyncio.Event(), asyncio.Event()

    async def holder() -> None:
        async with db.reading():
            opened.set()
            await finish.wait()

    task = asyncio.create_task(holder())
    await opened.wait()
    outside_transaction("a send from another task")
    finish.set()
    await task


async def test_outside_tests_the_guard_logs_an_error_and_lets_the_call_go(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    strict_transaction_guard(False)
    try:
        with caplog.at_level(logging.ERROR, logger="storage.db"):
            async with db.reading():
                outside_transaction("Telegram SendMessage")
    finally:
        strict_transaction_guard(True)
    assert "Telegram SendMessage inside an open database transaction" in caplog.text
