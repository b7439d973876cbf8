"""Zalo update shapes and the webhook: secret header, wrapped and flat, duplicates."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.delivery.ratelimit import Limits
from bot.delivery.worker import DeliveryWorker
from bot.zalo.channel import SECRET_HEADER, WEBHOOK_PATH, ZaloChannel, webhook_route
from bot.zalo.client import ClientSettings, ZaloBotClient
from bot.zalo.convert import from_update
from handlers.app import Handlers
from handlers.types import Kind, Rules
from storage.db import Database
from tests.conftest import FixedClock, World
from tests.virtual_time import VirtualTime

SECRET = "zalo-webhook-secret-0123"
DELIVERY = web.AppKey("delivery", DeliveryWorker)


def text_update(text: str, message_id: str = "m-1", **sender: Any) -> dict[str, Any]:
    return {
        "event_name": "message.text.received",
        "message": {
            "message_id": message_id, "date": 1763700000, "text": text,
            "from": {"id": "zu-an", "is_bot": False, **(sender or {"display_name": "An"})},
            "chat": {"id": "zu-an", "chat_type": "PRIVATE"}, "some_new_field": {"x": 1},
        },
    }  # fmt: skip


def test_flat_and_wrapped_shapes_and_both_name_fields() -> None:
    flat = from_update(text_update("vneid 5"))
    wrapped = from_update({"ok": True, "result": text_update("vneid 5", first_name="Bình")})
    assert flat is not None and wrapped is not None
    assert (flat.key, flat.text, flat.kind, flat.display_name) == (
        "zalo:message.text.received:m-1",
        "vneid 5",
        Kind.text,
        "An",
    )
    assert wrapped.display_name == "Bình" and not wrapped.is_group


def test_non_text_events_and_junk() -> None:
    sticker = text_update("")
    sticker["event_name"] = "message.sticker.received"
    sticker["message"].pop("text")
    converted = from_update(sticker)
    assert converted is not None and converted.kind is Kind.other
    group = text_update("/bc vneid 1")
    group["message"]["chat"] = {"id": "g-1", "chat_type": "GROUP"}
    assert from_update(group).is_group  # type: ignore[union-attr]
    assert from_update({"event_name": "message.text.received"}) is None
    assert from_update({"ok": True, "result": None}) is None


@pytest.fixture
async def client(db: Database, clock: FixedClock, world: World) -> AsyncIterator[TestClient]:
    async with db.transaction() as store:
        an = await store.members.by_identity("test", "an")
        assert an is not None
        await store.members.link(an, "zalo", "zu-an", "An")
        await store.commit()
    sent: list[dict[str, Any]] = []

    def api(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(200, json={"ok": True, "result": {"message_id": "out"}})

    zalo = ZaloBotClient(
        "1:t", ClientSettings(base_url="http://127.0.0.1:9"), httpx.MockTransport(api)
    )
    unlimited = Limits(per_second=1000, per_chat_second=1000, per_group_minute=1000)
    vt = VirtualTime()  # the worker's waits take no real time
    delivery = DeliveryWorker(
        db, {"zalo": ZaloChannel(zalo, unlimited)}, None, vt.utcnow,
        monotonic=vt.monotonic, sleep=vt.sleep,
    )  # fmt: skip
    app = web.Application()
    app[DELIVERY] = delivery
    webhook_route(app, Handlers(db, clock=clock, rules=Rules()), delivery, SECRET)
    async with TestClient(TestServer(app, host="127.0.0.1")) as test_client:
        test_client.sent = sent  # type: ignore[attr-defined]
        yield test_client
    await zalo.aclose()


async def vneid(db: Database) -> int:
    async with db.reading() as store:
        return (await store.entries.totals(date(2026, 11, 1), date(2026, 11, 30))).get("vneid", 0)


async def post(client: TestClient, body: dict[str, Any], secret: str | None = SECRET) -> int:
    """The HTTP status; then the replies, sent after the commit, have gone out."""
    headers = {SECRET_HEADER: secret} if secret else {}
    status = (await client.post(WEBHOOK_PATH, json=body, headers=headers)).status
    await client.app[DELIVERY].flush()
    return status


@pytest.mark.slow  # serves the Zalo webhook on 127.0.0.1
async def test_the_secret_header_is_required(client: TestClient, db: Database) -> None:
    assert await post(client, text_update("vneid 5"), secret="nope") == 401
    assert await post(client, text_update("vneid 5"), secret=None) == 401
    assert await vneid(db) == 0 and client.sent == []  # type: ignore[attr-defined]


@pytest.mark.slow  # serves the Zalo webhook on 127.0.0.1
async def test_both_shapes_and_duplicates_count_once(client: TestClient, db: Database) -> None:
    assert await post(client, text_update("vneid 5", "m-9")) == 200
    assert await post(client, {"ok": True, "result": text_update("vneid 5", "m-9")}) == 200
    statuses = await asyncio.gather(
        *(post(client, text_update("vneid 2", "m-10")) for _ in range(5))
    )
    assert statuses == [200] * 5
    assert await vneid(db) == 7
    texts = [m["text"] for m in client.sent]  # type: ignore[attr-defined]
    assert len(texts) == 2 and all("<" not in t for t in texts)


@pytest.mark.slow  # serves the Zalo webhook on 127.0.0.1
async def test_a_sticker_gets_a_polite_answer(client: TestClient) -> None:
    sticker = text_update("", "m-20")
    sticker["event_name"] = "message.sticker.received"
    assert await post(client, sticker) == 200
    assert "chỉ đọc được tin nhắn chữ" in client.sent[0]["text"]  # type: ignore[attr-defined]


@pytest.mark.slow  # serves the Zalo webhook on 127.0.0.1
async def test_a_reply_whose_send_failed_goes_once_when_the_update_comes_again(
    db: Database, clock: FixedClock, world: World
) -> None:
    async with db.transaction() as store:
        an = await store.members.by_identity("test", "an")
        assert an is not None
        await store.members.link(an, "zalo", "zu-an", "An")
        await store.commit()
    sent: list[str] = []
    failed: list[str] = []

    def api(request: httpx.Request) -> httpx.Response:
        if not failed:  # Zalo fails the reply's first send
            failed.append(json.loads(request.content)["text"])
            return httpx.Response(502, json={"ok": False, "error_code": 502})
        sent.append(json.loads(request.content)["text"])
        return httpx.Response(200, json={"ok": True, "result": {"message_id": "out"}})

    settings = ClientSettings(base_url="http://127.0.0.1:9")
    zalo = ZaloBotClient("1:t", settings, httpx.MockTransport(api))
    unlimited = Limits(per_second=1000, per_chat_second=1000, per_group_minute=1000)
    vt = VirtualTime()  # the failed send's backoff takes no real time
    delivery = DeliveryWorker(
        db, {"zalo": ZaloChannel(zalo, unlimited)}, None, vt.utcnow,
        monotonic=vt.monotonic, sleep=vt.sleep,
    )  # fmt: skip
    app = web.Application()
    app[DELIVERY] = delivery
    webhook_route(app, Handlers(db, clock=clock, rules=Rules()), delivery, SECRET)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        assert await post(client, text_update("vneid 3", "m-30")) == 200
        assert len(failed) == 1 and sent == []
        assert await post(client, text_update("vneid 3", "m-30")) == 200  # sent again
        await delivery.drain(timeout=30)
    await zalo.aclose()
    assert await vneid(db) == 3
    assert len(sent) == 1 and "Đã ghi nhận" in sent[0]


def test_an_update_without_event_name_is_read_from_its_message() -> None:
    bare = text_update("vneid 5", "m-30")
    del bare["event_name"]  # one documented getUpdates sample has none
    converted = from_update({"ok": True, "result": bare})
    assert converted is not None
    assert (converted.kind, converted.text) == (Kind.text, "vneid 5")
    assert converted.key == from_update(text_update("vneid 5", "m-30")).key  # type: ignore[union-attr]
    photo = text_update("", "m-31")
    del photo["event_name"], photo["message"]["text"]
    assert from_update(photo).kind is Kind.other  # type: ignore[union-attr]


def test_an_unknown_event_name_is_tolerated() -> None:
    odd = text_update("", "m-32")
    odd["event_name"] = {"not": "a string"}
    del odd["message"]["text"]
    assert from_update(odd).kind is Kind.other  # type: ignore[union-attr]
    future = text_update("vneid 2", "m-33")
    future["event_name"] = "message.reaction.received"
    assert from_update(future).kind is Kind.other  # type: ignore[union-attr]
