"""Migration 0006: the retention indexes, and tokens blanked out of errors stored before."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from storage import migrate
from storage.db import Database
from storage.models import OutboxMessage
from tests import databases

LEAKED = (
    "TransientError: HTTP Client says - TooManyRedirects: 10, message='', "
    "url='https://api.telegram.org/bot987654321:AAHx9tQ2vLmN4pR7sW1yZ3bC5dF8gJ0kE6u/sendMessage'"
)


@pytest.mark.skipif(databases.ON_POSTGRES, reason="a SQLite file at an older revision")
async def test_errors_stored_before_the_scrub_lose_their_token(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        await migrate.upgrade(db, "0005")  # the revision before; later ones add columns
        async with db.engine.begin() as conn:  # as that revision's table was: plain SQL
            await conn.execute(
                text(
                    "INSERT INTO outbox (key, kind, platform, chat_id, is_group, html, status,"
                    " attempts, not_before, created_at, last_error) VALUES ('notice:1',"
                    " 'broadcast', 'telegram', '1', 0, 'x', 'dead', 6, '2026-11-20 00:00:00',"
                    " '2026-11-20 00:00:00', :error)"
                ),
                {"error": LEAKED},
            )
        await migrate.upgrade(db)
        assert await migrate.differences(db) == []
        async with db.reading() as store:
            error = (await store.session.exec(select(OutboxMessage))).one().last_error
        assert "AAHx9tQ2" not in error and "/bot***/sendMessage" in error
    finally:
        await db.dispose()
