"""Production refuses placeholder-looking or short secrets and plain-http addresses; any run
refuses a placeholder-looking token with a clean message (never a traceback that quotes
it); the demo commune is only seeded into a database nothing else has used."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import string
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot import compose
from bot.logsafe import RedactSecrets
from bot.placeholders import placeholder_reason
from bot.settings import Settings
from storage.db import Database
from storage.seed import is_demo_database
from tests.bot.processes import make_invite

REAL_TOKEN = "987654321:AAHx9tQ2vLmN4pR7sW1yZ3bC5dF8gJ0kE6u"
REAL_SECRET = "q8Xr2LpV0sNw4TzK7mYb1HdC"
SECRET_SETTINGS = (
    "WEBHOOK_SECRET",
    "ZALO_WEBHOOK_SECRET",
    "ZALO_BOT_TOKEN",
    "ZALO_OA_APP_SECRET",
    "ZALO_OA_WEBHOOK_KEY",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    for name in ("TELEGRAM_BOT_TOKEN", "ENVIRONMENT", "WEBHOOK_BASE_URL", "PUBLIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name in SECRET_SETTINGS:
        monkeypatch.delenv(name, raising=False)


def production(**values: str) -> Settings:
    return Settings(environment="production", **values)  # type: ignore[arg-type]


def refusal(**values: str) -> str:
    with pytest.raises(ValidationError) as caught:
        production(**values)
    return str(caught.value.errors()[0]["msg"])


def test_production_accepts_real_looking_secrets() -> None:
    settings = production(
        telegram_bot_token=REAL_TOKEN, webhook_secret=REAL_SECRET,
        zalo_bot_token="3141592653:" + REAL_SECRET, zalo_webhook_secret=REAL_SECRET[::-1],
        zalo_oa_app_secret="Zx7" + REAL_SECRET, zalo_oa_webhook_key=REAL_SECRET + "u5",
        webhook_base_url="https://bot.example.vn", public_base_url="https://bot.example.vn",
    )  # fmt: skip
    assert settings.telegram_bot_token is not None


@pytest.mark.parametrize(
    "token",
    ["CHANGEME", "123456:ABC", "123456:TEST-TOKEN", "123456:" + "A" * 35, "bot-token-here-1234"],
)
def test_production_refuses_a_token_that_is_not_a_botfather_token(token: str) -> None:
    message = refusal(telegram_bot_token=token)
    assert "TELEGRAM_BOT_TOKEN" in message and token not in message


@pytest.mark.parametrize("name", [n.lower() for n in SECRET_SETTINGS])
@pytest.mark.parametrize(
    "value", ["a" * 16, "change-me-change-me", "x", "short-Secret1", "abcabcabcabcabcabc"]
)
def test_production_refuses_placeholder_or_short_secrets(name: str, value: str) -> None:
    message = refusal(**{name: value})
    assert name.upper() in message and value not in message


@pytest.mark.parametrize("name", ["webhook_base_url", "public_base_url"])
def test_production_refuses_plain_http_addresses(name: str) -> None:
    assert "https://" in refusal(**{name: "http://bot.example.vn"})


def test_development_refuses_a_placeholder_token_instead_of_running_the_console() -> None:
    with pytest.raises(ValidationError):
        Settings(telegram_bot_token="123456:ABC")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Settings(zalo_bot_token="your-zalo-token")  # type: ignore[arg-type]
    assert Settings(telegram_bot_token="").telegram_bot_token is None  # type: ignore[arg-type]
    assert Settings(telegram_bot_token="123456:TEST-TOKEN").has_channel  # type: ignore[arg-type]


def test_generated_secrets_are_never_taken_for_placeholders() -> None:
    rng = random.Random(20261127)  # the same examples on every run
    alphabet = string.ascii_letters + string.digits + "-_"

    def generated(length: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(length))

    for _ in range(2000):
        assert placeholder_reason(generated(32)) is None
        assert placeholder_reason(f"{rng.randrange(10**5, 10**10)}:{generated(35)}") is None


def test_redaction_covers_secrets_of_any_length() -> None:
    record = logging.LogRecord("x", logging.INFO, "", 0, "key=%s hook=%s", ("Q9", "7#"), None)
    RedactSecrets(["Q9", "7#"]).filter(record)  # main: secrets under 6 characters stayed
    assert record.getMessage() == "key=*** hook=***"


def run_bot(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "DEMO_DATA": "true", **env}
    return subprocess.run(
        [sys.executable, "-m", "bot", "run"], input="", capture_output=True, text=True,
        env=full, cwd=tmp_path, timeout=60,
    )  # fmt: skip


async def unit_codes(url: str) -> tuple[list[str], bool]:
    """The units in the database, and whether it is marked as the demo's."""
    db = Database(url)
    try:
        async with db.reading() as store:
            roots = await store.units.roots()
            codes = [u.code for root in roots for u in await store.units.subtree(root)]
            return sorted(codes), await is_demo_database(store)
    finally:
        await db.dispose()


@pytest.mark.slow
def test_a_placeholder_token_stops_the_real_bot_with_a_clean_message(
    tmp_path: Path, database_url: str
) -> None:
    asyncio.run(make_invite(database_url))
    done = run_bot(tmp_path, DATABASE_URL=database_url, TELEGRAM_BOT_TOKEN="123456:ABC")
    assert done.returncode == 2
    assert "TELEGRAM_BOT_TOKEN looks like a placeholder" in done.stderr
    assert "Traceback" not in done.stderr and "123456:ABC" not in done.stderr + done.stdout
    assert "Chưa có TELEGRAM_BOT_TOKEN" not in done.stdout
    assert asyncio.run(unit_codes(database_url)) == (["C1", "V1"], False)


@pytest.mark.slow
def test_production_secrets_are_refused_by_the_real_entry_point(
    tmp_path: Path, database_url: str
) -> None:
    done = run_bot(
        tmp_path, DATABASE_URL=database_url, ENVIRONMENT="production",
        TELEGRAM_BOT_TOKEN=REAL_TOKEN, TELEGRAM_MODE="webhook",
        WEBHOOK_BASE_URL="https://bot.example.vn", WEBHOOK_SECRET="a" * 16,
    )  # fmt: skip
    assert done.returncode == 2
    assert "WEBHOOK_SECRET looks like a placeholder" in done.stderr
    assert "Traceback" not in done.stderr and REAL_TOKEN not in done.stderr


async def test_the_demo_is_never_seeded_into_a_database_with_data_of_its_own(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_invite(database_url)  # a commune's real database, not the demo's
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    runtime = await compose.build(Settings(), demo=True)
    await runtime.db.dispose()
    assert await unit_codes(database_url) == (["C1", "V1"], False)


async def test_the_demo_seeds_a_pristine_database_once_and_marks_it(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    for _ in range(2):
        runtime = await compose.build(Settings(), demo=True)
        await runtime.db.dispose()
    codes, marked = await unit_codes(database_url)
    assert marked and len(codes) == 5 and "16012" in codes


async def test_production_never_seeds_the_demo(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ENVIRONMENT", "production")
    runtime = await compose.build(Settings(), demo=True)
    await runtime.db.dispose()
    assert await unit_codes(database_url) == ([], False)
