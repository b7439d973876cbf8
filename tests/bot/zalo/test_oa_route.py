"""The OA webhook route: the signature checked byte-safe and before the body is parsed,
stale events refused, 403 for a bad signature, Zalo's URL check answered before the key
exists, unknown events tolerated; and a join whose greeting uses the person's Zalo name."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.delivery.ratelimit import Limits
from bot.delivery.worker import DeliveryWorker, RetryAfter
from bot.zalo.oa import OA_WEBHOOK_PATH, SIGNATURE_HEADER, OaChannel, webhook_route
from bot.zalo.oa_client import OaClient, OaSettings
from bot.zalo.oa_events import signature, verify
from handlers.app import Handlers
from storage.db import Database
from storage.models import Level, OutboxMessage, pk
from tests.bot.zalo.fake_oa import FakeOA
from tests.conftest import NOW

pytestmark = pytest.mark.slow  # starts a fake Zalo OA server and the webhook on 127.0.0.1

APP, APP_SECRET, OA_KEY = "4321000", "app-secret-key", "oa-secret-key"


def event(text: str, msg_id: str, at: datetime = NOW - timedelta(minutes=1), **extra: Any) -> bytes:
    body = {
        "app_id": APP, "event_name": "user_send_text", "sender": {"id": "oa-user-1"},
        "recipient": {"id": "oa-1"}, "message": {"text": text, "msg_id": msg_id},
        "timestamp": str(int(at.timestamp() * 1000)), **extra,
    }  # fmt: skip
    return json.dumps(body).encode()


def signed(body: bytes, key: str = OA_KEY) -> dict[str, str]:
    stamp = str(json.loads(body)["timestamp"])
    return {SIGNATURE_HEADER: f"mac={signature(APP, body, stamp, key)}"}


class Setup:
    def __init__(self, db: Database, fake: FakeOA, http: httpx.AsyncClient) -> None:
        oa_settings = OaSettings(api=fake.base_url, oauth=fake.base_url)
        self.fake = fake
        self.oa = OaClient(db, APP, APP_SECRET, http, lambda: NOW, oa_settings)
        self.handlers = Handlers(db, clock=lambda: NOW)
        self.handled: list[str] = []
        real = self.handlers.handle

        async def handle(incoming: Any) -> Any:
            self.handled.append(incoming.text)
            return await real(incoming)

        self.handlers.handle = handle  # type: ignore[method-assign]
        # Replies go after the commit, through the outbox into the OA (the fast path).
        channel = OaChannel(self.oa, Limits(), window=timedelta(days=7))
        self.delivery = DeliveryWorker(db, {"zalo_oa": channel})

    def app(self, key: str | None = OA_KEY) -> web.Application:
        app = web.Application()
        webhook_route(app, self.oa, self.handlers, self.delivery, key)
        return app


@pytest.fixture
async def setup(db: Database) -> AsyncIterator[Setup]:
    async with db.transaction() as store:
        await store.oa_tokens.save(APP, "", "r1", NOW)
        await store.commit()
    fake = FakeOA(APP, APP_SECRET)
    await fake.server.start_server()
    async with httpx.AsyncClient() as http:
        yield Setup(db, fake, http)
    await fake.server.close()


@pytest.fixture
async def web_client(setup: Setup) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(setup.app(), host="127.0.0.1")) as client:
        yield client


async def raw_post(client: TestClient, header: bytes, body: bytes) -> int:
    """A request written byte by byte (an HTTP client would refuse this header)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", client.port)  # type: ignore[arg-type]
    writer.write(
        b"POST " + OA_WEBHOOK_PATH.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + SIGNATURE_HEADER.encode() + b": " + header + b"\r\n"
        + b"Content-Type: application/json\r\nContent-Length: " + str(len(body)).encode()
        + b"\r\nConnection: close\r\n\r\n" + body
    )  # fmt: skip
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    return int(status_line.split()[1])


async def test_non_utf8_bytes_in_the_signature_header_are_just_a_bad_signature(
    web_client: TestClient, setup: Setup
) -> None:
    body = event("vneid 5", "m-1")
    assert await raw_post(web_client, b"mac=\xff\xfe\xc3(", body) == 403
    assert await raw_post(web_client, "mac=đ".encode(), body) == 403
    assert setup.handled == [] and setup.fake.sent == []
    assert verify("mac=\udcff" + "0" * 63, APP, body, OA_KEY) is None


