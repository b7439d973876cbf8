"""The bot token never reaches the database or stderr, even where a library puts the request
URL (`.../bot<TOKEN>/sendMessage`) into an error: the real bot process, against a Bot API
that answers with an endless redirect (aiohttp: TooManyRedirects, URL included)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlmodel import select

from bot.delivery.ratelimit import Limits
from bot.delivery.worker import DeliveryWorker
from bot.logsafe import MASK, scrub
from bot.settings import Settings
from bot.tg.app import make_bot
from bot.tg.channel import TelegramChannel
from storage.db import Database
from storage.models import OutboxMessage
from tests.bot.processes import make_invite, running_bot
from tests.bot.tg.fakes import BOT_USER

# Shaped like @BotFather's: the 35 characters after the colon are what must never leak.
TOKEN = "987654321:AAHx9tQ2vLmN4pR7sW1yZ3bC5dF8gJ0kE6u"


class RedirectingBotAPI:
    """Answers like Telegram, except that the methods in `loop` redirect to themselves."""

    def __init__(self, loop: set[str]) -> None:
        self.loop = loop
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self.server = TestServer(app, host="127.0.0.1")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method in self.loop:
            raise web.HTTPFound(str(request.url))
        result: Any = True
        if method == "getMe":
            result = BOT_USER
        elif method == "getUpdates":
            await asyncio.sleep(0.5)
            result = []
        return web.json_response({"ok": True, "result": result})


@pytest.fixture
async def api_redirecting_sends() -> AsyncIterator[RedirectingBotAPI]:
    api = RedirectingBotAPI({"sendMessage"})
    await api.server.start_server()
    yield api
    await api.server.close()


async def queue_one(db: Database) -> None:
    async with db.transaction() as store:
        await store.outbox.enqueue(
            "notice:1", kind="broadcast", platform="telegram", chat_id="6660001", html="Xin chào"
        )
        await store.commit()


async def last_error(db: Database) -> str:
    async with db.reading() as store:
        query = select(OutboxMessage).where(OutboxMessage.key == "notice:1")
        return (await store.session.exec(query)).one().last_error


@pytest.mark.slow
async def test_a_failed_send_stores_and_logs_its_error_without_the_token(
    tmp_path: Path, database_url: str, api_redirecting_sends: RedirectingBotAPI
) -> None:
    await make_invite(database_url)
    db = Database(database_url)
    await queue_one(db)
    env = {
        "DATABASE_URL": database_url, "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE": api_redirecting_sends.base_url, "LOG_LEVEL": "DEBUG",
    }  # fmt: skip
    try:
        async with running_bot(tmp_path, env) as bot:
            async with asyncio.timeout(30):
                while not (error := await last_error(db)):
                    await asyncio.sleep(0.2)
    finally:
        await db.dispose()
    assert "TooManyRedirects" in error and f"/bot{MASK}/sendMessage" in error
    assert TOKEN not in error and TOKEN.split(":")[1] not in error
    assert TOKEN.split(":")[1] not in bot.output, bot.output


@pytest.mark.slow
async def test_a_start_up_failure_is_logged_without_the_token_and_exits_non_zero(
    tmp_path: Path, database_url: str
) -> None:
    api = RedirectingBotAPI({"setMyCommands"})
    await api.server.start_server()
    env = {
        "DATABASE_URL": database_url, "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE": api.base_url,
    }  # fmt: skip
    try:
        async with running_bot(tmp_path, env) as bot:
            assert bot.process is not None
            await asyncio.wait_for(bot.process.wait(), 30)
    finally:
        await api.server.close()
    assert bot.returncode == 1, bot.output
    assert "TooManyRedirects" in bot.output and f"/bot{MASK}/setMyCommands" in bot.output
    assert TOKEN.split(":")[1] not in bot.output, bot.output


@pytest.mark.slow  # starts a fake platform API on 127.0.0.1
async def test_the_delivery_worker_scrubs_what_it_stores(
    db: Database, api_redirecting_sends: RedirectingBotAPI, capfd: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(telegram_bot_token=TOKEN, telegram_api_base=api_redirecting_sends.base_url)
    bot = make_bot(settings)
    await queue_one(db)
    worker = DeliveryWorker(db, {"telegram": TelegramChannel(bot, Limits())})
    try:
        stop = asyncio.Event()
        running = asyncio.create_task(worker.run(stop))
        async with asyncio.timeout(20):
            while not (error := await last_error(db)):
                await asyncio.sleep(0.05)
        stop.set()
        await running
    finally:
        await bot.session.close()
    assert TOKEN not in error and f"/bot{MASK}/sendMessage" in error
    captured = capfd.readouterr()
    assert TOKEN not in captured.out + captured.err


def test_scrub_blanks_registered_secrets_of_any_length_and_bot_urls() -> None:
    text = f"GET https://api.telegram.org/bot{TOKEN}/getMe failed; key=k9; zalo /bot1:abc/x"
    cleaned = scrub(text, ["k9"])
    assert TOKEN not in cleaned and "k9" not in cleaned and "1:abc" not in cleaned
    assert cleaned.count(MASK) == 3
