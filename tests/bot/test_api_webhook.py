"""The outbound webhook: a month event queued in the outbox, POSTed signed to a fake
receiver on 127.0.0.1, retried after a failure, given up on a refusal."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.delivery.webhook import EVENT_ID, SIGNATURE, TIMESTAMP, WebhookChannel, verify
from bot.delivery.worker import SEND_RETRY, DeliverySettings, DeliveryWorker
from handlers.outbound import MonthEvent, notify_signoff
from handlers.types import Rules
from storage.db import Database
from storage.models import OutboxMessage, OutboxStatus, utcnow
from tests.conftest import FixedClock, World

SECRET = "a-long-webhook-secret-0123456789"
ON = Rules(webhook_enabled=True)


@dataclass
class Receiver:
    answers: list[int]  # statuses to answer, in order (then 200)
    seen: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        self.seen.append((dict(request.headers), await request.read()))
        return web.Response(status=self.answers.pop(0) if self.answers else 200)


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    fake = Receiver([])
    app = web.Application()
    app.router.add_post("/hook", fake.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield fake, str(server.make_url("/hook"))
    await server.close()


async def _notify(db: Database, world: World, clock: FixedClock, rules: Rules = ON) -> bool:
    async with db.transaction() as store:
        commune = await store.units.get(world.commune_id)
        assert commune is not None
        queued = await notify_signoff(
            store, rules, commune, "2026-11", MonthEvent.approved, clock()
        )
        await store.commit()
    return queued


async def _deliver(db: Database, url: str) -> list[OutboxMessage]:
    async with httpx.AsyncClient() as client:
        channel = WebhookChannel(url, SECRET, client, utcnow)
        quick = replace(SEND_RETRY, base=0.01, cap=0.02)
        fast = DeliverySettings(retry=quick, poll_seconds=0.02)
        await DeliveryWorker(db, {"webhook": channel}, fast).drain(timeout=20)
    async with db.reading() as store:
        return list(await store.outbox.with_status(OutboxStatus.sent)) + list(
            await store.outbox.with_status(OutboxStatus.dead)
        )


@pytest.mark.slow  # starts a receiving server on 127.0.0.1
async def test_a_signed_event_reaches_the_receiver_after_a_failed_attempt(
    db: Database, world: World, clock: FixedClock, receiver: tuple[Receiver, str]
) -> None:
    fake, url = receiver
    fake.answers = [503]
    assert await _notify(db, world, clock)
    assert not await _notify(db, world, clock)  # the same event is queued once
    rows = await _deliver(db, url)
    assert [r.status for r in rows] == [OutboxStatus.sent] and rows[0].attempts == 1
    assert len(fake.seen) == 2  # the 503, then the retry through the outbox
    for headers, body in fake.seen:
        assert verify(SECRET, headers[TIMESTAMP], body, headers[SIGNATURE], utcnow())
        assert not verify("another-secret-of-some-length", headers[TIMESTAMP], body,
                          headers[SIGNATURE], utcnow())  # fmt: skip
    headers, body = fake.seen[-1]
    event = json.loads(body)
    assert event["type"] == "month.approved" and event["unit_code"] == "16012"
    assert event["month"] == "2026-11" and headers[EVENT_ID] == event["id"]
    tampered = body.replace(b"16012", b"16013")
    assert not verify(SECRET, headers[TIMESTAMP], tampered, headers[SIGNATURE], utcnow())


@pytest.mark.slow  # starts a receiving server on 127.0.0.1
async def test_a_refusal_is_not_retried_and_its_error_is_kept(
    db: Database, world: World, clock: FixedClock, receiver: tuple[Receiver, str]
) -> None:
    fake, url = receiver
    fake.answers = [400]
    await _notify(db, world, clock)
    rows = await _deliver(db, url)
    assert [r.status for r in rows] == [OutboxStatus.dead] and "HTTP 400" in rows[0].last_error
    assert len(fake.seen) == 1


async def test_nothing_is_queued_without_a_configured_receiver(
    db: Database, world: World, clock: FixedClock
) -> None:
    assert not await _notify(db, world, clock, Rules())
    async with db.reading() as store:
        assert await store.outbox.counts() == {}


def test_an_old_timestamp_is_refused_even_with_a_good_signature() -> None:
    from datetime import timedelta

    from bot.delivery.webhook import sign

    now = utcnow()
    old = int((now - timedelta(minutes=10)).timestamp())
    assert not verify(SECRET, str(old), b"{}", sign(SECRET, old, b"{}"), now)
    fresh = int(now.timestamp())
    assert verify(SECRET, str(fresh), b"{}", sign(SECRET, fresh, b"{}"), now)


def test_the_webhook_setting_needs_a_real_secret_and_turns_the_rule_on() -> None:
    from pydantic import ValidationError

    from bot.settings import Settings

    with pytest.raises(ValidationError, match="API_WEBHOOK_SECRET"):
        Settings(api_webhook_url="https://example.org/hook", api_webhook_secret="short")  # type: ignore[arg-type]
    settings = Settings(api_webhook_url="https://example.org/hook", api_webhook_secret=SECRET)  # type: ignore[arg-type]
    assert settings.rules.webhook_enabled and SECRET in settings.secrets()
    assert not Settings().rules.webhook_enabled
