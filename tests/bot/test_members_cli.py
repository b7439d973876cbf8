"""`cnsbot members list|lock|unlock|role` on the demo commune: dry runs keep nothing, every
change is audited."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from bot import compose
from bot.cli.app import app
from bot.settings import Settings
from storage.db import Database
from storage.models import AuditLog, Member, Role
from tests import built_once as built
from tests.built_once import BuiltOnce

runner = CliRunner()


@pytest.fixture(autouse=True)
def demo(database_url: str, monkeypatch: pytest.MonkeyPatch, built_once: BuiltOnce | None) -> None:
    if built_once is not None:  # SQLite: a copy of the demo made once for the session
        built_once.copy(built.demo, database_url)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")

    async def seed() -> None:  # on the copy: migrated and seeded already, nothing to do
        runtime = await compose.build(Settings(), demo=True)
        await runtime.db.dispose()

    asyncio.run(seed())


def cli(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def state(database_url: str, name: str) -> tuple[Member, list[str]]:
    async def read() -> tuple[Member, list[str]]:
        db = Database(database_url)
        try:
            async with db.transaction() as store:
                member = next(m for m in await store.members.all() if m.name == name)
                stmt = select(AuditLog).order_by(col(AuditLog.id))
                audit = [f"{a.action} {a.detail}" for a in (await store.session.exec(stmt)).all()]
                await store.commit()
            return member, audit
        finally:
            await db.dispose()

    return asyncio.run(read())


def test_list_shows_ids_units_roles_and_status(database_url: str) -> None:
    an, _ = state(database_url, "Nguyễn Văn An")
    listing = cli("members", "list", "--unit", "16012")
    assert "Nguyễn Văn An" in listing and "commune_leader" in listing and "active" in listing
    assert str(an.id) in listing
    assert runner.invoke(app, ["members", "list", "--unit", "NOPE"]).exit_code != 0


def test_lock_and_unlock_with_a_dry_run_first(database_url: str) -> None:
    an, _ = state(database_url, "Nguyễn Văn An")
    assert "nothing changed" in cli("members", "lock", str(an.id), "--dry-run")
    assert state(database_url, an.name)[0].active
    assert "Locked" in cli("members", "lock", str(an.id))
    member, audit = state(database_url, an.name)
    assert not member.active and audit[-1] == f"deactivate {an.id} {an.name} (cli)"
    assert "locked" in cli("members", "list")
    assert "already locked" in cli("members", "lock", str(an.id))
    assert "Unlocked" in cli("members", "unlock", str(an.id))
    member, audit = state(database_url, an.name)
    assert member.active and audit[-1].startswith("reactivate")
    assert runner.invoke(app, ["members", "lock", "9999"]).exit_code != 0


def test_role_accepts_english_and_vietnamese_names(database_url: str) -> None:
    an, _ = state(database_url, "Nguyễn Văn An")
    assert "nothing changed" in cli("members", "role", str(an.id), "village_lead", "--dry-run")
    assert state(database_url, an.name)[0].role is Role.member
    assert "member -> village_lead" in cli("members", "role", str(an.id), "tổ trưởng thôn")
    member, audit = state(database_url, an.name)
    assert member.role is Role.village_lead
    assert audit[-1] == f"role {an.id} member -> village_lead (cli)"
    bad = runner.invoke(app, ["members", "role", str(an.id), "king"])
    assert bad.exit_code != 0 and "unknown role" in bad.output
