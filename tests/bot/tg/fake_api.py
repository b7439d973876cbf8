"""A small fake Telegram Bot API server on 127.0.0.1, for running the real bot process."""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.bot.tg.fakes import BOT_USER


class FakeBotAPI:
    def __init__(self, send_delay: float = 0.0) -> None:
        self.send_delay = send_delay  # seconds a send takes: the network, Telegram's work
        self.updates: list[dict[str, Any]] = []
        self.confirmed = 0  # as Telegram: updates below the last offset given are forgotten
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._ids = itertools.count(1)
        self._message_ids = itertools.count(9000)
        self._arrived = asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self.server = TestServer(app, host="127.0.0.1")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def push(self, update: dict[str, Any]) -> None:
        self.updates.append({**update, "update_id": next(self._ids)})
        self._arrived.set()

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: dict[str, Any] = dict(await request.post())
        # Recorded on arrival: a request that reached Telegram may be delivered even when
        # its answer never gets back to the bot.
        self.calls.append((method, params))
        result = await self._result(method, params)
        return web.json_response({"ok": True, "result": result})

    async def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "getUpdates":
            self.confirmed = max(self.confirmed, int(params.get("offset", 0) or 0))
            limit = int(params.get("limit", 100) or 100)
            timeout = min(float(params.get("timeout", 0) or 0), 1.0)
            pending = [u for u in self.updates if u["update_id"] >= self.confirmed]
            if not pending:
                self._arrived.clear()
                try:
                    await asyncio.wait_for(self._arrived.wait(), timeout)
                except TimeoutError:
                    return []
                pending = [u for u in self.updates if u["update_id"] >= self.confirmed]
            return pending[:limit]
        if method in ("sendMessage", "sendPhoto", "sendDocument"):
            await asyncio.sleep(self.send_delay)
            return {
                "message_id": next(self._message_ids), "date": 1763700000,
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "text": params.get("text", ""), "from": BOT_USER,
            }  # fmt: skip
        return True

    def sent(self, method: str) -> list[dict[str, Any]]:
        return [p for m, p in self.calls if m == method]

    async def wait_for(self, method: str, contains: str, timeout: float = 30) -> dict[str, Any]:
        """The first call of `method` whose text contains `contains`."""
        async with asyncio.timeout(timeout):
            while True:
                for params in self.sent(method):
                    if contains in json.dumps(params, ensure_ascii=False):
                        return params
                await asyncio.sleep(0.05)
