"""`cnsbot api-token create|list|revoke` on the run's real database."""

from __future__ import annotations

import asyncio
import re

import pytest
from typer.testing import CliRunner

from bot.cli.app import app
from bot.compose import system_clock
from handlers.api import ApiError, ApiService
from storage.db import Database
from storage.models import Level

runner = CliRunner()


@pytest.fixture(autouse=True)
def database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    return database_url


def cli(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output


async def _reads(url: str, token: str) -> str:
    db = Database(url)
    try:
        client = await ApiService(db, clock=system_clock).client(f"Bearer {token}")
        return client.scope.code
    except ApiError as err:
        return err.code
    finally:
        await db.dispose()


def test_a_token_is_made_shown_once_listed_and_revoked(database: str) -> None:
    async def units() -> None:
        db = Database(database)
        await db.create_schema()
        async with db.transaction() as store:
            province = await store.units.add("38", "Thanh Hóa", Level.province)
            await store.units.add("16012", "Xã Hoằng Kim", Level.commune, province)
            await store.commit()
        await db.dispose()

    asyncio.run(units())
    made = cli("api-token", "create", "--unit", "16012", "--name", "Kho dữ liệu tỉnh")
    token = re.search(r"(cns_[\w-]{40,})", made)
    assert token is not None
    assert asyncio.run(_reads(database, token.group(1))) == "16012"
    listed = cli("api-token", "list")
    assert "Kho dữ liệu tỉnh" in listed and token.group(1) not in listed
    assert token.group(1)[:10] in listed
    cli("api-token", "revoke", "1")
    assert asyncio.run(_reads(database, token.group(1))) == "bad_token"
    assert "đã bị thu hồi" in cli("api-token", "revoke", "1", code=2)
    assert "no unit" in cli("api-token", "create", "--unit", "99999", "--name", "x", code=2)
