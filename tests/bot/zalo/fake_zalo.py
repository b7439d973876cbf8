"""A fake Zalo Bot API on 127.0.0.1, written from Zalo's documentation (not from our client).

- `POST /bot{token}/{method}` with JSON; every answer is the envelope
  `{"ok": true, "result": ...}` or `{"ok": false, "error_code": N, "description": "..."}`.
- `getUpdates` is a long poll: it holds up to `timeout` seconds and gives one update; when
  none comes it answers the documented 408 "Request timeout".
- The error table: 400 Bad request, 401 Unauthorized, 403 Internal server error,
  404 Not found, 408 Request timeout, 429 Quota exceeded. Failures can be scripted per method,
  on HTTP 200 (envelope only) or on the error's own status.
- `sendMessage` text is 1 to 2,000 characters.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

DESCRIPTIONS = {
    400: "Bad request", 401: "Unauthorized", 403: "Internal server error", 404: "Not found",
    408: "Request timeout", 429: "Quota exceeded",
}  # fmt: skip


@dataclass
class Failure:
    code: int
    times: int = 1
    status: int = 200  # the envelope on HTTP 200, or on the error's own status
    retry_after: int | None = None


class FakeZalo:
    def __init__(self, max_hold: float | None = None, idle_status: int = 200) -> None:
        self.updates: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.calls: list[tuple[str, dict[str, Any]]] = []  # every request
        self.delivered: list[dict[str, Any]] = []  # messages accepted
        self.failures: dict[str, list[Failure]] = {}
        self.max_hold, self.idle_status = max_hold, idle_status
        self.polls_open = 0
        self._ids = itertools.count(1)
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self.server = TestServer(app, host="127.0.0.1")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def fail(self, method: str, code: int, **how: Any) -> None:
        self.failures.setdefault(method, []).append(Failure(code, **how))

    def push_text(self, user: str, text: str, name: str = "Chị Hoa") -> None:
        self.updates.put_nowait({
            "event_name": "message.text.received",
            "message": {
                "message_id": f"msg-{next(self._ids)}", "date": 1763700000, "text": text,
                "from": {"id": user, "display_name": name, "is_bot": False},
                "chat": {"id": user, "chat_type": "PRIVATE"},
            },
        })  # fmt: skip

    def _error(self, code: int, status: int = 200, retry_after: int | None = None) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": code, "description": DESCRIPTIONS[code]}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        return web.json_response(body, status=status)

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        body = await request.json() if request.can_read_body else {}
        self.calls.append((method, body))
        scripted = self.failures.get(method)
        if scripted:
            failure = scripted[0]
            failure.times -= 1
            if failure.times <= 0:
                scripted.pop(0)
            return self._error(failure.code, failure.status, failure.retry_after)
        if method == "getUpdates":
            return await self._long_poll(float(body.get("timeout", 30)))
        if method == "getMe":
            return web.json_response(
                {"ok": True, "result": {"id": "bot-1", "account_name": "cnsbot"}}
            )
        if method == "sendMessage":
            if not 1 <= len(str(body.get("text", ""))) <= 2000:
                return self._error(400)
            self.delivered.append(body)
        return web.json_response({"ok": True, "result": {"message_id": f"out-{next(self._ids)}"}})

    async def _long_poll(self, timeout: float) -> web.Response:
        hold = timeout if self.max_hold is None else min(timeout, self.max_hold)
        self.polls_open += 1
        try:
            update = await asyncio.wait_for(self.updates.get(), hold)
        except TimeoutError:
            return self._error(408, self.idle_status)
        finally:
            self.polls_open -= 1
        return web.json_response({"ok": True, "result": update})

    def texts(self, chat: str) -> list[str]:
        return [b["text"] for b in self.delivered if b.get("chat_id") == chat]

    def count(self, method: str) -> int:
        return sum(1 for m, _ in self.calls if m == method)

    async def wait_text(self, chat: str, contains: str, timeout: float = 30) -> str:
        async with asyncio.timeout(timeout):
            while True:
                for text in self.texts(chat):
                    if contains in text:
                        return text
                await asyncio.sleep(0.05)