async def test_an_unsigned_deeply_nested_body_is_refused_without_being_parsed(
    web_client: TestClient, setup: Setup
) -> None:
    deep = b"[" * 200_000 + b"]" * 200_000
    answer = await web_client.post(
        OA_WEBHOOK_PATH, data=deep, headers={SIGNATURE_HEADER: "mac=" + "0" * 64}
    )
    assert answer.status == 403
    nested = b'{"timestamp": "1", "a": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    answer = await web_client.post(
        OA_WEBHOOK_PATH, data=nested, headers={SIGNATURE_HEADER: "mac=" + "0" * 64}
    )
    assert answer.status == 403 and setup.handled == []


async def test_a_bad_signature_answers_403(web_client: TestClient, setup: Setup) -> None:
    body = event("vneid 5", "m-2")
    for headers in ({}, signed(body, key="another-key"), {SIGNATURE_HEADER: "mac=zz"}):
        assert (await web_client.post(OA_WEBHOOK_PATH, data=body, headers=headers)).status == 403
    tampered = body.replace(b"vneid 5", b"vneid 9")
    answer = await web_client.post(OA_WEBHOOK_PATH, data=tampered, headers=signed(body))
    assert answer.status == 403 and setup.handled == []


async def test_an_old_signed_event_with_a_new_message_id_is_refused(
    web_client: TestClient, setup: Setup
) -> None:
    for at in (
        datetime(2017, 5, 1, tzinfo=UTC),
        NOW - timedelta(minutes=11),
        NOW + timedelta(hours=1),
    ):
        body = event("vneid 5", f"new-{at.timestamp()}", at=at)
        answer = await web_client.post(OA_WEBHOOK_PATH, data=body, headers=signed(body))
        assert answer.status == 403
    assert setup.handled == [] and setup.fake.sent == []


async def test_before_the_key_exists_zalos_url_check_is_answered_and_nothing_processed(
    setup: Setup,
) -> None:
    async with TestClient(TestServer(setup.app(key=None), host="127.0.0.1")) as client:
        check = await client.post(OA_WEBHOOK_PATH, json={"event_name": "check"})
        assert check.status == 200
        body = event("vneid 5", "m-3")
        assert (await client.post(OA_WEBHOOK_PATH, data=body, headers=signed(body))).status == 200
    assert setup.handled == [] and setup.fake.sent == []


@pytest.mark.parametrize("name", ["oa_send_text", "user_reacted_message", "x.new.event", ""])
async def test_unknown_or_other_events_are_answered_and_ignored(
    web_client: TestClient, setup: Setup, name: str
) -> None:
    body = event("vneid 5", f"m-{name}", event_name=name)
    assert (await web_client.post(OA_WEBHOOK_PATH, data=body, headers=signed(body))).status == 200
    assert setup.handled == []


async def test_a_join_is_greeted_by_the_zalo_name_and_a_rate_limit_waits(
    db: Database, web_client: TestClient, setup: Setup
) -> None:
    async with db.transaction() as store:
        village = await store.units.add("V", "Thôn OA", Level.village)
        invite = await store.invites.create(
            pk(village), "member", expires_at=NOW + timedelta(days=1)
        )  # type: ignore[arg-type]
        await store.commit()
    setup.fake.names["oa-user-1"] = "Chị Hoa"
    body = event(f"/thamgia {invite.code}", "m-join")
    assert (await web_client.post(OA_WEBHOOK_PATH, data=body, headers=signed(body))).status == 200
    greeting = await setup.fake.wait_text("oa-user-1", "Chào mừng")
    assert "Chị Hoa" in greeting and "zalo_oa:" not in greeting
    setup.fake.rate_limited = 1  # -32: the outbox waits and tries again, once
    notice = OutboxMessage(
        key="k", kind="reminder", platform="zalo_oa", chat_id="oa-user-1", html="Nhắc"
    )
    channel = OaChannel(setup.oa, Limits(), window=timedelta(days=7))
    with pytest.raises(RetryAfter):
        await channel.send(notice)
    await channel.send(notice)
    assert setup.fake.texts("oa-user-1")[-1] == "Nhắc"
