"""The webhook over aiohttp's test server: secrets, duplicates, failures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramRetryAfter, TelegramServerError
from aiogram.methods import SendMessage
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.delivery.ratelimit import Limits
from bot.delivery.worker import DeliveryWorker
from bot.tg.app import SECRET_HEADER, WEBHOOK_PATH, make_dispatcher, webhook_route
from bot.tg.channel import TelegramChannel
from handlers.app import Handlers
from handlers.types import Rules
from storage.db import Database
from tests.bot.tg import fakes
from tests.conftest import FixedClock, World
from tests.virtual_time import VirtualTime

pytestmark = pytest.mark.slow  # starts aiohttp test servers on 127.0.0.1

SECRET = "s3cret-webhook-token-123"
SESSION = web.AppKey("session", fakes.RecordingSession)
HANDLERS = web.AppKey("handlers", Handlers)
DELIVERY = web.AppKey("delivery", DeliveryWorker)
UNLIMITED = Limits(per_second=1000, per_chat_second=1000, per_group_minute=1000)


@pytest.fixture
async def client(db: Database, clock: FixedClock, world: World) -> AsyncIterator[TestClient]:
    async with db.transaction() as store:
        an = await store.members.by_identity("test", "an")
        assert an is not None
        await store.members.link(an, "telegram", str(fakes.PERSON["id"]), "An")
        await store.commit()
    session = fakes.RecordingSession()
    bot = Bot("123456:TEST-TOKEN", session=session)
    app = web.Application()
    handlers = Handlers(db, clock=clock, rules=Rules())
    vt = VirtualTime()  # the worker's waits (a failed send's backoff) take no real time
    delivery = DeliveryWorker(
        db, {"telegram": TelegramChannel(bot, UNLIMITED)}, None, vt.utcnow,
        monotonic=vt.monotonic, sleep=vt.sleep,
    )  # fmt: skip
    webhook_route(app, bot, make_dispatcher(handlers, delivery, retry_failures=False), SECRET)
    app[SESSION], app[HANDLERS], app[DELIVERY] = session, handlers, delivery
    async with TestClient(TestServer(app, host="127.0.0.1")) as test_client:
        yield test_client


async def vneid(db: Database) -> int:
    async with db.reading() as store:
        return (await store.entries.totals(date(2026, 11, 1), date(2026, 11, 30))).get("vneid", 0)


async def post(client: TestClient, update: dict[str, object], secret: str | None = SECRET) -> int:
    """The HTTP status; then what the update sends after its commit has gone out."""
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    response = await client.post(WEBHOOK_PATH, json=update, headers=headers)
    await client.app[DELIVERY].flush()
    return response.status


async def test_a_wrong_or_missing_secret_is_refused_and_nothing_stored(
    client: TestClient, db: Database
) -> None:
    assert await post(client, fakes.private_text("vneid 5"), secret="wrong") == 401
    assert await post(client, fakes.private_text("vneid 5"), secret=None) == 401
    assert await vneid(db) == 0 and client.app[SESSION].calls == []


async def test_the_same_update_twice_counts_once(client: TestClient, db: Database) -> None:
    update = fakes.private_text("vneid 5")
    assert await post(client, update) == 200
    assert await post(client, update) == 200
    assert await vneid(db) == 5
    assert len(client.app[SESSION].sent("SendMessage")) == 1


async def test_five_concurrent_deliveries_count_once(client: TestClient, db: Database) -> None:
    update = fakes.private_text("vneid 7")
    statuses = await asyncio.gather(*(post(client, update) for _ in range(5)))
    assert statuses == [200] * 5
    assert await vneid(db) == 7
    assert len(client.app[SESSION].sent("SendMessage")) == 1


async def test_a_failing_update_answers_500_and_is_processed_when_sent_again(
    client: TestClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    handlers: Handlers = client.app[HANDLERS]
    real = handlers.handle
    calls = 0

    async def flaky(msg):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database went away")
        return await real(msg)

    monkeypatch.setattr(handlers, "handle", flaky)
    update = fakes.private_text("vneid 4")
    assert await post(client, update) == 500
    assert await vneid(db) == 0
    assert await post(client, update) == 200  # Telegram's retry
    assert await vneid(db) == 4


async def test_garbage_is_a_bad_request(client: TestClient) -> None:
    response = await client.post(WEBHOOK_PATH, data=b"not json", headers={SECRET_HEADER: SECRET})
    assert response.status == 400


def failure(session: fakes.RecordingSession, kind: str) -> None:
    """The next sendMessage fails as Telegram would."""
    session.fail_only = "SendMessage"
    session.fail_next = error(kind)


def error(kind: str) -> Exception:
    method = SendMessage(chat_id=fakes.PERSON["id"], text="x")
    if kind == "5xx":
        return TelegramServerError(method, "Bad Gateway")
    return TelegramRetryAfter(method, "Too Many Requests: retry after 1", retry_after=1)


@pytest.mark.parametrize("kind", ["5xx", "429"])
async def test_a_receipt_whose_send_failed_goes_once_when_the_update_comes_again(
    client: TestClient, db: Database, kind: str
) -> None:
    session = client.app[SESSION]
    failure(session, kind)  # Telegram fails the receipt's first send
    update = fakes.private_text("vneid 5")
    assert await post(client, update) == 200  # stored: a failed reply is not a failed update
    assert await post(client, update) == 200  # Telegram sends the update again anyway
    await client.app[DELIVERY].drain(timeout=30)  # and the worker delivers what is left
    assert await vneid(db) == 5
    attempts = session.sent("SendMessage")
    assert len(attempts) == 2  # the failed send, then exactly one receipt
    assert "Đã ghi nhận" in attempts[1].text and attempts[1].reply_markup is not None


async def test_a_receipt_whose_send_failed_is_delivered_by_the_worker(
    client: TestClient, db: Database
) -> None:
    session = client.app[SESSION]
    failure(session, "5xx")
    assert await post(client, fakes.private_text("vneid 6")) == 200
    assert len(session.sent("SendMessage")) == 1  # failed: waiting for its retry
    await client.app[DELIVERY].drain(timeout=30)  # on virtual time: no real backoff
    assert await vneid(db) == 6 and len(session.sent("SendMessage")) == 2
    async with db.reading() as store:
        assert await store.outbox.counts() == {"sent": 1}


async def test_the_answer_does_not_wait_for_the_reply(client: TestClient, db: Database) -> None:
    session = client.app[SESSION]
    failure(session, "5xx")
    headers = {SECRET_HEADER: SECRET}
    response = await client.post(WEBHOOK_PATH, json=fakes.private_text("vneid 2"), headers=headers)
    assert response.status == 200 and session.sent("SendMessage") == []  # not sent yet
    await client.app[DELIVERY].flush()
    assert len(session.sent("SendMessage")) == 1
