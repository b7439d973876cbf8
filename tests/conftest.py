"""Shared fixtures: a real database per test (SQLite, or PostgreSQL when
`CNSBOT_TEST_POSTGRES` is set), a fixed clock, a chat driver."""

from __future__ import annotations

import asyncio
import copy
import itertools
import os
import re
import shutil
import socket
import subprocess
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import typer
import typer.testing
from hypothesis import settings

from handlers.app import Handlers
from handlers.types import Incoming, Kind, Reply, Rules
from storage.db import Database, strict_transaction_guard
from storage.models import Level, Role, pk
from storage.seed import seed_indicators
from tests import databases, properties
from tests.built_once import BuiltOnce
from tests.shared_sqlite import SharedSQLite

# CI runs the property tests on a fixed sequence of examples (a landed run can be re-run
# exactly); a developer's `make test` explores new ones each time, and the fast loop fewer
# of them (tests/properties.py).
settings.register_profile("ci", derandomize=True, print_blob=True)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads -n
def pytest_cmdline_main(config: pytest.Config) -> None:
    """The developer's fast loop, `pytest -m "not slow"`, runs on every core (xdist's
    `-n auto`) unless the command says how many (`-n 0`: one process)."""
    fast = re.search(r"\bnot\s+slow\b", config.getoption("markexpr", "") or "")
    xdist = config.pluginmanager.has_plugin("xdist") and not os.environ.get("PYTEST_XDIST_WORKER")
    if fast and xdist and config.getoption("numprocesses", None) is None:
        config.option.numprocesses = "auto"


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("hypothesis_profile", None):  # `--hypothesis-profile NAME` decides
        return
    if os.environ.get("CI") == "true":
        settings.load_profile("ci")
    elif re.search(r"\bnot\s+slow\b", config.getoption("markexpr", "") or ""):
        settings.load_profile(properties.FAST)


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
    """A test that starts a process (the bot, the CLI, a benchmark) or a server (an aiohttp
    test server, a fake Telegram or Zalo on 127.0.0.1) is marked slow: the fast loop
    (`pytest -m "not slow"`) stays fast. (PostgreSQL runs everything, pg_dump included.)"""
    if request.node.get_closest_marker("slow") or databases.ON_POSTGRES:
        return

    def refused(what: str) -> Callable[..., None]:
        def refuse(*args: object, **kwargs: object) -> None:
            raise AssertionError(f"{request.node.nodeid} starts {what}: mark it slow")

        return refuse

    monkeypatch.setattr(subprocess, "Popen", refused("a process"))
    monkeypatch.setattr(socket.socket, "listen", refused("a server"))


@pytest.fixture(scope="session", autouse=True)
def cli_commands_built_once() -> Iterator[None]:
    """typer's test runner builds the click command tree from every command's signature at
    each `invoke` (~20 ms for cnsbot's); the app does not change during a run: built once."""
    build = typer.testing._get_command
    built: dict[int, tuple[typer.Typer, Any]] = {}

    def once(app: typer.Typer) -> Any:
        if id(app) not in built:
            built[id(app)] = (app, build(app))  # the app kept: its id is never reused
        return built[id(app)][1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(typer.testing, "_get_command", once)
        yield


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


@pytest.fixture(scope="session")
def built_once(tmp_path_factory: pytest.TempPathFactory) -> BuiltOnce | None:
    """SQLite: the databases CLI tests start from, made once (tests/built_once.py)."""
    if databases.ON_POSTGRES:
        return None
    return BuiltOnce(tmp_path_factory.mktemp("built-once"))


@pytest.fixture(scope="session")
def shared_sqlite(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path | None
) -> Iterator[SharedSQLite | None]:
    """SQLite: the one database every test's `db` is, made anew for each (see
    tests/shared_sqlite.py)."""
    if sqlite_template is None:
        yield None
        return
    # On a tmpfs where the system has one: a WAL checkpoint on a disk waits for an fsync.
    in_memory = Path("/dev/shm")
    if in_memory.is_dir() and os.access(in_memory, os.W_OK):
        folder = Path(tempfile.mkdtemp(prefix="cnsbot-test-", dir=in_memory))
    else:
        folder = tmp_path_factory.mktemp("db")
    shared = SharedSQLite(folder, sqlite_template)
    try:
        yield shared
    finally:
        asyncio.run(shared.close())
        if folder.parent == in_memory:
            shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
async def db(
    database_url: str, sqlite_template: Path | None, shared_sqlite: SharedSQLite | None
) -> AsyncIterator[Database]:
    """This test's database with the schema and the default indicators."""
    if shared_sqlite is not None and sqlite_template is not None:
        yield await shared_sqlite.load(sqlite_template)
        await shared_sqlite.release()
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


async def build_world(db: Database, clock: FixedClock) -> World:
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


@pytest.fixture(scope="session")
def world_file(
    sqlite_template: Path | None, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, World] | None:
    """SQLite: the world built once, in a copy of the template, for `world` to copy."""
    if sqlite_template is None:
        return None
    path = tmp_path_factory.mktemp("world") / "world.db"
    shutil.copyfile(sqlite_template, path)

    async def build() -> World:
        db = Database(f"sqlite:///{path}")
        try:
            return await build_world(db, FixedClock())
        finally:
            await db.dispose()

    return path, asyncio.run(build())


@pytest.fixture
async def world(
    db: Database,
    clock: FixedClock,
    sqlite_template: Path | None,
    shared_sqlite: SharedSQLite | None,
    world_file: tuple[Path, World] | None,
) -> World:
    """The world in this test's `db`. On SQLite a copy of the one built for the session
    when nothing was written to `db` before and the clock is the usual one (building it
    costs ~6 ms a test); otherwise built here."""
    if (
        shared_sqlite is not None
        and sqlite_template is not None
        and world_file is not None
        and clock.now == NOW
        and shared_sqlite.holds(sqlite_template)
    ):
        path, built = world_file
        await shared_sqlite.load(path)
        return copy.deepcopy(built)
    return await build_world(db, clock)


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
