"""Zalo Official Account API v3, for communes that already run an OA.

Events arrive on a webhook signed with `X-ZEvent-Signature` (SHA-256 of app id + raw body +
timestamp + OA secret key); replies go to `/v3.0/oa/message/cs` with the `access_token`
header. Access tokens are refreshed with the single-use refresh token: the new pair is
committed to the database before the new access token is used.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
from aiohttp import web

from bot.delivery import DeliveryWorker, PermanentError, TransientError, Undeliverable
from bot.ratelimit import Limits
from bot.render import html_to_plain
from bot.zalo.client import ZaloError
from handlers.app import Handlers
from handlers.types import Incoming, Kind
from storage.db import Database
from storage.models import OutboxMessage, utcnow
from storage.outbox import REPLY

log = logging.getLogger(__name__)

PLATFORM = "zalo_oa"
OPENAPI = "https://openapi.zalo.me"
OAUTH = "https://oauth.zaloapp.com"
SIGNATURE_HEADER = "X-ZEvent-Signature"
OA_WEBHOOK_PATH = "/zalo-oa"


def signature(app_id: str, raw_body: bytes, timestamp: str, secret_key: str) -> str:
    payload = app_id.encode() + raw_body + timestamp.encode() + secret_key.encode()
    return hashlib.sha256(payload).hexdigest()


def verify(header: str, app_id: str, raw_body: bytes, secret_key: str) -> dict[str, Any] | None:
    """The event when its signature is right, else None (tampered, unsigned, not JSON)."""
    try:
        event = json.loads(raw_body)
    except ValueError:
        return None
    if not isinstance(event, dict):
        return None
    expected = signature(app_id, raw_body, str(event.get("timestamp", "")), secret_key)
    given = header.strip().removeprefix("mac=")
    return event if hmac.compare_digest(given.encode(), expected.encode()) else None


def from_event(event: dict[str, Any]) -> Incoming | None:
    """`user_send_text` becomes a text message; other user events, a polite non-text."""
    name = str(event.get("event_name", ""))
    sender = event.get("sender") if isinstance(event.get("sender"), dict) else {}
    message = event.get("message") if isinstance(event.get("message"), dict) else {}
    user_id, message_id = (sender or {}).get("id"), (message or {}).get("msg_id")
    if not name.startswith("user_send_") or not user_id or not message_id:
        return None
    text = (message or {}).get("text") if name == "user_send_text" else None
    return Incoming(
        key=f"{PLATFORM}:{message_id}", platform=PLATFORM, chat_id=str(user_id),
        user_id=str(user_id), text=str(text or ""),
        kind=Kind.text if isinstance(text, str) else Kind.other, message_id=str(message_id),
    )  # fmt: skip


class OaClient:
    def __init__(
        self,
        db: Database,
        app_id: str,
        secret_key: str,
        http: httpx.AsyncClient,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db, self.app_id, self.secret_key, self.http, self.clock = (
            db,
            app_id,
            secret_key,
            http,
            clock,
        )

    async def access_token(self) -> str:
        async with self.db.transaction() as store:
            token = await store.oa_tokens.get(self.app_id)
        if token is None:
            raise ZaloError(401, "no OA token: run `cnsbot zalo-oa-token` first")
        if token.access_token and token.expires_at > self.clock() + timedelta(minutes=5):
            return token.access_token
        return await self.refresh(token.refresh_token)

    async def refresh(self, refresh_token: str) -> str:
        response = await self.http.post(
            f"{OAUTH}/v4/oa/access_token",
            headers={"secret_key": self.secret_key},
            data={
                "refresh_token": refresh_token,
                "app_id": self.app_id,
                "grant_type": "refresh_token",
            },
        )
        body = response.json()
        if "access_token" not in body or "refresh_token" not in body:
            raise ZaloError(
                int(body.get("error", response.status_code)),
                str(body.get("error_description", "refresh failed")),
            )
        expires = self.clock() + timedelta(seconds=int(body.get("expires_in", 3600)))
        async with self.db.transaction() as store:  # durable before it is used
            await store.oa_tokens.save(
                self.app_id, body["access_token"], body["refresh_token"], expires
            )
        return str(body["access_token"])

    async def send_text(self, user_id: str, text: str) -> dict[str, Any]:
        response = await self.http.post(
            f"{OPENAPI}/v3.0/oa/message/cs",
            headers={"access_token": await self.access_token()},
            json={"recipient": {"user_id": user_id}, "message": {"text": text[:2000]}},
        )
        body = response.json()
        if response.status_code >= 500:
            raise ZaloError(response.status_code, "OA server error")
        if body.get("error", 0) != 0:
            raise ZaloError(int(body["error"]), str(body.get("message", "")))
        return dict(body.get("data") or {})


def webhook_route(
    app: web.Application,
    oa: OaClient,
    handlers: Handlers,
    delivery: DeliveryWorker,
    webhook_key: str,
) -> None:
    """POST /zalo-oa: the signature is checked on the raw body before anything else. The
    answer is 200 as soon as the event is stored (Zalo expects it within ~2 s); the reply,
    queued with it, is sent after by the delivery worker (`OaChannel`)."""

    async def receive(request: web.Request) -> web.Response:
        raw = await request.read()
        event = verify(request.headers.get(SIGNATURE_HEADER, ""), oa.app_id, raw, webhook_key)
        if event is None:
            return web.Response(status=401)
        incoming = from_event(event)
        if incoming is None:
            return web.json_response({"ok": True})
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
            async with self.oa.db.transaction() as store:
                seen = await store.members.last_seen(PLATFORM, message.chat_id)
            if seen is None or self.oa.clock() - seen > self.window:
                raise Undeliverable("outside the Zalo OA reply window")
        if not message.html:
            return  # a file alone: the OA channel sends no files
        try:
            await self.oa.send_text(message.chat_id, html_to_plain(message.html))
        except ZaloError as err:
            raise (TransientError if err.transient else PermanentError)(str(err)) from err
        except httpx.TransportError as err:
            raise TransientError(type(err).__name__) from err
