"""Zalo Official Account API v3, for communes that already run an OA.

Events arrive on a webhook signed with `X-ZEvent-Signature` (bot.zalo.oa_events); replies
go to `/v3.0/oa/message/cs` through the OA client (bot.zalo.oa_client), which keeps the
single-use refresh token safe.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

import httpx
from aiohttp import web

from bot.delivery.ratelimit import Limits
from bot.delivery.worker import DeliveryWorker, TransientError, Undeliverable
from bot.render import html_to_plain
from bot.zalo.client import ZaloError, delivery_error
from bot.zalo.oa_client import OaClient, OaSettings
from bot.zalo.oa_events import (
    PLATFORM,
    SIGNATURE_HEADER,
    from_event,
    is_fresh,
    signature,
    verify,
)
from handlers.app import Handlers
from handlers.types import Incoming
from storage.models import OutboxMessage
from storage.outbox import REPLY

__all__ = [
    "OA_WEBHOOK_PATH", "PLATFORM", "SIGNATURE_HEADER", "OaChannel", "OaClient", "OaSettings",
    "from_event", "signature", "verify", "webhook_route",
]  # fmt: skip

log = logging.getLogger(__name__)
OA_WEBHOOK_PATH = "/zalo-oa"
MAX_EVENT_AGE = timedelta(minutes=10)


async def with_name(oa: OaClient, incoming: Incoming) -> Incoming:
    """The sender's Zalo name from the user-detail call (events carry only an id)."""
    return replace(incoming, display_name=await oa.user_name(incoming.user_id))


def webhook_route(
    app: web.Application,
    oa: OaClient,
    handlers: Handlers,
    delivery: DeliveryWorker,
    webhook_key: str | None,
    max_age: timedelta = MAX_EVENT_AGE,
) -> None:
    """POST /zalo-oa: the signature is checked on the raw body before anything else, then
    the event's age. Before the OA secret key is known (Zalo shows it only after the URL is
    saved, and checks the URL when it is saved) every request is answered 200 and ignored.
    The answer is 200 as soon as the event is stored (Zalo expects it within ~2 s); the
    reply, queued with it, is sent after (the fast path, else the worker: `OaChannel`)."""

    async def receive(request: web.Request) -> web.Response:
        raw = await request.read()
        if not webhook_key:
            log.warning("Zalo OA request ignored: ZALO_OA_WEBHOOK_KEY is not set yet")
            return web.json_response({"ok": True})
        event = verify(request.headers.get(SIGNATURE_HEADER, ""), oa.app_id, raw, webhook_key)
        if event is None:
            return web.Response(status=403)
        if not is_fresh(event, oa.clock(), max_age):
            log.warning("Zalo OA event refused: its timestamp is outside %s", max_age)
            return web.Response(status=403)
        incoming = from_event(event)
        if incoming is None:
            return web.json_response({"ok": True})
        incoming = await with_name(oa, incoming)
        try:
            outcome = await handlers.handle(incoming)
        except Exception:
            log.exception("Zalo OA event failed")
            return web.Response(status=500)
        delivery.after_commit(outcome.queued)
        return web.json_response({"ok": True})

    app.router.add_post(OA_WEBHOOK_PATH, receive)


class OaChannel:
    """The outbox into an OA. The OA may only write within a window after the person's
    last message: outside it a notification is undeliverable, recorded, never retried."""

    platform = PLATFORM

    def __init__(self, oa: OaClient, limits: Limits, window: timedelta) -> None:
        self.oa, self.limits, self.window = oa, limits, window

    async def send(self, message: OutboxMessage) -> None:
        """A reply answers a message the person has just sent: always inside the window."""
        if message.kind != REPLY:
            async with self.oa.db.reading() as store:
                seen = await store.members.last_seen(PLATFORM, message.chat_id)
            if seen is None or self.oa.clock() - seen > self.window:
                raise Undeliverable("outside the Zalo OA reply window")
        if not message.html:
            return  # a file alone: the OA channel sends no files
        try:
            await self.oa.send_text(message.chat_id, html_to_plain(message.html))
        except ZaloError as err:
            raise delivery_error(err) from err
        except httpx.TransportError as err:
            raise TransientError(type(err).__name__) from err
