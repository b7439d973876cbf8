"""A small client for the Zalo Bot API: `POST {base}/bot{token}/{method}` with JSON.

Every answer is an envelope `{ok, result, error_code, description}` (on HTTP 200 or not):
results come back as plain dicts, failures as one `ZaloError` carrying the code and
description, classified by Zalo's error table: 408 "Request timeout" is what an idle
`getUpdates` answers (no updates, not a failure); 403 "Internal server error", 408 on other
methods, 5xx and network errors are transient. Each call is retried at one layer: sends
by the delivery worker (its outbox backoff), `getUpdates` by the polling loop, the others
(getMe, webhooks) here, by the injected platform retry policy. 429 (and the OA's -32) is a
rate limit, raised at once for the caller's backoff. The token never appears in an error
or a log line.
"""

from __future__ import annotations

import functools
import logging
import ssl
from dataclasses import dataclass
from typing import Any, TypedDict, cast

import httpx

from bot.delivery.worker import PermanentError, RetryAfter, TransientError
from bot.render import split_text
from storage.db import outside_transaction
from storage.retry import RetryPolicy

log = logging.getLogger(__name__)
TEXT_LIMIT = 2000


class BotInfo(TypedDict, total=False):
    id: str
    account_name: str
    account_type: str
    can_join_groups: bool


class WebhookInfo(TypedDict, total=False):
    url: str
    updated_at: int


class SentMessage(TypedDict, total=False):
    message_id: str
    date: int


IDLE = 408  # "Request timeout": the long poll ended without an update
RATE_LIMITS = frozenset({429, -32})  # Bot API "Quota exceeded"; OA "exceeded the rate limit"
TRANSIENT = frozenset({0, 403, 408})  # 0: network; 403 is Zalo's "Internal server error"
DEFAULT_RETRY_AFTER = 5.0  # seconds, when a rate limit does not say
# The shipped policy comes from the composition root; this is the default for a bare client.
CALL_RETRY = RetryPolicy(attempts=4, base=0.5, factor=2.0, cap=8.0)


class ZaloError(Exception):
    def __init__(self, code: int, description: str, retry_after: float | None = None) -> None:
        super().__init__(f"Zalo error {code}: {description}")
        self.code, self.description, self.retry_after = code, description, retry_after

    @property
    def rate_limited(self) -> bool:
        return self.code in RATE_LIMITS

    @property
    def transient(self) -> bool:
        """Worth trying again later (rate limits too, after their wait)."""
        return self.code >= 500 or self.code in TRANSIENT or self.rate_limited


@functools.cache
def _tls() -> ssl.SSLContext:
    """httpx's own TLS settings, built once per process (each build reads the CA bundle:
    ~30 ms; the bot makes a client per channel, the tests one per fake)."""
    return httpx.create_ssl_context()


@dataclass(frozen=True)
class ClientSettings:
    base_url: str = "https://bot-api.zaloplatforms.com"
    timeout: float = 10.0  # seconds, per request (long polls add their own wait)


