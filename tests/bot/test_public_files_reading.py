"""Serving a chart link only reads: it takes no write lock, so it neither waits for a writer
(another process's import, the bot's own updates) nor makes them wait."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func
from sqlalchemy.engine import make_url
from sqlmodel import select

from bot.web.public_files import files_route, publisher
from storage.db import Database
from storage.models import PublicFile, utcnow
from tests import databases

PNG = b"\x89PNG\r\n\x1a\n" + b"1" * 32
pytestmark = pytest.mark.skipif(databases.ON_POSTGRES, reason="SQLite's write lock")


@pytest.fixture
async def served(database_url: str) -> AsyncIterator[tuple[Database, TestClient, str]]:
    db = Database(database_url, lock_wait_ms=300)  # a blocked request fails fast
    await db.create_schema()
    url = await publisher(db, "https://bot.example.vn", timedelta(hours=1))(PNG, "c.png")
    app = web.Application()
    files_route(app, db)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield db, client, url.removeprefix("https://bot.example.vn")
    await db.dispose()


@pytest.mark.slow  # serves the file routes on 127.0.0.1
async def test_a_download_while_another_process_holds_the_write_lock(
    served: tuple[Database, TestClient, str], database_url: str
) -> None:
    _, client, path = served
    other = sqlite3.connect(make_url(database_url).database or "", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # e.g. `cnsbot units import` in the middle of its work
        response = await asyncio.wait_for(client.get(path), 5)
        assert response.status == 200 and await response.read() == PNG
    finally:
        other.execute("ROLLBACK")
        other.close()


@pytest.mark.slow  # serves the file routes on 127.0.0.1
async def test_a_download_while_this_process_writes(
    served: tuple[Database, TestClient, str],
) -> None:
    db, client, path = served
    async with db.transaction() as store:  # an update being handled, holding the lock
        await store.units.count()
        response = await asyncio.wait_for(client.get(path), 5)
        assert response.status == 200 and await response.read() == PNG
        await store.commit()
    assert (await client.get("/files/unknown.png")).status == 404


async def test_what_a_reading_transaction_writes_is_never_kept(db: Database) -> None:
    async with db.reading() as store:
        await store.public_files.put(PNG, "x.png", utcnow() + timedelta(hours=1))
    async with db.reading() as store:
        files = select(func.count()).select_from(PublicFile)
        assert (await store.session.exec(files)).one() == 0
