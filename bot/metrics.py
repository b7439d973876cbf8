"""Prometheus metrics with the official client: what a server team graphs and alerts on.

One registry for the process (`REGISTRY`), served at `/metrics` (bot/web/health.py). What
the process counts as it goes (updates, sends, scheduler runs) are counters here; what the
database knows (outbox depth and age, dead letters) is read when the page is asked for,
so every worker reports the same shared queue.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.schedulers.base import BaseScheduler
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from bot.delivery.worker import (
    Channel,
    PermanentError,
    RetryAfter,
    TransientError,
    Undeliverable,
)
from handlers import commands as cmd
from handlers import registry
from handlers.app import Handlers
from handlers.types import Incoming, Outcome
from storage.db import Database
from storage.models import OutboxMessage, utcnow

REGISTRY = CollectorRegistry(auto_describe=True)

UPDATES = Counter(
    "cnsbot_updates_total",
    "Updates handled, by platform, command kind and result (handled, refused, duplicate, error).",
    ["platform", "kind", "result"],
    registry=REGISTRY,
)
HANDLING = Histogram(
    "cnsbot_update_handling_seconds",
    "Time from an update's arrival at the handlers to its commit.",
    ["platform"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
SENDS = Counter(
    "cnsbot_sends_total",
    "Messages handed to a platform, by result (sent, throttled (429), transient, permanent, "
    "undeliverable).",
    ["platform", "result"],
    registry=REGISTRY,
)
THROTTLED = Counter(
    "cnsbot_platform_429_total",
    "Platform answers telling us to slow down (HTTP 429 / retry_after).",
    ["platform"],
    registry=REGISTRY,
)
SCHEDULER_RUNS = Counter(
    "cnsbot_scheduler_runs_total",
    "Runs of the schedule's tick in this process, by result (events, idle, error).",
    ["result"],
    registry=REGISTRY,
)
SCHEDULED_EVENTS = Counter(
    "cnsbot_scheduled_events_total",
    "Scheduled events (reminders, tallies, escalations) this process ran.",
    registry=REGISTRY,
)
OUTBOX_DEPTH = Gauge(
    "cnsbot_outbox_depth",
    "Outbox messages by status (read from the database when scraped).",
    ["status"],
    registry=REGISTRY,
)
OUTBOX_AGE = Gauge(
    "cnsbot_outbox_oldest_pending_seconds",
    "Age of the oldest message still waiting to be sent (0 when none).",
    registry=REGISTRY,
)
DEAD_LETTERS = Gauge(
    "cnsbot_outbox_dead_letters",
    "Outbox messages given up on (dead), waiting for `cnsbot outbox retry` or the web page.",
    registry=REGISTRY,
)

# Fixed label values: a typo'd /command must not make a new time series per user.
_SPECIAL = {
    cmd.BUTTON: "button",
    cmd.EDITED: "edited",
    cmd.JOINED: "joined",
    cmd.NOT_TEXT: "not_text",
}


def kind_label(name: str) -> str:
    if name in _SPECIAL:
        return _SPECIAL[name]
    if name in cmd.REPORT_COMMANDS or name == cmd.BARE_REPORT:
        return "report"
    if name in registry.BY_NAME:
        return registry.BY_NAME[name].name
    if not name:
        return "none"
    return "other"  # an indicator shortcut or an unknown command


class MeteredHandlers(Handlers):
    """The handlers, counting every update by kind and result and timing it."""

    async def handle(self, msg: Incoming) -> Outcome:
        started = time.perf_counter()
        try:
            outcome = await super().handle(msg)
        except Exception:
            UPDATES.labels(msg.platform, "unknown", "error").inc()
            raise
        finally:
            HANDLING.labels(msg.platform).observe(time.perf_counter() - started)
        if outcome.duplicate:
            result = "duplicate"
        elif outcome.refused:
            result = "refused"
        else:
            result = "handled"
        UPDATES.labels(msg.platform, kind_label(outcome.kind), result).inc()
        return outcome


def count_sends(channel: Channel) -> Channel:
    """Count each send of `channel` by result, keeping the channel itself (its type is
    what the delivery worker and the progress board look at)."""
    send: Callable[[OutboxMessage], Awaitable[None]] = channel.send
    platform = channel.platform

    async def metered(message: OutboxMessage) -> None:
        try:
            await send(message)
        except RetryAfter:
            SENDS.labels(platform, "throttled").inc()
            THROTTLED.labels(platform).inc()
            raise
        except PermanentError:
            SENDS.labels(platform, "permanent").inc()
            raise
        except Undeliverable:
            SENDS.labels(platform, "undeliverable").inc()
            raise
        except (TransientError, Exception):
            SENDS.labels(platform, "transient").inc()
            raise
        SENDS.labels(platform, "sent").inc()

    setattr(channel, "send", metered)  # noqa: B010 (an instance attribute over the method)
    return channel


def watch_scheduler(scheduler: BaseScheduler) -> None:
    """Count the schedule's runs from APScheduler's own events."""

    def listener(event: Any) -> None:
        if not isinstance(event, JobExecutionEvent):
            return
        if event.exception is not None:
            SCHEDULER_RUNS.labels("error").inc()
            return
        ran = event.retval or []
        SCHEDULER_RUNS.labels("events" if ran else "idle").inc()
        SCHEDULED_EVENTS.inc(len(ran))

    scheduler.add_listener(listener, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)


async def read_outbox(db: Database) -> None:
    """Set the outbox gauges from the database (called when /metrics is scraped)."""
    async with db.reading() as store:
        depth, oldest = await store.outbox.depth(utcnow())
    for status, count in depth.items():
        OUTBOX_DEPTH.labels(status).set(count)
    DEAD_LETTERS.set(depth.get("dead", 0))
    OUTBOX_AGE.set(oldest)
