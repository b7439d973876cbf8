"""`cnsbot outbox status|retry` on a temporary database."""

from __future__ import annotations

import asyncio

import pytest
from typer.testing import CliRunner

from bot.cli.app import app
from storage.db import Database
from storage.models import OutboxStatus, pk

runner = CliRunner()


async def seed(url: str) -> None:
    db = Database(url)
    await db.create_schema()
    async with db.transaction() as store:
        for key in ("ok", "broken"):
            await store.outbox.enqueue(
                key, kind="reminder", platform="telegram", chat_id="1", html="x"
            )
        (broken,) = [
            m for m in await store.outbox.with_status(OutboxStatus.pending) if m.key == "broken"
        ]
        await store.outbox.mark_failed(
            pk(broken), OutboxStatus.dead, 6, "Forbidden: bot was blocked"
        )
        await store.commit()
    await db.dispose()


def test_status_lists_dead_letters_and_retry_revives_them(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = database_url
    monkeypatch.setenv("DATABASE_URL", url)
    asyncio.run(seed(url))
    status = runner.invoke(app, ["outbox", "status"])
    assert status.exit_code == 0, status.output
    assert "Dead letters" in status.output and "Forbidden: bot was blocked" in status.output
    retried = runner.invoke(app, ["outbox", "retry"])
    assert "1 dead letter is pending again" in retried.output
    after = runner.invoke(app, ["outbox", "status"])
    assert "Dead letters" not in after.output
