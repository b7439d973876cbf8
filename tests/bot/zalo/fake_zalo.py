"""A small fake Zalo Bot API on 127.0.0.1 (one update per getUpdates, as documented)."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


class FakeZalo:
    def __init__(self) -> None:
        self.updates: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._ids = itertools.count(1)
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self.server = TestServer(app, host="127.0.0.1")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def push_text(self, user: str, text: str, name: str = "Chị Hoa") -> None:
        self.updates.put_nowait({
            "event_name": "message.text.received",
            "message": {
                "message_id": f"msg-{next(self._ids)}", "date": 1763700000, "text": text,
                "from": {"id": user, "display_name": name, "is_bot": False},
                "chat": {"id": user, "chat_type": "PRIVATE"},
            },
        })  # fmt: skip

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        body = await request.json() if request.can_read_body else {}
        self.calls.append((method, body))
        if method == "getUpdates":
            try:
                update = await asyncio.wait_for(
                    self.updates.get(), min(float(body.get("timeout", 1)), 1.0)
                )
            except TimeoutError:
                return web.json_response({"ok": True, "result": []})
            return web.json_response({"ok": True, "result": update})
        if method == "getMe":
            return web.json_response(
                {"ok": True, "result": {"id": "bot-1", "account_name": "cnsbot"}}
            )
        return web.json_response({"ok": True, "result": {"message_id": f"out-{next(self._ids)}"}})

    def texts(self, chat: str) -> list[str]:
        return [b["text"] for m, b in self.calls if m == "sendMessage" and b.get("chat_id") == chat]

    async def wait_text(self, chat: str, contains: str, timeout: float = 30) -> str:
        async with asyncio.timeout(timeout):
            while True:
                for text in self.texts(chat):
                    if contains in text:
                        return text
                await asyncio.sleep(0.05)
