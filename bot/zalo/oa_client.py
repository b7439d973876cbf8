"""The Zalo OA API v3 client: tokens, replies and user names.

Access tokens are refreshed with the single-use refresh token, one refresh at a time: an
in-process lock, then a lease on the token row (a compare-and-swap, so two processes cannot
both spend the same refresh token). Whoever waits re-reads the row and uses the pair the
holder stored. The new pair is committed before the new access token is used. A token Zalo
rejects (-216 invalid, -220 expired or removed) is refreshed once and the call retried; a
refresh Zalo refuses is logged as an ERROR and the province admins are told (outbox).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from bot.render import split_text
from bot.zalo import texts
from bot.zalo.client import TEXT_LIMIT, ZaloError
from storage.db import Database, outside_transaction
from storage.models import OaToken, OutboxKind, Role, pk, utcnow

log = logging.getLogger(__name__)
REJECTED_TOKEN = frozenset({-216, -220})  # access token invalid; expired or removed
EARLY = timedelta(minutes=5)  # refresh this long before the stored expiry


@dataclass(frozen=True)
class OaSettings:
    api: str = "https://openapi.zalo.me"
    oauth: str = "https://oauth.zaloapp.com"
    lease: timedelta = timedelta(seconds=30)  # a refresh holder that died frees it after this
    names_for: timedelta = timedelta(hours=24)  # a user's name is asked again after this


class OaClient:
    def __init__(
        self,
        db: Database,
        app_id: str,
        secret_key: str,
        http: httpx.AsyncClient,
        clock: Callable[[], datetime] = utcnow,
        settings: OaSettings | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.db, self.app_id, self.secret_key, self.http = db, app_id, secret_key, http
        self.clock, self.sleep = clock, sleep
        self.settings = settings or OaSettings()
        self._refreshing = asyncio.Lock()
        self._names: dict[str, tuple[str, float]] = {}

    # --- tokens ---------------------------------------------------------------------------

    async def access_token(self) -> str:
        token = await self._stored()
        if self._fresh(token):
            return token.access_token
        return await self.renew(stale=token.access_token)

    async def renew(self, stale: str) -> str:
        """A new access token instead of `stale`: refreshed here, or by whoever held the
        refresh meanwhile (then theirs is used and nothing is spent twice)."""
        async with self._refreshing:
            deadline = time.monotonic() + self.settings.lease.total_seconds() * 2
            while True:
                token = await self._stored()
                if token.access_token != stale and self._fresh(token):
                    return token.access_token  # another holder refreshed
                if await self._lease(token):
                    break
                if time.monotonic() > deadline:
                    raise ZaloError(0, "the OA token refresh is held elsewhere for too long")
                await self.sleep(0.2)
            try:
                return await self.refresh(token.refresh_token)
            except BaseException:
                async with self.db.transaction() as store:
                    await store.oa_tokens.end_lease(self.app_id)
                    await store.commit()
                raise

    async def refresh(self, refresh_token: str) -> str:
        """Spend the refresh token; the new pair is committed before it is returned."""
        outside_transaction("Zalo OA token refresh")
        try:
            response = await self.http.post(
                f"{self.settings.oauth.rstrip('/')}/v4/oa/access_token",
                headers={"secret_key": self.secret_key},
                data={
                    "refresh_token": refresh_token,
                    "app_id": self.app_id,
                    "grant_type": "refresh_token",
                },
            )
            body = _json(response)
        except httpx.TransportError as failure:
            log.error("Zalo OA token refresh failed: %s", type(failure).__name__)
            raise ZaloError(0, f"token refresh: {type(failure).__name__}") from None
        if "access_token" not in body or "refresh_token" not in body:
            err = ZaloError(
                _int(body.get("error")) or response.status_code,
                str(body.get("error_description") or body.get("message") or "refresh failed"),
            )
            await self._refresh_failed(err)
            raise err
        expires = self.clock() + timedelta(seconds=_int(body.get("expires_in")) or 3600)
        async with self.db.transaction() as store:  # durable before it is used
            await store.oa_tokens.save(
                self.app_id, str(body["access_token"]), str(body["refresh_token"]), expires
            )
            await store.commit()
        log.info("Zalo OA access token refreshed")
        return str(body["access_token"])

    async def _stored(self) -> OaToken:
        async with self.db.reading() as store:
            token = await store.oa_tokens.get(self.app_id)
        if token is None:
            raise ZaloError(401, "no OA token: run `cnsbot zalo-oa-token` first")
        return token

    def _fresh(self, token: OaToken) -> bool:
        return bool(token.access_token) and token.expires_at > self.clock() + EARLY

    async def _lease(self, token: OaToken) -> bool:
        now = self.clock()
        async with self.db.transaction() as store:
            leased = await store.oa_tokens.lease_refresh(
                self.app_id, token.refresh_token, now, now + self.settings.lease
            )
            await store.commit()
            return leased

    async def _refresh_failed(self, err: ZaloError) -> None:
        """Loud: an ERROR line, and a message to every province admin (once a day)."""
        log.error("Zalo OA token refresh refused: %s. Give a new one: cnsbot zalo-oa-token", err)
        if err.transient:
            return
        try:
            await tell_admins(self.db, self.app_id, err.description, self.clock())
        except Exception:
            log.exception("could not queue the OA token alert for the admins")

    # --- calls ----------------------------------------------------------------------------

    async def call(
        self, method: str, path: str, *, payload: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """One OA API call; a rejected access token is refreshed once and the call retried."""
        token = await self.access_token()
        for attempt in (1, 2):
            body = await self._request(method, path, token, payload, params)
            code = _int(body.get("error"))
            if code in REJECTED_TOKEN and attempt == 1:
                log.warning("Zalo OA rejected the access token (%d); refreshing", code)
                token = await self.renew(stale=token)
                continue
            if code != 0:
                raise ZaloError(code, str(body.get("message") or "OA error"))
            return body
        raise AssertionError("unreachable")

    async def _request(
        self, method: str, path: str, token: str,
        payload: dict[str, Any] | None, params: dict[str, str] | None,
    ) -> dict[str, Any]:  # fmt: skip
        outside_transaction(f"Zalo OA {path}")
        url = f"{self.settings.api.rstrip('/')}{path}"
        try:
            response = await self.http.request(
                method, url, headers={"access_token": token}, json=payload, params=params
            )
        except httpx.TransportError as err:
            raise ZaloError(0, type(err).__name__) from None
        if response.status_code >= 500:
            raise ZaloError(response.status_code, "OA server error")
        return _json(response)

    async def send_text(self, user_id: str, text: str) -> dict[str, Any]:
        """Texts over 2,000 characters go as several messages, split on line boundaries."""
        data: dict[str, Any] = {}
        for part in split_text(text, TEXT_LIMIT):
            body = await self.call(
                "POST", "/v3.0/oa/message/cs",
                payload={"recipient": {"user_id": user_id}, "message": {"text": part}},
            )  # fmt: skip
            data = dict(body.get("data") or {})
        return data

    async def user_name(self, user_id: str) -> str:
        """The person's Zalo name (user detail), cached; a neutral name when Zalo says none."""
        cached = self._names.get(user_id)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        try:
            body = await self.call(
                "GET", "/v3.0/oa/user/detail", params={"data": json.dumps({"user_id": user_id})}
            )
            data = body.get("data") if isinstance(body.get("data"), dict) else {}
            name = str((data or {}).get("display_name") or "").strip()
        except ZaloError as err:
            log.warning("Zalo OA user detail failed: %s", err)
            name = ""
        if len(self._names) > 5000:
            self._names.clear()
        ttl = self.settings.names_for.total_seconds() if name else 600
        self._names[user_id] = (name or texts.OA_SOMEONE, time.monotonic() + ttl)
        return name or texts.OA_SOMEONE


async def tell_admins(db: Database, app_id: str, reason: str, now: datetime) -> int:
    """Queue the token alert to each province admin's private chat; how many were new."""
    queued = 0
    async with db.transaction() as store:
        admins = await store.members.with_roles([Role.province_admin])
        chats = await store.members.private_chats([pk(m) for m, _ in admins])
        for member_id, (platform, chat_id) in chats.items():
            queued += await store.outbox.enqueue(
                f"oa-token:{app_id}:{now.date()}:{member_id}", kind=OutboxKind.alert,
                platform=platform, chat_id=chat_id, html=texts.oa_token_failed(app_id, reason),
                recipient_id=member_id,
            )  # fmt: skip
        await store.commit()
    return queued


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise ZaloError(response.status_code, f"not JSON (HTTP {response.status_code})") from None
    if not isinstance(body, dict):
        raise ZaloError(response.status_code, "unexpected answer")
    return body


def _int(value: object) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 0
