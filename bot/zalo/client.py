"""A small client for the Zalo Bot API: `POST {base}/bot{token}/{method}` with JSON.

Every answer is an envelope `{ok, result, error_code, description}`: results come back as
plain dicts, failures as one `ZaloError` carrying the code and description. Network errors
and 5xx are retried with backoff; the token never appears in an error or a log line.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from typing import Any, TypedDict, cast

import httpx

from bot.render import split_text

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


class ZaloError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(f"Zalo error {code}: {description}")
        self.code, self.description = code, description

    @property
    def transient(self) -> bool:
        return self.code >= 500 or self.code in (0, 429)


@dataclass(frozen=True)
class ClientSettings:
    base_url: str = "https://bot-api.zaloplatforms.com"
    timeout: float = 10.0  # seconds, per request (long polls add their own wait)
    retries: int = 3
    backoff: float = 0.5  # seconds; doubles with each retry


class ZaloBotClient:
    def __init__(
        self,
        token: str,
        settings: ClientSettings | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings or ClientSettings()
        self._token = token
        self._http = httpx.AsyncClient(transport=transport, timeout=self.settings.timeout)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def call(
        self, method: str, payload: dict[str, Any] | None = None, *, wait: float = 0
    ) -> Any:
        url = f"{self.settings.base_url.rstrip('/')}/bot{self._token}/{method}"
        for attempt in range(self.settings.retries + 1):
            try:
                response = await self._http.post(
                    url, json=payload or {}, timeout=self.settings.timeout + wait
                )
                return self._unwrap(response)
            except (httpx.TransportError, ZaloError) as err:
                if (
                    isinstance(err, ZaloError) and not err.transient
                ) or attempt == self.settings.retries:
                    raise self._scrub(err) from None
                delay = self.settings.backoff * 2**attempt * random.uniform(0.8, 1.2)
                log.warning(
                    "Zalo %s failed (%s); retry in %.1fs", method, type(err).__name__, delay
                )
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    def _unwrap(self, response: httpx.Response) -> Any:
        try:
            body = response.json()
        except ValueError:
            raise ZaloError(
                response.status_code, f"not JSON (HTTP {response.status_code})"
            ) from None
        if not isinstance(body, dict):
            raise ZaloError(response.status_code, "unexpected answer")
        if response.status_code >= 500 or not body.get("ok"):
            code = int(body.get("error_code") or response.status_code)
            raise ZaloError(code, str(body.get("description") or "unknown error"))
        return body.get("result")

    def _scrub(self, err: Exception) -> Exception:
        if isinstance(err, ZaloError):
            return err
        return ZaloError(0, f"{type(err).__name__}: {str(err).replace(self._token, '***')}")

    async def get_me(self) -> BotInfo:
        return cast(BotInfo, dict(await self.call("getMe") or {}))

    async def get_updates(self, timeout: int = 30) -> list[dict[str, Any]]:
        """Long poll. The documented result is one update; a list is accepted too."""
        result = await self.call("getUpdates", {"timeout": str(timeout)}, wait=timeout)
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
        """Texts over 2,000 characters go as several messages, split on line boundaries."""
        return [
            await self.call("sendMessage", {"chat_id": chat_id, "text": part})
            for part in split_text(text, TEXT_LIMIT)
        ]

    async def send_photo(self, chat_id: str, photo_url: str, caption: str = "") -> SentMessage:
        payload = {"chat_id": chat_id, "photo": photo_url}
        if caption:
            payload["caption"] = caption[:TEXT_LIMIT]
        return cast(SentMessage, await self.call("sendPhoto", payload) or {})

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> Any:
        return await self.call("sendChatAction", {"chat_id": chat_id, "action": action})
