"""The shape every webhook shares: check the secret header, read the JSON, process it, and
answer 500 when processing fails so the platform sends the update again."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)


def json_webhook(
    app: web.Application,
    path: str,
    header: str,
    secret: str,
    process: Callable[[dict[str, Any]], Awaitable[None]],
) -> None:
    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(header, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=401)
        try:
            update = await request.json()
        except ValueError:
            return web.Response(status=400)
        if not isinstance(update, dict):
            return web.Response(status=400)
        try:
            await process(update)
        except Exception:
            log.exception("webhook %s: update failed; the platform will send it again", path)
            return web.Response(status=500)
        return web.json_response({"ok": True})

    app.router.add_post(path, receive)
