"""What a load balancer and Prometheus ask: `/healthz` (the process answers), `/readyz`
(it can do its work: the database answers, its schema is at the newest migration, some
process holds the schedule's lock) and `/metrics` (the official client's text format)."""

from __future__ import annotations

import logging

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot import metrics
from storage import leader, migrate
from storage.db import Database

log = logging.getLogger(__name__)


def health_routes(app: web.Application, db: Database) -> None:
    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(_request: web.Request) -> web.Response:
        checks: dict[str, str] = {}
        try:
            async with db.reading() as store:
                current = await store.schema_version()
            checks["database"] = "ok"
            head = migrate.head()
            checks["migrations"] = "ok" if current == head else f"at {current}, head is {head}"
            checks["scheduler"] = "ok" if await leader.is_held(db) else "no process holds it"
        except Exception as err:  # the database is down or refuses us
            log.warning("readiness: the database did not answer: %s", type(err).__name__)
            checks.setdefault("database", f"unreachable ({type(err).__name__})")
        ready = all(v == "ok" for v in checks.values()) and len(checks) == 3
        return web.json_response(
            {"status": "ready" if ready else "not ready", "checks": checks},
            status=200 if ready else 503,
        )

    async def scrape(_request: web.Request) -> web.Response:
        try:
            await metrics.read_outbox(db)
        except Exception as err:  # still serve what the process counted itself
            log.warning("metrics: the outbox could not be read: %s", type(err).__name__)
        body = generate_latest(metrics.REGISTRY)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", scrape)
