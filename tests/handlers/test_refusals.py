"""A refusal keeps the update's key and its answer and nothing the handler wrote before it
refused (the handler's transaction is rolled back whole; the key and the answer are
written in a second one)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import col, select

from handlers import texts_report
from handlers.app import Handlers
from handlers.context import UserError
from handlers.types import Incoming
from storage.db import Database
from storage.models import AuditLog, OutboxMessage
from storage.store import Store
from tests.conftest import FixedClock, World

REFUSED = "Từ chối sau khi đã ghi"


def message(text: str, key: str) -> Incoming:
    return Incoming(key=key, platform="test", chat_id="an", user_id="an", text=text)


async def _written(db: Database) -> tuple[int, list[str], list[str]]:
    async with db.reading() as store:
        vneid = (await store.entries.totals(date(2026, 11, 1), date(2026, 11, 30))).get("vneid", 0)
        audit = (await store.session.exec(select(AuditLog.action))).all()
        stmt = select(OutboxMessage.html).order_by(col(OutboxMessage.id))
        return vneid, list(audit), list((await store.session.exec(stmt)).all())


def _refuse_after_writing(*_args: object, **_kwargs: object) -> str:
    raise UserError(REFUSED)  # the entries, roll-up and audit row are written by now


async def test_a_refusal_after_writes_keeps_the_key_and_its_answer_only(
    db: Database, clock: FixedClock, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    handlers = Handlers(db, clock=clock)
    with monkeypatch.context() as patched:
        patched.setattr(texts_report, "report_saved", _refuse_after_writing)
        outcome = await handlers.handle(message("vneid 5", "test:r1"))
    assert outcome.refused and [r.html for r in outcome.replies] == [REFUSED]
    assert [row.html for row in outcome.queued] == [REFUSED]
    assert await _written(db) == (0, [], [REFUSED])
    again = await handlers.handle(message("vneid 5", "test:r1"))  # the same update again
    assert again.duplicate and again.queued == [] and await _written(db) == (0, [], [REFUSED])


async def test_a_refusal_whose_key_was_claimed_meanwhile_leaves_that_answer(
    db: Database, clock: FixedClock, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between the rolled-back transaction and the one that keeps the refusal, another
    delivery of the same update took the key: its answer stands, no second one is queued."""
    claims = iter([True, False])

    async def claim(_store: Store, _key: str) -> bool:
        return next(claims)

    monkeypatch.setattr(Store, "claim_update", claim)
    outcome = await Handlers(db, clock=clock).handle(message("vnied 5", "test:r2"))
    assert outcome.duplicate and outcome.queued == [] and not outcome.refused
    assert await _written(db) == (0, [], [])
