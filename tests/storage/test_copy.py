"""`cnsbot db copy`: a commune's SQLite database moved into another database (PostgreSQL
on the PostgreSQL run), every table and the update keys, checked by counts and sums."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli.app import app
from handlers.app import Handlers
from handlers.types import Incoming, Rules
from storage import migrate
from storage.copy import CopyRefused, compare, copy_database
from storage.db import Database
from storage.models import Entry, Level, OutboxMessage, Role, Unit
from storage.seed import seed_indicators
from tests.conftest import FixedClock


def _said(text: str, n: int, user: str) -> Incoming:
    return Incoming(
        key=f"tg:{n}", platform="test", chat_id=user, user_id=user, text=text,
        display_name=user, message_id=str(n), bot_username="CnsBot",
    )  # fmt: skip


async def _commune(path: Path, clock: FixedClock) -> Database:
    source = Database(f"sqlite:///{path}")
    await migrate.upgrade(source)
    async with source.transaction() as store:
        await seed_indicators(store)
        province = await store.units.add("38", "Thanh Hóa", Level.province)
        commune = await store.units.add("16012", "Xã Hoằng Kim", Level.commune, province)
        # A village added before its new parent: the parent's id is the higher one.
        moved = await store.units.add("16012-T9", "Thôn Đông", Level.village, commune)
        cluster = await store.units.add("16012-C", "Cụm 1", Level.district, commune)
        await store.units.update(moved, name=moved.name, level=moved.level, parent=cluster)
        t1 = await store.units.add("16012-T1", "Thôn 1", Level.village, commune)
        an = await store.members.add("Nguyễn Văn An", t1)
        await store.members.link(an, "test", "an", "An")
        binh = await store.members.add("Lê Thị Bình", commune, Role.commune_leader)
        await store.members.link(binh, "test", "binh", "Bình")
        await store.targets.set(t1.id or 0, "vneid", "2026-11", 100)
        await store.commit()
    handlers = Handlers(source, clock=clock, rules=Rules())
    for n, text in enumerate(["vneid 5 cks 2", "vneid 3", "/toi", "tt 4"], start=1):
        await handlers.handle(_said(text, n, "an"))
    await handlers.handle(_said("/tiendo", 10, "binh"))
    return source


async def test_everything_is_copied_and_checked(
    tmp_path: Path, database_url: str, clock: FixedClock
) -> None:
    source = await _commune(tmp_path / "commune.db", clock)
    target = Database(database_url)
    await migrate.upgrade(target)
    try:
        seen: dict[str, int] = {}
        report = await copy_database(source, target, progress=seen.__setitem__)
        assert report.agrees, [c for c in report.checks if not c.agrees]
        assert seen["entry"] == 4 and seen["processed_update"] == 5
        assert seen["outbox"] >= 5  # every reply went through the outbox
        async with target.reading() as store:
            units = {u.code: u for u in (await store.session.exec(select(Unit))).all()}
            entries = (await store.session.exec(select(Entry))).all()
            replies = (await store.session.exec(select(OutboxMessage))).all()
        assert units["16012-T9"].parent_id == units["16012-C"].id  # the link made after
        assert sorted(e.count for e in entries) == [2, 3, 4, 5]
        assert all(r.html for r in replies)
        # Life goes on on the target: the same update is recognised, new rows get new ids.
        moved = Handlers(target, clock=clock, rules=Rules())
        assert (await moved.handle(_said("vneid 3", 2, "an"))).duplicate
        assert not (await moved.handle(_said("vneid 7", 99, "an"))).duplicate
        async with target.reading() as store:
            ids = [e.id for e in (await store.session.exec(select(Entry))).all()]
        assert len(ids) == 5 and len(set(ids)) == 5
        # A copy into a database that holds rows is refused and changes nothing.
        with pytest.raises(CopyRefused, match="already holds rows"):
            await copy_database(source, target)
        again = await compare(source, target)
        assert not again.agrees  # (the target has one entry more now)
        assert {c.table for c in again.checks if not c.agrees} >= {"entry"}
    finally:
        await source.dispose()
        await target.dispose()


async def test_a_target_at_another_migration_is_refused(tmp_path: Path, clock: FixedClock) -> None:
    source = await _commune(tmp_path / "commune.db", clock)
    target = Database(f"sqlite:///{tmp_path / 'old.db'}")
    await migrate.upgrade(target, "0001")
    try:
        with pytest.raises(CopyRefused, match="run `cnsbot db upgrade`"):
            await copy_database(source, target)
    finally:
        await source.dispose()
        await target.dispose()


def test_the_command(tmp_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> None:
    async def made() -> None:
        await (await _commune(tmp_path / "commune.db", clock)).dispose()

    asyncio.run(made())
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'commune.db'}")
    target = f"sqlite:///{tmp_path / 'new.db'}"
    done = CliRunner().invoke(app, ["db", "copy", "--to", target])
    assert done.exit_code == 0, done.output
    assert "counts and sums agree" in done.output
    again = CliRunner().invoke(app, ["db", "copy", "--to", target])
    assert again.exit_code == 1 and "already holds rows" in again.output
