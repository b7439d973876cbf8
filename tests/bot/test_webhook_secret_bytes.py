"""The webhooks' secret headers are compared as bytes: a header that is not UTF-8 (or not the
secret in any other way) is a wrong secret, answered 401 before the body is read."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import date

import httpx
import pytest
from aiogram import Bot
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.delivery.ratelimit import Limits
from bot.delivery.worker import DeliveryWorker
from bot.tg import app as tg
from bot.tg.channel import TelegramChannel
from bot.zalo import channel as zalo
from bot.zalo.channel import ZaloChannel
from bot.zalo.client import ClientSettings, ZaloBotClient
from handlers.app import Handlers
from handlers.types import Rules
from storage.db import Database
from tests.bot.tg import fakes
from tests.conftest import FixedClock, World

pytestmark = pytest.mark.slow  # starts aiohttp test servers on 127.0.0.1

SECRET = "s3cret-webhook-token-123"


@pytest.fixture
async def server(db: Database, clock: FixedClock, world: World) -> AsyncIterator[TestServer]:
    """The Telegram and the Zalo Bot API webhooks on one server, as the bot serves them."""
    async with db.transaction() as store:
        an = await store.members.by_identity("test", "an")
        assert an is not None
        await store.members.link(an, "telegram", str(fakes.PERSON["id"]), "An")
        await store.members.link(an, "zalo", "zu-an", "An")
        await store.commit()
    handlers = Handlers(db, clock=clock, rules=Rules())
    app = web.Application()
    bot = Bot("123456:TEST-TOKEN", session=fakes.RecordingSession())
    api = httpx.MockTransport(lambda _: httpx.Response(200, json={"ok": True, "result": {}}))
    client = ZaloBotClient("1:t", ClientSettings(base_url="http://127.0.0.1:9"), api)
    unlimited = Limits(per_second=1000, per_chat_second=1000, per_group_minute=1000)
    delivery = DeliveryWorker(
        db, {"telegram": TelegramChannel(bot, unlimited), "zalo": ZaloChannel(client, unlimited)}
    )
    dispatcher = tg.make_dispatcher(handlers, delivery, retry_failures=False)
    tg.webhook_route(app, bot, dispatcher, SECRET)
    zalo.webhook_route(app, handlers, delivery, SECRET)
    test_server = TestServer(app, host="127.0.0.1")
    await test_server.start_server()
    yield test_server
    await test_server.close()
    await client.aclose()


def zalo_update(text: str) -> dict[str, object]:
    return {
        "event_name": "message.text.received",
        "message": {
            "message_id": "m-1", "date": 1763700000, "text": text,
            "from": {"id": "zu-an", "is_bot": False, "display_name": "An"},
            "chat": {"id": "zu-an", "chat_type": "PRIVATE"},
        },
    }  # fmt: skip


ROUTES = {
    "telegram": (tg.WEBHOOK_PATH, tg.SECRET_HEADER, fakes.private_text("vneid 5")),
    "zalo": (zalo.WEBHOOK_PATH, zalo.SECRET_HEADER, zalo_update("vneid 5")),
}


async def raw_post(server: TestServer, path: str, headers: list[tuple[str, bytes]]) -> int:
    """POST with header values sent as these exact bytes (no client would send them)."""
    body = json.dumps(ROUTES["telegram" if path == tg.WEBHOOK_PATH else "zalo"][2]).encode()
    lines = [f"POST {path} HTTP/1.1".encode(), f"Host: 127.0.0.1:{server.port}".encode()]
    lines += [name.encode() + b": " + value for name, value in headers]
    lines += [b"Content-Type: application/json", f"Content-Length: {len(body)}".encode()]
    lines += [b"Connection: close", b"", body]
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        writer.write(b"\r\n".join(lines))
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 10)
    finally:
        writer.close()
    return int(status_line.split()[1])


async def vneid(db: Database) -> int:
    async with db.reading() as store:
        return (await store.entries.totals(date(2026, 11, 1), date(2026, 11, 30))).get("vneid", 0)


@pytest.mark.parametrize("route", ["telegram", "zalo"])
@pytest.mark.parametrize(
    "value",
    [
        b"\xff\xfe\xfd",  # not UTF-8 at all
        SECRET.encode()[:-1] + b"\xe9",  # the secret, its last byte made Latin-1
        "s3cret-webhook-token-12\u00e9".encode(),  # valid UTF-8, not ASCII, not the secret
        b"",
    ],
    ids=["not-utf8", "latin1-tail", "utf8-non-ascii", "empty"],
)
async def test_a_secret_header_that_is_not_the_secret_is_401_and_stores_nothing(
    server: TestServer, db: Database, route: str, value: bytes
) -> None:
    path, header, _ = ROUTES[route]
    assert await raw_post(server, path, [(header, value)]) == 401
    assert await vneid(db) == 0


@pytest.mark.parametrize("route", ["telegram", "zalo"])
async def test_the_secret_sent_twice_is_refused_and_once_is_accepted(
    server: TestServer, db: Database, route: str
) -> None:
    path, header, _ = ROUTES[route]
    twice = [(header, SECRET.encode()), (header, b"\xff")]
    assert await raw_post(server, path, twice) == 401
    assert await vneid(db) == 0
    assert await raw_post(server, path, [(header.lower(), SECRET.encode())]) == 200
    assert await vneid(db) == 5
