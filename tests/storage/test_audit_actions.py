"""The audit's actions are a closed set: written and read back as members, anything else
refused both ways, and each one named on the admin pages."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError

from handlers.texts_admin import action_name
from storage.db import Database
from storage.models import AuditAction, AuditLog

_UNKNOWN_ROW = text(
    "INSERT INTO audit_log (at, action, detail) VALUES (CURRENT_TIMESTAMP, 'made_up', '')"
)


async def test_an_action_is_stored_as_its_string_and_read_back_as_a_member(db: Database) -> None:
    async with db.transaction() as store:
        await store.audit(None, AuditAction.signoff_return, "X01 2026-11")
        await store.commit()
    async with db.reading() as store:
        stored = (await store.session.exec(text("SELECT action FROM audit_log"))).scalars().all()
        rows = (await store.session.exec(select(AuditLog))).scalars().all()
    assert stored == ["signoff-return"]
    assert [row.action for row in rows] == [AuditAction.signoff_return]
    assert isinstance(rows[0].action, AuditAction)


async def test_an_action_outside_the_set_is_refused_when_written(db: Database) -> None:
    with pytest.raises(StatementError, match="made_up"):
        async with db.transaction() as store:  # rolled back: the write is refused
            await store.audit(None, "made_up", "")  # type: ignore[arg-type]


async def test_an_action_outside_the_set_is_refused_when_read(db: Database) -> None:
    async with db.transaction() as store:
        await store.session.exec(_UNKNOWN_ROW)
        await store.commit()
    with pytest.raises(ValueError, match="made_up"):
        async with db.reading() as store:
            (await store.session.exec(select(AuditLog))).scalars().all()


def test_every_action_has_its_own_name_on_the_admin_pages() -> None:
    names = [action_name(action) for action in AuditAction]
    assert all(names) and len(set(names)) == len(names)
    assert all(len(action.value) <= 32 for action in AuditAction)
