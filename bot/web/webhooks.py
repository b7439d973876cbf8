"""The shape every webhook shares: check the secret header (as bytes, before anything else),
read the JSON, process it, and answer 500 when processing fails so the platform sends the
update again."""

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
    expected = secret.encode()
    name = header.lower().encode()

    async def receive(request: web.Request) -> web.Response:
        # Compared as the bytes that arrived, before the body is read: a header that is not
        # UTF-8, or sent twice, is simply not the secret.
        given = [value for key, value in request.raw_headers if key.lower() == name]
        if len(given) != 1 or not hmac.compare_digest(given[0], expected):
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