class ZaloBotClient:
    def __init__(
        self,
        token: str,
        settings: ClientSettings | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy = CALL_RETRY,
    ) -> None:
        self.settings = settings or ClientSettings()
        self.retry = retry
        self._token = token
        self._http = httpx.AsyncClient(
            transport=transport, timeout=self.settings.timeout, verify=_tls()
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def call(
        self,
        method: str,
        payload: dict[str, Any] | None = None,
        *,
        wait: float = 0,
        retry: bool = True,
    ) -> Any:
        """`retry`: transient failures are tried again here (False: the caller's layer
        retries, and gets the first failure)."""
        outside_transaction(f"Zalo {method}")
        url = f"{self.settings.base_url.rstrip('/')}/bot{self._token}/{method}"

        async def once() -> Any:
            try:
                response = await self._http.post(
                    url, json=payload or {}, timeout=self.settings.timeout + wait
                )
            except httpx.TransportError as err:
                raise self._scrub(err) from None
            return self._unwrap(response)

        def worth_retrying(err: BaseException) -> bool:
            return retry and isinstance(err, ZaloError) and _retryable(err)

        return await self.retry.run(
            once, retry_if=worth_retrying, what=f"Zalo {method} failed", logger=log
        )

    def _unwrap(self, response: httpx.Response) -> Any:
        try:
            body = response.json()
        except ValueError:
            raise ZaloError(
                response.status_code, f"not JSON (HTTP {response.status_code})"
            ) from None
        if not isinstance(body, dict):
            raise ZaloError(response.status_code, "unexpected answer")
        if response.status_code >= 400 or not body.get("ok"):
            raise ZaloError(
                _int(body.get("error_code")) or response.status_code,
                str(body.get("description") or "unknown error"),
                _retry_after(body, response),
            )
        return body.get("result")

    def _scrub(self, err: Exception) -> Exception:
        if isinstance(err, ZaloError):
            return err
        return ZaloError(0, f"{type(err).__name__}: {str(err).replace(self._token, '***')}")

    async def get_me(self) -> BotInfo:
        return cast(BotInfo, dict(await self.call("getMe") or {}))

    async def get_updates(self, timeout: int = 30) -> list[dict[str, Any]]:
        """Long poll. The documented result is one update; a list is accepted too. An idle
        poll (408 "Request timeout") is no update. Not retried here: the polling loop is
        its retry."""
        try:
            result = await self.call(
                "getUpdates", {"timeout": str(timeout)}, wait=timeout, retry=False
            )
        except ZaloError as err:
            if err.code == IDLE:
                return []
            raise
        if not result:
            return []
        return [
            u for u in (result if isinstance(result, list) else [result]) if isinstance(u, dict)
        ]

    async def set_webhook(self, url: str, secret_token: str) -> Any:
        return await self.call("setWebhook", {"url": url, "secret_token": secret_token})

    async def delete_webhook(self) -> Any:
        return await self.call("deleteWebhook")

    async def get_webhook_info(self) -> WebhookInfo:
        return cast(WebhookInfo, dict(await self.call("getWebhookInfo") or {}))

    async def send_message(self, chat_id: str, text: str) -> list[SentMessage]:
        """Texts over 2,000 characters go as several messages, split on line boundaries.
        Not retried here: the delivery worker retries a failed send."""
        return [
            await self.call("sendMessage", {"chat_id": chat_id, "text": part}, retry=False)
            for part in split_text(text, TEXT_LIMIT)
        ]

    async def send_photo(self, chat_id: str, photo_url: str, caption: str = "") -> SentMessage:
        payload = {"chat_id": chat_id, "photo": photo_url}
        if caption:
            payload["caption"] = caption[:TEXT_LIMIT]
        return cast(SentMessage, await self.call("sendPhoto", payload, retry=False) or {})

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> Any:
        return await self.call("sendChatAction", {"chat_id": chat_id, "action": action})


def _retryable(err: ZaloError) -> bool:
    """Transient, and not a rate limit (raised at once: its wait is the caller's)."""
    return err.transient and not err.rate_limited


def _int(value: object) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 0


def _retry_after(body: dict[str, Any], response: httpx.Response) -> float | None:
    """A rate limit's wait, from the body's `parameters` or the Retry-After header."""
    params = body.get("parameters")
    value = params.get("retry_after") if isinstance(params, dict) else None
    seconds = _int(value or response.headers.get("Retry-After"))
    return float(seconds) if seconds > 0 else None


def delivery_error(err: ZaloError) -> Exception:
    """What the delivery worker makes of a Zalo failure: a rate limit waits once (its own
    wait or a default), a transient error backs off, anything else is permanent."""
    if err.rate_limited:
        return RetryAfter(err.retry_after or DEFAULT_RETRY_AFTER)
    if err.transient:
        return TransientError(str(err))
    return PermanentError(str(err))
