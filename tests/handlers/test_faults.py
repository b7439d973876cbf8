"""Faults under the handlers: a busy database is waited out and retried, never shown to
the person, and nothing is counted twice."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import date

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from handlers import texts
from handlers.app import BUSY_DATABASE, Handlers
from handlers.types import Rules
from storage.db import Database
from tests.conftest import Chat, FixedClock, World


class WriteLock:
    """Another connection holding the write lock until `release()` (or the block's end)."""

    def __init__(self) -> None:
        self.releasing: Callable[[], Awaitable[None]] | None = None

    async def release(self) -> None:
        releasing, self.releasing = self.releasing, None
        if releasing is not None:
            await releasing()


@contextlib.asynccontextmanager
async def write_lock_held(url: str) -> AsyncIterator[WriteLock]:
    lock = WriteLock()
    if url.startswith("sqlite"):
        path = make_url(url).database or ""
        taken, let_go = threading.Event(), threading.Event()

        def hold() -> None:
            conn = sqlite3.connect(path, isolation_level=None)
            conn.execute("BEGIN IMMEDIATE")
            taken.set()
            let_go.wait(30)
            conn.execute("ROLLBACK")
            conn.close()

        thread = threading.Thread(target=hold)
        thread.start()
        await asyncio.to_thread(taken.wait)

        async def release_sqlite() -> None:
            let_go.set()
            await asyncio.to_thread(thread.join)

        lock.releasing = release_sqlite
    else:
        conn = await asyncpg.connect(url)
        transaction = conn.transaction()
        await transaction.start()
        await conn.execute("LOCK TABLE processed_update IN ACCESS EXCLUSIVE MODE")

        async def release_postgres() -> None:
            await transaction.rollback()
            await conn.close()

        lock.releasing = release_postgres
    try:
        yield lock
    finally:
        await lock.release()


async def test_a_busy_database_is_retried_without_an_error_to_the_user(
    database_url: str, world: World, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    impatient = Database(database_url, lock_wait_ms=100)  # gives up on a lock after 0.1 s
    async with write_lock_held(database_url) as lock:
        waits: list[float] = []

        async def sleep(seconds: float) -> None:  # the policy's wait: the lock goes meanwhile
            waits.append(seconds)
            await lock.release()

        retry = replace(BUSY_DATABASE, sleep=sleep)
        chat = Chat(Handlers(impatient, clock=clock, rules=Rules(per_entry_cap=500), retry=retry))
        try:
            with caplog.at_level(logging.WARNING, logger="handlers.app"):
                reply = await chat.say("vneid 5")
            assert "Đã ghi nhận" in reply and reply != texts.ERROR
            assert "busy database" in caplog.text  # it really met the lock and tried again
            assert len(waits) == 1 and 0.05 <= waits[0] <= 0.15  # the policy's first wait
            async with impatient.reading() as store:
                day = date(2026, 11, 21)
                assert await store.entries.totals(day, day) == {"vneid": 5}
        finally:
            await impatient.dispose()


async def test_a_database_busy_for_too_long_fails_loudly_and_keeps_nothing(
    database_url: str, world: World, clock: FixedClock
) -> None:
    impatient = Database(database_url, lock_wait_ms=50)
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    retry = replace(BUSY_DATABASE, sleep=sleep)
    chat = Chat(Handlers(impatient, clock=clock, rules=Rules(per_entry_cap=500), retry=retry))
    try:
        async with write_lock_held(database_url):  # held through every attempt
            with pytest.raises(Exception) as raised:
                await chat.send("vneid 5", key="tg:busy")
        assert "lock" in str(raised.value).lower()
        assert len(waits) == BUSY_DATABASE.attempts - 1  # tried again, then gave up
        # The channel apologises (tests/bot/tg); the update was not consumed:
        assert len(await chat.send("vneid 5", key="tg:busy")) == 1
        async with impatient.transaction() as store:
            day = date(2026, 11, 21)
            assert await store.entries.totals(day, day) == {"vneid": 5}
            await store.commit()
    finally:
        await impatient.dispose()
