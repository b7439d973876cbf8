"""Charts served at unguessable, expiring links: GET /files/{token}.png."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from aiohttp import web

from storage.db import Database
from storage.models import utcnow

FILES_PATH = "/files/{token}.png"


def files_route(app: web.Application, db: Database) -> None:
    async def serve(request: web.Request) -> web.Response:
        async with db.reading() as store:  # no write lock for a download
            found = await store.public_files.get(request.match_info["token"], utcnow())
        if found is None:
            return web.Response(status=404)
        return web.Response(body=found.data, content_type="image/png")

    app.router.add_get(FILES_PATH, serve)


def publisher(
    db: Database, base_url: str, lifetime: timedelta
) -> Callable[[bytes, str], Awaitable[str]]:
    """Store a picture and return its public URL."""

    async def publish(data: bytes, name: str) -> str:
        async with db.transaction() as store:
            token = await store.public_files.put(data, name, utcnow() + lifetime)
            await store.commit()
        return f"{base_url.rstrip('/')}/files/{token}.png"

    return publish
