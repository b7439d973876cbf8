"""Shared fixtures: a real database per test (SQLite, or PostgreSQL when
`CNSBOT_TEST_POSTGRES` is set), a fixed clock, a chat driver."""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import settings

from handlers.app import Handlers
from handlers.types import Incoming, Kind, Reply, Rules
from storage.db import Database, strict_transaction_guard
from storage.models import Level, Role, pk
from storage.seed import seed_indicators
from tests import databases

# CI runs the property tests on a fixed sequence of examples (a landed run can be re-run
# exactly); a developer's `make test` explores new ones each time.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")

# 2026-11-21 10:00 in Vietnam (UTC+7).
NOW = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)


@dataclass
class FixedClock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture(scope="session", autouse=True)
def no_platform_call_inside_a_transaction() -> Iterator[None]:
    """A channel's send or edit inside an open transaction raises in every test."""
    strict_transaction_guard(True)
    yield
    strict_transaction_guard(False)


@pytest.fixture(autouse=True)
def fast_tests_start_no_process(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A test that starts a process (the bot, the CLI, a benchmark) is marked slow: the
    fast loop (`pytest -m "not slow"`) stays fast. (PostgreSQL runs everything, pg_dump
    included.)"""
    if request.node.get_closest_marker("slow") or databases.ON_POSTGRES:
        return

    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"{request.node.nodeid} starts a process: mark it slow")

    monkeypatch.setattr(subprocess, "Popen", refused)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture(scope="session", autouse=True)
def postgres_template() -> Iterator[None]:
    if not databases.ON_POSTGRES:
        yield
        return
    databases.make_template()
    yield
    databases.drop_template()


@pytest.fixture
async def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, shared_sqlite: SharedSQLite | None
) -> str:
    """An empty database of this test's own, on the engine the suite runs on; for a test
    that also has `db`, that same database (SQLite: the session's file, see `db`)."""
    if shared_sqlite is not None and "db" in request.fixturenames:
        return shared_sqlite.url
    return await databases.new_database(tmp_path)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """SQLite: one file with the schema and the seeded indicators, made once per session;
    each test's `db` starts from a copy of it (creating every table and seeding them costs
    ~0.1 s a test)."""
    if databases.ON_POSTGRES:
        return None
    path = tmp_path_factory.mktemp("template") / "template.db"

    async def make() -> None:
        template = Database(f"sqlite:///{path}")
        await template.create_schema()
        async with template.transaction() as store:
            await seed_indicators(store)
            await store.commit()
        await template.dispose()  # the last connection closes: the WAL is folded in

    asyncio.run(make())
    return path


@dataclass
class SharedSQLite:
    """SQLite: the one `Database` (one file, one engine) every test's `db` is, its content
    made anew from a template before each test. A new engine per test would compile every
    statement again (SQLAlchemy caches compiled SQL per engine) and connect anew: ~20 ms a
    test, more than most tests take."""

    database: Database
    path: Path

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"


@pytest.fixture(scope="session")
def shared_sqlite(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path | None
) -> Iterator[SharedSQLite | None]:
    if sqlite_template is None:
        yield None
        return
    # In memory where the system has a tmpfs: closing the last connection checkpoints the
    # WAL, and on a disk its fsync alone costs more than many tests.
    in_memory = Path("/dev/shm")
    if in_memory.is_dir() and os.access(in_memory, os.W_OK):
        folder = Path(tempfile.mkdtemp(prefix="cnsbot-test-", dir=in_memory))
    else:
        folder = tmp_path_factory.mktemp("db")
    path = folder / "test.db"
    shutil.copyfile(sqlite_template, path)
    shared = SharedSQLite(Database(f"sqlite:///{path}"), path)
    try:
        yield shared
    finally:
        asyncio.run(shared.database.dispose())
        if folder.parent == in_memory:
            shutil.rmtree(folder, ignore_errors=True)


async def load_sqlite_copy(db: Database, source: Path) -> None:
    """Make the content of `db` (SQLite) an exact copy of the file `source`: schema, rows,
    ids to come (SQLite's backup API, page by page, through one of `db`'s own connections;
    its other connections see the new content at their next transaction). Refused, rather
    than waiting for ever, while a connection a test left open holds the write lock."""
    async with db.engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        (wait,) = raw.execute("PRAGMA busy_timeout").fetchone()
        raw.execute("PRAGMA busy_timeout = 1000")
        try:
            raw.execute("BEGIN IMMEDIATE")  # the backup would retry a held lock endlessly
            raw.execute("ROLLBACK")
        except sqlite3.OperationalError as error:
            raise RuntimeError(f"{db.url}: a connection left open holds it: {error}") from error
        finally:
            raw.execute(f"PRAGMA busy_timeout = {int(wait)}")
        source_conn = sqlite3.connect(source)
        try:
            source_conn.backup(raw)
        finally:
            source_conn.close()


@pytest.fixture
async def db(
    database_url: str, sqlite_template: Path | None, shared_sqlite: SharedSQLite | None
) -> AsyncIterator[Database]:
    """This test's database with the schema and the default indicators."""
    if shared_sqlite is not None and sqlite_template is not None:
        database = shared_sqlite.database
        await load_sqlite_copy(database, sqlite_template)
        yield database
        # Nothing of this test's connections carries over: the pool is made anew, and so
        # is the lock that serialises SQLite transactions (each test runs its own event
        # loop; an asyncio queue or lock is bound to the loop it first waited in).
        await database.dispose()
        if database._one_at_a_time is not None:
            database._one_at_a_time = asyncio.Lock()
        return
    database = Database(database_url)  # PostgreSQL's was made by the migrations
    async with database.transaction() as store:
        await seed_indicators(store)
        await store.commit()
    yield database
    await database.dispose()


@dataclass
class World:
    """A commune with two villages, a member in each, a leader, and invites."""

    commune_id: int
    village_ids: dict[str, int]
    invites: dict[str, str] = field(default_factory=dict)


@pytest.fixture
async def world(db: Database, clock: FixedClock) -> World:
    async with db.transaction() as store:
        province = await store.units.add("38", "Thanh Hóa", Level.province)
        commune = await store.units.add("16012", "Xã Hoằng Kim", Level.commune, province)
        t1 = await store.units.add("16012-T1", "Thôn 1", Level.village, commune)
        t2 = await store.units.add("16012-T2", "Thôn <2>", Level.village, commune)
        an = await store.members.add("Nguyễn Văn An", t1)
        await store.members.link(an, "test", "an", "An")
        cuc = await store.members.add("Trần Thị Cúc", t2)
        await store.members.link(cuc, "test", "cuc", "Cúc")
        binh = await store.members.add("Lê Thị Bình", commune, Role.commune_leader)
        await store.members.link(binh, "test", "binh", "Bình")
        await store.targets.set(pk(t1), "vneid", "2026-11", 100)
        await store.targets.set(pk(t1), "cks", "2026-11", 40)
        invite = await store.invites.create(
            pk(t1), Role.member, expires_at=clock() + timedelta(days=7), max_uses=2
        )
        await store.commit()
        return World(
            commune_id=pk(commune),
            village_ids={"T1": pk(t1), "T2": pk(t2)},
            invites={"T1": invite.code},
        )


_update_ids = itertools.count(1)


@dataclass
class Chat:
    """Drives the neutral handlers the way a channel adapter does."""

    handlers: Handlers

    async def send(
        self,
        text: str,
        *,
        user: str = "an",
        group: bool = False,
        kind: Kind = Kind.text,
        key: str | None = None,
        name: str = "",
    ) -> list[Reply]:
        msg = Incoming(
            key=key or f"test:{next(_update_ids)}",
            platform="test",
            chat_id="group-1" if group else user,
            user_id=user,
            text=text,
            kind=kind,
            is_group=group,
            display_name=name or user,
            message_id=str(next(_update_ids)),
            bot_username="CnsBot",
        )
        outcome = await self.handlers.handle(msg)
        if outcome.queued:  # delivered, as a channel would: the test reads the replies
            async with self.handlers.db.transaction() as store:
                await store.outbox.mark_sent_many([pk(r) for r in outcome.queued], NOW)
                await store.commit()
        return outcome.replies

    async def say(self, text: str, **kwargs: object) -> str:
        """The single reply's text (fails when there is not exactly one)."""
        return (await self.reply(text, **kwargs)).html

    async def reply(self, text: str, **kwargs: object) -> Reply:
        """The single reply, with its structured data (fails when there is not exactly one)."""
        replies = await self.send(text, **kwargs)  # type: ignore[arg-type]
        assert len(replies) == 1, replies
        return replies[0]


@pytest.fixture
def chat(db: Database, clock: FixedClock, world: World) -> Chat:
    return Chat(Handlers(db, clock=clock, rules=Rules(per_entry_cap=500, grace_days=5)))
