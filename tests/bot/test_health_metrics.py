"""What a server team asks of a running bot: /healthz, /readyz, /metrics, JSON log lines."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import text

from bot import metrics
from bot.delivery.worker import RetryAfter
from bot.logjson import JsonLines
from bot.logsafe import RedactSecrets
from bot.web.health import health_routes
from handlers.types import Incoming, Rules
from storage import migrate
from storage.db import Database
from storage.leader import Leadership
from storage.models import OutboxMessage
from tests import databases
from tests.conftest import NOW, FixedClock, World


@pytest.fixture
async def client(db: Database) -> AsyncIterator[TestClient]:
    app = web.Application()
    health_routes(app, db)
    async with TestClient(TestServer(app, host="127.0.0.1")) as test_client:
        yield test_client


def _sample(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.mark.slow  # serves the health routes on 127.0.0.1
async def test_alive_and_ready_on_a_migrated_database(client: TestClient, db: Database) -> None:
    assert (await client.get("/healthz")).status == 200
    leadership = Leadership(db)
    assert await leadership.ensure()  # (on SQLite the one process always leads)
    try:
        response = await client.get("/readyz")
        body = await response.json()
    finally:
        await leadership.release()
    assert response.status == 200, body
    assert body == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "scheduler": "ok"},
    }


@pytest.mark.slow  # serves the health routes on 127.0.0.1
async def test_not_ready_when_the_schema_is_behind(client: TestClient, db: Database) -> None:
    async with db.transaction() as store:
        await store.session.exec(text("UPDATE alembic_version SET version_num = '0001'"))
        await store.commit()
    try:
        response = await client.get("/readyz")
        body = await response.json()
    finally:  # (PostgreSQL test databases are reused by the next test)
        async with db.transaction() as store:
            await store.session.exec(
                text(f"UPDATE alembic_version SET version_num = '{migrate.head()}'")
            )
            await store.commit()
    assert response.status == 503
    assert body["checks"]["migrations"] == f"at 0001, head is {migrate.head()}"


@pytest.mark.slow  # serves the health routes on 127.0.0.1
async def test_not_ready_when_the_database_is_unreachable() -> None:
    gone = Database("postgresql://nobody:nothing@127.0.0.1:1/none")  # nothing listens there
    app = web.Application()
    health_routes(app, gone)
    async with TestClient(TestServer(app, host="127.0.0.1")) as test_client:
        assert (await test_client.get("/healthz")).status == 200  # alive, though not ready
        response = await test_client.get("/readyz")
        body = await response.json()
        assert response.status == 503
        assert body["checks"]["database"].startswith("unreachable")
        # Metrics still serve what the process counted, without the database's part.
        assert (await test_client.get("/metrics")).status == 200
    await gone.dispose()


@pytest.mark.slow
@pytest.mark.skipif(not databases.ON_POSTGRES, reason="the schedule's lock is PostgreSQL's")
async def test_ready_only_while_some_process_holds_the_schedule(
    client: TestClient, db: Database
) -> None:
    assert (await client.get("/readyz")).status == 503
    leadership = Leadership(db)
    assert await leadership.ensure()
    try:
        held = await client.get("/readyz")
        assert held.status == 200, await held.text()
    finally:
        await leadership.release()
    body = await (await client.get("/readyz")).json()
    assert body["checks"]["scheduler"] == "no process holds it"


def _incoming(text_: str, n: int, user: str = "an") -> Incoming:
    return Incoming(
        key=f"metrics:{n}", platform="test", chat_id=user, user_id=user, text=text_,
        display_name=user, message_id=str(n), bot_username="CnsBot",
    )  # fmt: skip


@pytest.mark.slow  # serves the health routes on 127.0.0.1
async def test_updates_are_counted_by_kind_and_result(
    client: TestClient, db: Database, clock: FixedClock, world: World
) -> None:
    handlers = metrics.MeteredHandlers(db, clock=clock, rules=Rules())
    before = {
        key: _sample("cnsbot_updates_total", platform="test", kind=kind, result=result)
        for key, (kind, result) in {
            "report": ("report", "handled"),
            "dup": ("report", "duplicate"),
            "refused": ("huy", "refused"),
            "other": ("other", "handled"),
        }.items()
    }
    timed = _sample("cnsbot_update_handling_seconds_count", platform="test")
    report = _incoming("vneid 3", 9001)
    assert not (await handlers.handle(report)).refused
    assert (await handlers.handle(report)).duplicate  # the same update again
    refused = await handlers.handle(_incoming("/huy ZZZZZZ", 9002))
    assert refused.refused and refused.kind == "huy"
    await handlers.handle(_incoming("/khonglenhnay", 9003))
    after = {
        "report": _sample("cnsbot_updates_total", platform="test", kind="report", result="handled"),
        "dup": _sample("cnsbot_updates_total", platform="test", kind="report", result="duplicate"),
        "refused": _sample("cnsbot_updates_total", platform="test", kind="huy", result="refused"),
        "other": _sample("cnsbot_updates_total", platform="test", kind="other", result="handled"),
    }
    assert {k: after[k] - before[k] for k in after} == {
        "report": 1, "dup": 1, "refused": 1, "other": 1,
    }  # fmt: skip
    assert _sample("cnsbot_update_handling_seconds_count", platform="test") - timed == 4
    page = await (await client.get("/metrics")).text()
    assert 'cnsbot_updates_total{kind="report",platform="test",result="handled"}' in page
    assert "cnsbot_update_handling_seconds_bucket" in page


@pytest.mark.slow  # serves the health routes on 127.0.0.1
async def test_outbox_depth_age_and_dead_letters_come_from_the_database(
    client: TestClient, db: Database
) -> None:
    async with db.transaction() as store:
        for n, status in enumerate(["pending", "pending", "sending", "dead", "sent"]):
            store.session.add(
                OutboxMessage(
                    key=f"m:{n}",
                    kind="broadcast",
                    platform="test",
                    chat_id="c",
                    html="x",
                    status=status,
                    not_before=NOW - timedelta(minutes=10 - n),
                )
            )
        await store.commit()
    async with db.reading() as store:
        depth, oldest = await store.outbox.depth(NOW)
    assert depth == {"pending": 2, "sending": 1, "dead": 1}
    assert oldest == 600.0  # the first pending one became due ten minutes before NOW
    page = await (await client.get("/metrics")).text()
    assert 'cnsbot_outbox_depth{status="pending"} 2.0' in page
    assert "cnsbot_outbox_dead_letters 1.0" in page
    assert "cnsbot_outbox_oldest_pending_seconds" in page


class _Flaky:
    platform = "fake"

    def __init__(self) -> None:
        self.calls = 0

    async def send(self, message: OutboxMessage) -> None:
        self.calls += 1
        if self.calls == 2:
            raise RetryAfter(3)


async def test_sends_and_429s_are_counted_per_platform() -> None:
    channel = _Flaky()
    metered = metrics.count_sends(channel)  # type: ignore[arg-type]
    assert metered is channel  # the same object: its type still speaks for it
    sent = _sample("cnsbot_sends_total", platform="fake", result="sent")
    throttled = _sample("cnsbot_platform_429_total", platform="fake")
    row = OutboxMessage(key="k", kind="reply", platform="fake", chat_id="c", html="x")
    await metered.send(row)
    with pytest.raises(RetryAfter):
        await metered.send(row)
    await metered.send(row)
    assert _sample("cnsbot_sends_total", platform="fake", result="sent") - sent == 2
    assert _sample("cnsbot_platform_429_total", platform="fake") - throttled == 1


async def test_scheduler_runs_are_counted() -> None:
    runs = iter([["reminder:2026-11:T1", "tally:2026-W47"], []])

    async def tick() -> list[str]:
        return next(runs)

    before = (
        _sample("cnsbot_scheduler_runs_total", result="events"),
        _sample("cnsbot_scheduler_runs_total", result="idle"),
        _sample("cnsbot_scheduled_events_total"),
    )

    def runs_counted() -> float:
        return sum(_sample("cnsbot_scheduler_runs_total", result=r) for r in ("events", "idle"))

    scheduler = AsyncIOScheduler()
    metrics.watch_scheduler(scheduler)
    scheduler.start()
    try:
        for run in range(1, 3):  # each job counted before the next is added
            scheduler.add_job(tick)
            for _ in range(400):  # at most 2 s; the run is counted within a few ms
                if runs_counted() - sum(before[:2]) >= run:
                    break
                await asyncio.sleep(0.005)
    finally:
        scheduler.shutdown(wait=False)
    after = (
        _sample("cnsbot_scheduler_runs_total", result="events"),
        _sample("cnsbot_scheduler_runs_total", result="idle"),
        _sample("cnsbot_scheduled_events_total"),
    )
    assert tuple(a - b for a, b in zip(after, before, strict=True)) == (1, 1, 2)


def test_json_log_lines_are_scrubbed_objects() -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RedactSecrets(["123456:SECRET-token"]))
    handler.setFormatter(JsonLines())
    log = logging.getLogger("cnsbot.test.json")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("calling %s failed", "https://api/bot123456:SECRET-token/send")
        try:
            raise ValueError("bad 123456:SECRET-token")
        except ValueError:
            log.exception("with a traceback, thôn Đông")
    finally:
        log.removeHandler(handler)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["level"] for line in lines] == ["WARNING", "ERROR"]
    assert "SECRET" not in out.getvalue()
    assert lines[0]["message"].startswith("calling https://api/bot")
    assert lines[1]["message"] == "with a traceback, thôn Đông"  # readable, not \\u escapes
    assert "ValueError" in lines[1]["exception"]
