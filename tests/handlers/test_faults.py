"""Faults under the handlers: a busy database is waited out and retried, never shown to
the person, and nothing is counted twice."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
from collections.abc import AsyncIterator
from datetime import date

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from handlers import texts
from handlers.app import Handlers
from handlers.types import Rules
from storage.db import Database
from tests.conftest import Chat, FixedClock, World


@contextlib.asynccontextmanager
async def write_lock_held(url: str, seconds: float) -> AsyncIterator[None]:
    """Another connection holds the write lock for `seconds` (then lets go by itself)."""
    if url.startswith("sqlite"):
        path = make_url(url).database or ""
        taken = threading.Event()

        def hold() -> None:
            conn = sqlite3.connect(path, isolation_level=None)
            conn.execute("BEGIN IMMEDIATE")
            taken.set()
            threading.Event().wait(seconds)
            conn.execute("ROLLBACK")
            conn.close()

        thread = threading.Thread(target=hold)
        thread.start()
        await asyncio.to_thread(taken.wait)
        try:
            yield
        finally:
            await asyncio.to_thread(thread.join)
        return
    conn = await asyncpg.connect(url)
    transaction = conn.transaction()
    await transaction.start()
    await conn.execute("LOCK TABLE processed_update IN ACCESS EXCLUSIVE MODE")

    async def release() -> None:
        await asyncio.sleep(seconds)
        await transaction.rollback()
        await conn.close()

    releasing = asyncio.create_task(release())
    try:
        yield
    finally:
        await releasing


async def test_a_busy_database_is_retried_without_an_error_to_the_user(
    database_url: str, world: World, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    impatient = Database(database_url, lock_wait_ms=100)  # gives up on a lock after 0.1 s
    chat = Chat(Handlers(impatient, clock=clock, rules=Rules(per_entry_cap=500)))
    try:
        with caplog.at_level(logging.WARNING, logger="handlers.app"):
            async with write_lock_held(database_url, 0.35):
                reply = await chat.say("vneid 5")
        assert "Đã ghi nhận" in reply and reply != texts.ERROR
        assert "busy database" in caplog.text  # it really met the lock and tried again
        async with impatient.transaction() as store:
            day = date(2026, 11, 21)
            assert await store.entries.totals(day, day) == {"vneid": 5}
            await store.commit()
    finally:
        await impatient.dispose()


async def test_a_database_busy_for_too_long_fails_loudly_and_keeps_nothing(
    database_url: str, world: World, clock: FixedClock
) -> None:
    impatient = Database(database_url, lock_wait_ms=50)
    chat = Chat(Handlers(impatient, clock=clock, rules=Rules(per_entry_cap=500)))
    try:
        async with write_lock_held(database_url, 2.5):  # longer than all four attempts
            with pytest.raises(Exception) as raised:
                await chat.send("vneid 5", key="tg:busy")
        assert "lock" in str(raised.value).lower()
        # The channel retries or apologises (tests/bot/tg); the update was not consumed:
        assert len(await chat.send("vneid 5", key="tg:busy")) == 1
        async with impatient.transaction() as store:
            day = date(2026, 11, 21)
            assert await store.entries.totals(day, day) == {"vneid": 5}
            await store.commit()
    finally:
        await impatient.dispose()
