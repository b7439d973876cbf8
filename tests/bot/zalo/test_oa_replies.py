"""The Zalo OA webhook answers as soon as the event is stored; the reply goes after, once,
even when the OA API fails it first or is slow."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.delivery.ratelimit import Limits
from bot.delivery.worker import DeliverySettings, DeliveryWorker
from bot.zalo.oa import OA_WEBHOOK_PATH, SIGNATURE_HEADER, OaChannel, OaClient, webhook_route
from handlers.app import Handlers
from storage.db import Database
from tests.bot.zalo.test_oa import APP, EVENT, NOW, SECRET, FakeOA, signature
from tests.conftest import FixedClock, World


class SlowOrFailingOA(FakeOA):
    """The OA API answering the first `fail` message sends with a 500, each after `delay`."""

    def __init__(self, fail: int = 0, delay: float = 0.0) -> None:
        super().__init__()
        self.fail, self.delay, self.failed = fail, delay, 0

    async def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v3.0/oa/message/cs":
            await asyncio.sleep(self.delay)
            if self.failed < self.fail:
                self.failed += 1
                return httpx.Response(500, json={"error": -1, "message": "Internal error"})
        return self(request)


@dataclass
class OaWebhook:
    client: TestClient
    oa: SlowOrFailingOA
    delivery: DeliveryWorker

    async def post(self, msg_id: str, text: str = "vneid 5") -> int:
        body = json.dumps({**EVENT, "message": {"text": text, "msg_id": msg_id}}).encode()
        mac = signature(APP, body, str(EVENT["timestamp"]), SECRET)
        response = await self.client.post(
            OA_WEBHOOK_PATH, data=body, headers={SIGNATURE_HEADER: f"mac={mac}"}
        )
        return response.status

    def receipts(self) -> list[str]:
        return [
            m["message"]["text"] for _, m in self.oa.sent if "Đã ghi nhận" in m["message"]["text"]
        ]


@pytest.fixture
def oa_api() -> SlowOrFailingOA:
    return SlowOrFailingOA()


@pytest.fixture
async def webhook(
    db: Database, clock: FixedClock, world: World, oa_api: SlowOrFailingOA
) -> AsyncIterator[OaWebhook]:
    async with db.transaction() as store:
        await store.oa_tokens.save(APP, "", "r1", NOW)
        an = await store.members.by_identity("test", "an")
        assert an is not None
        await store.members.link(an, "zalo_oa", "oa-user-1", "An")
        await store.commit()
    http = httpx.AsyncClient(transport=httpx.MockTransport(oa_api.handle))
    client = OaClient(db, APP, SECRET, http, clock=clock)
    channel = OaChannel(client, Limits(), window=timedelta(days=7))
    delivery = DeliveryWorker(db, {"zalo_oa": channel}, DeliverySettings(poll_seconds=0.05))
    app = web.Application()
    webhook_route(app, client, Handlers(db, clock=clock), delivery, SECRET)
    async with TestClient(TestServer(app, host="127.0.0.1")) as test_client:
        yield OaWebhook(test_client, oa_api, delivery)
    await http.aclose()


async def vneid(db: Database) -> int:
    async with db.reading() as store:
        return (await store.entries.totals(date(2026, 11, 1), date(2026, 11, 30))).get("vneid", 0)


async def test_a_failed_reply_goes_once_when_zalo_sends_the_event_again(
    webhook: OaWebhook, oa_api: SlowOrFailingOA, db: Database
) -> None:
    oa_api.fail = 1  # the OA API fails the receipt's first send (HTTP 500)
    assert await webhook.post("mid-7") == 200
    await webhook.delivery.flush()
    assert oa_api.failed == 1 and webhook.receipts() == []
    assert await webhook.post("mid-7") == 200  # the same event again
    await webhook.delivery.flush()
    await webhook.delivery.drain(timeout=30)  # and whatever the worker would send
    assert await vneid(db) == 5
    assert len(webhook.receipts()) == 1


async def test_the_answer_is_quick_while_the_reply_is_slow(
    webhook: OaWebhook, oa_api: SlowOrFailingOA, db: Database
) -> None:
    oa_api.delay = 3.0  # the OA API takes 3 s to accept a message
    started = time.monotonic()
    assert await webhook.post("mid-8") == 200
    answered = time.monotonic() - started
    await webhook.delivery.flush()
    delivered = time.monotonic() - started
    print(f"\n[oa] answered in {answered:.3f}s, the reply delivered after {delivered:.2f}s")
    assert answered < 1.5  # Zalo wants its 200 within about 2 s
    assert delivered >= 3.0 and len(webhook.receipts()) == 1
    assert await vneid(db) == 5
