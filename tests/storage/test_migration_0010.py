"""Migration 0010: the recipient of a notification is a column, filled in for the rows
queued before it from their keys (never parsed back from a key afterwards)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from storage import migrate
from storage.db import Database
from storage.models import BroadcastStatus, Level, OutboxKind, OutboxMessage, pk
from tests import databases

ROWS = {
    "reminder:2026-11:2026-11-13:42": 42,
    "escalation:2026-11:2026-11-18:7": 7,
    "deadline:2026-11:9": 9,
    "oa-token:app-1:2026-11-20:3": 3,
    "broadcast:5:telegram:777": None,  # a chat's, not a member's: the chat id is no member
    "tally:2026-W47:telegram:-100": None,
    "reply:tg:1:1": None,
}


@pytest.mark.skipif(databases.ON_POSTGRES, reason="a SQLite file at an older revision")
async def test_rows_queued_before_get_their_recipient_from_the_key(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        await migrate.upgrade(db, "0009")
        async with db.engine.begin() as conn:  # as that revision's table was: plain SQL
            for key in ROWS:
                kind = key.split(":")[0].replace("deadline", "escalation")
                kind = {"oa-token": "alert"}.get(kind, kind)
                await conn.execute(
                    text(
                        "INSERT INTO outbox (key, kind, platform, chat_id, is_group, html,"
                        " status, attempts, not_before, created_at, last_error) VALUES (:key,"
                        " :kind, 'telegram', '1', 0, 'x', 'dead', 6, '2026-11-20 00:00:00',"
                        " '2026-11-20 00:00:00', '')"
                    ),
                    {"key": key, "kind": kind},
                )
        await migrate.upgrade(db)
        assert await migrate.differences(db) == []
        async with db.reading() as store:
            rows = (await store.session.exec(select(OutboxMessage))).all()
        assert {r.key: r.recipient_id for r in rows} == ROWS
        assert {type(r.kind) for r in rows} == {OutboxKind}  # read back as members
    finally:
        await db.dispose()


async def test_closed_sets_are_stored_as_their_strings_and_read_back_as_members(
    db: Database,
) -> None:
    async with db.transaction() as store:
        unit = await store.units.add("X1", "Xã Một", Level.commune)
        author = await store.members.add("Lan", unit)
        draft = await store.broadcasts.draft(pk(author), pk(unit), "Họp tổ", ("test", "1"))
        assert draft.status is BroadcastStatus.draft
        draft.status = BroadcastStatus.done
        await store.commit()
    async with db.reading() as store:
        raw = await store.session.exec(text("SELECT status FROM broadcast"))  # type: ignore[call-overload]
        assert raw.scalar_one() == "done"  # the plain string in the database
        again = await store.broadcasts.get(pk(draft))
        assert again is not None and again.status is BroadcastStatus.done
