"""The composition root: settings -> database, handlers and channels. Nothing at import time."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import typer

from bot.logjson import JsonLines
from bot.metrics import MeteredHandlers
from bot.settings import Settings
from handlers.app import Handlers
from handlers.types import Clock
from reminders.calendar import WorkingDays, vn_today
from reminders.due import Planner
from storage import migrate
from storage.db import Database
from storage.retry import RetryPolicy
from storage.seed import is_demo_database, seed_demo_if_pristine, seed_indicators
from storage.store import Store

T = TypeVar("T")

log = logging.getLogger(__name__)


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Retries:
    """The shipped retry policies, one per concern, each applied at one layer only."""

    database: RetryPolicy  # an update's transaction on a busy database: the handlers
    platform: RetryPolicy  # Telegram getUpdates and dispatching; Zalo one-off calls
    zalo_polling: RetryPolicy  # the waits between failing Zalo getUpdates
    delivery: RetryPolicy  # an outbox row whose send failed: the delivery worker


def retries(settings: Settings) -> Retries:
    """Busy database: about 0.1, 0.3, 0.9 s; a platform: 1, 2, 4 ... s up to 30 s; an outbox
    row: 2, 4, 8 ... s up to 10 minutes. All jittered by up to 20 %."""
    platform = RetryPolicy(attempts=settings.platform_attempts, base=1.0, factor=2.0, cap=30.0)
    return Retries(
        database=RetryPolicy(attempts=settings.database_attempts, base=0.1, factor=3.0, cap=2.0),
        platform=platform,
        zalo_polling=replace(platform, base=2.0),
        delivery=RetryPolicy(
            attempts=settings.delivery_max_attempts, base=2.0, factor=2.0, cap=600.0
        ),
    )


@dataclass
class Runtime:
    settings: Settings
    db: Database
    handlers: Handlers
    clock: Clock
    retries: Retries


async def build(settings: Settings, *, clock: Clock = system_clock, demo: bool = False) -> Runtime:
    """Open the database, migrate it, seed indicators (and the demo commune: only into a
    database nothing else has used, never in production)."""
    db = Database(settings.database_url)
    await migrate.upgrade(db)
    now = clock()
    async with db.transaction() as store:
        await seed_indicators(store)
        if demo and settings.environment != "production":
            codes = await seed_demo_if_pristine(store, today=vn_today(now), now=now)
            if codes:
                log.info("seeded the demo commune; invite codes: %s", codes)
            elif not await is_demo_database(store):
                log.warning("this database holds data of its own: the demo is not seeded")
        await store.commit()
    policies = retries(settings)
    handlers = MeteredHandlers(db, clock=clock, rules=settings.rules, retry=policies.database)
    return Runtime(settings=settings, db=db, handlers=handlers, clock=clock, retries=policies)


def setup_logging(level: str, form: str = "text") -> None:
    """Plain lines for a person, or one JSON object per line (`LOG_FORMAT=json`) for a
    log shipper."""
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if form == "json":
        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonLines())
    # The schedule ticks every minute: its "executed successfully" lines would bury the
    # console chat and the server's log. Its warnings and errors still show (all, on DEBUG).
    if logging.getLogger().level > logging.DEBUG:
        logging.getLogger("apscheduler").setLevel(logging.WARNING)


class DatabaseNotReady(Exception):
    """The database is not at this code's schema: only `run` and `db upgrade` migrate."""


async def require_schema(db: Database) -> None:
    """Refuse a database that is empty, behind or ahead of this code's migrations."""
    revision, newest = await migrate.current(db), migrate.head()
    if revision == newest:
        return
    if revision is None:
        problem = "has no schema yet"
    elif migrate.is_known(revision):
        problem = f"is at schema revision {revision}, behind this version's {newest}"
    else:
        raise DatabaseNotReady(
            f"The database is at schema revision {revision}, which this version of cnsbot "
            "does not know (made by a newer version?). Run the cnsbot that made it."
        )
    raise DatabaseNotReady(
        f"The database {problem}. Run `cnsbot db upgrade` first (or start the bot, "
        "which migrates it); this command never changes the schema."
    )


async def in_transaction(
    settings: Settings,
    work: Callable[[Store], Awaitable[T]],
    *,
    commit: bool = True,
    read_only: bool = False,
) -> T:
    """One CLI command = one transaction, on a database already migrated (it is refused
    otherwise: `DatabaseNotReady`). Kept only when `commit` (a dry run passes False: what it
    wrote is rolled back); `read_only` work reads a snapshot and writes nothing at all."""
    db = Database(settings.database_url)
    try:
        try:
            await require_schema(db)
        except DatabaseNotReady as refused:
            typer.echo(f"cnsbot: {refused}", err=True)
            raise typer.Exit(1) from None
        if read_only:
            async with db.reading() as store:
                return await work(store)
        async with db.transaction() as store:
            result = await work(store)
            if commit:
                await store.commit()
            return result
    finally:
        await db.dispose()


async def upgrade(settings: Settings, revision: str = "head") -> tuple[str | None, str | None]:
    """`cnsbot db upgrade`: migrate, then store the default indicators and lexicon where
    none are (what `build` does when the bot starts)."""
    db = Database(settings.database_url)
    try:
        before, after = await migrate.upgrade(db, revision)
        if after == migrate.head():
            async with db.transaction() as store:
                await seed_indicators(store)
                await store.commit()
        return before, after
    finally:
        await db.dispose()


def planner_of(settings: Settings) -> Planner:
    return Planner(
        schedule=settings.schedule,
        days=WorkingDays(),
        grace=timedelta(hours=settings.catch_up_hours),
        alerts=settings.alert_rules,
    )
