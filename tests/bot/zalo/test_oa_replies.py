"""The Zalo OA webhook answers as soon as the event is stored; the reply goes after, once,
even when the OA API fails it first or is slow."""

from __future__ import annotations

import asyncio
import json
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
from tests.virtual_time import VirtualTime

pytestmark = pytest.mark.slow  # starts a fake Zalo OA server and the webhook on 127.0.0.1


class SlowOrFailingOA(FakeOA):
    """The OA API answering the first `fail` message sends with a 500, each once `hold`
    (when given) is set: a slow OA without real waiting."""

    def __init__(self, fail: int = 0) -> None:
        super().__init__()
        self.fail, self.failed = fail, 0
        self.hold: asyncio.Event | None = None

    async def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v3.0/oa/message/cs":
            if self.hold is not None:
                await self.hold.wait()
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
    vt = VirtualTime()  # the worker's waits (a failed send's backoff) take no real time
    delivery = DeliveryWorker(
        db, {"zalo_oa": channel}, DeliverySettings(), vt.utcnow,
        monotonic=vt.monotonic, sleep=vt.sleep,
    )  # fmt: skip
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
    oa_api.hold = asyncio.Event()  # the OA API accepts no message until it is let go
    # Zalo wants its 200 within about 2 s: it comes while the reply is still held.
    assert await asyncio.wait_for(webhook.post("mid-8"), 1.5) == 200
    assert webhook.receipts() == [] and await vneid(db) == 5
    oa_api.hold.set()
    await webhook.delivery.flush()
    assert len(webhook.receipts()) == 1
