"""The outbound webhook as a delivery channel: each outbox row of platform "webhook" is
POSTed to the configured URL, signed, and retried by the worker like any message.

Signature: `X-Cnsbot-Signature: sha256=<hex>` where hex is HMAC-SHA256(secret,
"<timestamp>." + body), and `X-Cnsbot-Timestamp: <unix seconds>` of this attempt. The
receiver recomputes it over the raw body and refuses old timestamps (a replayed request
carries an old one, and changing it breaks the signature)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import datetime, timedelta

import httpx

from bot.delivery.ratelimit import Limits
from bot.delivery.worker import PermanentError, RetryAfter, TransientError
from handlers.outbound import PLATFORM
from storage.models import OutboxMessage

SIGNATURE, TIMESTAMP, EVENT_ID = "X-Cnsbot-Signature", "X-Cnsbot-Timestamp", "X-Cnsbot-Event"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(
    secret: str, timestamp: str, body: bytes, signature: str, now: datetime,
    tolerance: timedelta = timedelta(minutes=5),
) -> bool:  # fmt: skip
    """What a receiver does (the tests' fake receiver, and the README's example)."""
    if not timestamp.isdigit() or abs(now.timestamp() - int(timestamp)) > tolerance.total_seconds():
        return False
    return hmac.compare_digest(sign(secret, int(timestamp), body), signature)


class WebhookChannel:
    platform = PLATFORM

    def __init__(
        self,
        url: str,
        secret: str,
        client: httpx.AsyncClient,
        clock: Callable[[], datetime],
        limits: Limits | None = None,
    ) -> None:
        self.url, self.secret, self.client, self.clock = url, secret, client, clock
        self.limits = limits or Limits(per_second=5, per_chat_second=5, per_group_minute=300)

    async def send(self, message: OutboxMessage) -> None:
        body = message.html.encode("utf-8")
        timestamp = int(self.clock().timestamp())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            TIMESTAMP: str(timestamp),
            SIGNATURE: sign(self.secret, timestamp, body),
            EVENT_ID: message.key.removeprefix("webhook:")[:200],
        }
        try:
            response = await self.client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as err:  # the receiver is down or slow: later
            raise TransientError(f"webhook: {type(err).__name__}") from err
        status = response.status_code
        if status < 300:
            return
        if status == 429:
            wait = response.headers.get("Retry-After", "60")
            raise RetryAfter(float(wait) if wait.isdigit() else 60.0)
        if status >= 500 or status == 408:
            raise TransientError(f"webhook: HTTP {status}")
        raise PermanentError(f"webhook: HTTP {status}")
