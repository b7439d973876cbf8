"""A fake Zalo OA API v3 and OAuth v4 server on 127.0.0.1, written from Zalo's documentation.

- `POST /v4/oa/access_token` (form: refresh_token, app_id, grant_type=refresh_token; header
  `secret_key`): a new access token and a new refresh token; the refresh token used is spent
  (single-use). A spent or unknown one answers `{"error": -14014, ...}` with HTTP 200.
- `POST /v3.0/oa/message/cs` and `GET /v3.0/oa/user/detail?data={"user_id": ...}` take the
  `access_token` header and answer `{"error": 0, "message": "Success", "data": {...}}`;
  a bad access token is -216, an expired or removed one -220, a rate limit -32.
- The refresh takes a little time, as a real round trip does: two at once really overlap.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


class FakeOA:
    def __init__(self, app_id: str, app_secret: str, refresh_token: str = "r1") -> None:
        self.app_id, self.app_secret = app_id, app_secret
        self.refresh_tokens = {refresh_token}
        self.access_tokens: set[str] = set()
        self.names: dict[str, str] = {}
        self.refreshes = 0  # accepted
        self.refused: list[str] = []  # refresh tokens refused (spent or unknown)
        self.sent: list[tuple[str, str]] = []  # (user id, text)
        self.detail_calls = 0
        self.rate_limited = 0  # the next N message calls answer -32
        self.refresh_delay = 0.05
        self.rejection = -216  # what a token not (or no longer) accepted gets: -216 or -220
        self._serial = itertools.count(1)
        app = web.Application()
        app.router.add_post("/v4/oa/access_token", self._token)
        app.router.add_post("/v3.0/oa/message/cs", self._message)
        app.router.add_get("/v3.0/oa/user/detail", self._detail)
        self.server = TestServer(app, host="127.0.0.1")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def revoke_all(self) -> None:
        """Zalo no longer accepts the access tokens it gave (e.g. the OA admin re-linked)."""
        self.access_tokens.clear()

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        app_secret, app_id = request.headers.get("secret_key"), form.get("app_id")
        if (app_secret, app_id) != (self.app_secret, self.app_id):
            return web.json_response({"error": -14002, "error_description": "Invalid app"})
        given = str(form.get("refresh_token", ""))
        await asyncio.sleep(self.refresh_delay)
        if given not in self.refresh_tokens:
            self.refused.append(given)
            return web.json_response(
                {"error": -14014, "error_name": "Invalid refresh token",
                 "error_description": "refresh token invalid or used"}
            )  # fmt: skip
        self.refresh_tokens.discard(given)
        n = next(self._serial)
        self.refreshes += 1
        access, refresh = f"a{n}", f"r{n + 1}"
        self.access_tokens.add(access)
        self.refresh_tokens.add(refresh)
        return web.json_response(
            {"access_token": access, "refresh_token": refresh, "expires_in": "90000"}
        )

    def _refused_token(self, request: web.Request) -> web.Response | None:
        if request.headers.get("access_token") not in self.access_tokens:
            message = {-216: "Access token is invalid", -220: "Access token has expired"}
            return web.json_response({"error": self.rejection, "message": message[self.rejection]})
        return None

    async def _message(self, request: web.Request) -> web.Response:
        if (refused := self._refused_token(request)) is not None:
            return refused
        if self.rate_limited:
            self.rate_limited -= 1
            return web.json_response({"error": -32, "message": "Exceeded the rate limit"})
        body: dict[str, Any] = await request.json()
        text = str(body.get("message", {}).get("text", ""))
        if not 1 <= len(text) <= 2000:
            return web.json_response({"error": -201, "message": "Parameters are invalid"})
        user = str(body.get("recipient", {}).get("user_id", ""))
        self.sent.append((user, text))
        data = {"message_id": f"oa-msg-{len(self.sent)}", "user_id": user}
        return web.json_response({"error": 0, "message": "Success", "data": data})

    async def _detail(self, request: web.Request) -> web.Response:
        if (refused := self._refused_token(request)) is not None:
            return refused
        self.detail_calls += 1
        user = str(json.loads(request.query.get("data", "{}")).get("user_id", ""))
        if user not in self.names:
            return web.json_response({"error": -213, "message": "User has not followed OA"})
        data = {"user_id": user, "display_name": self.names[user], "user_is_follower": True}
        return web.json_response({"error": 0, "message": "Success", "data": data})

    def texts(self, user: str) -> list[str]:
        return [text for to, text in self.sent if to == user]

    async def wait_text(self, user: str, contains: str, timeout: float = 10) -> str:
        async with asyncio.timeout(timeout):
            while True:
                for text in self.texts(user):
                    if contains in text:
                        return text
                await asyncio.sleep(0.02)
