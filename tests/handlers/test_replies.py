"""A reply is stored with the update it answers, in the same transaction, under a key made
from the update's: nothing to send can be lost, and nothing can be queued twice."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.app import Handlers
from handlers.outgoing import reply_of
from handlers.types import Incoming, Kind
from storage.db import Database
from storage.models import OutboxStatus, pk
from storage.outbox import Outbox
from tests.conftest import FixedClock, World


def message(text: str, key: str, kind: Kind = Kind.text) -> Incoming:
    return Incoming(key=key, platform="test", chat_id="an", user_id="an", text=text, kind=kind)


async def vneid(db: Database) -> int:
    async with db.reading() as store:
        return (await store.entries.totals(date(2026, 11, 1), date(2026, 11, 30))).get("vneid", 0)


async def test_the_receipt_is_queued_with_the_report_for_the_caller_to_send(
    db: Database, clock: FixedClock, world: World
) -> None:
    outcome = await Handlers(db, clock=clock).handle(message("vneid 5", "test:u1"))
    (row,) = outcome.queued
    assert row.key == "reply:test:u1:1" and row.status == OutboxStatus.sending
    assert (row.kind, row.platform, row.chat_id) == ("reply", "test", "an")
    reply = reply_of(row)
    assert reply.html == outcome.replies[0].html and "Đã ghi nhận" in reply.html
    assert reply.buttons == outcome.replies[0].buttons  # the undo button, kept as data
    async with db.reading() as store:
        (stored,) = await store.outbox.with_status(OutboxStatus.sending)
    assert stored.id == row.id and stored.buttons == row.buttons


async def test_a_refusal_is_answered_through_the_outbox_too(
    db: Database, clock: FixedClock, world: World
) -> None:
    outcome = await Handlers(db, clock=clock).handle(message("vnied 5", "test:u2"))
    (row,) = outcome.queued
    assert "vneid" in row.html.lower() and await vneid(db) == 0


async def test_a_reply_that_cannot_be_queued_takes_its_report_with_it(
    db: Database, clock: FixedClock, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    handlers = Handlers(db, clock=clock)
    with monkeypatch.context() as patched:
        patched.setattr(Outbox, "enqueue_reply", broken)
        with pytest.raises(RuntimeError):
            await handlers.handle(message("vneid 5", "test:u3"))
    assert await vneid(db) == 0  # one transaction: no report without its receipt
    outcome = await handlers.handle(message("vneid 5", "test:u3"))  # the update again
    assert not outcome.duplicate and len(outcome.queued) == 1 and await vneid(db) == 5


async def test_an_update_again_gets_its_pending_reply_once_and_a_sent_one_never(
    db: Database, clock: FixedClock, world: World
) -> None:
    handlers = Handlers(db, clock=clock)
    (row,) = (await handlers.handle(message("vneid 5", "test:u4"))).queued
    again = await handlers.handle(message("vneid 5", "test:u4"))
    assert again.duplicate and again.queued == []  # still claimed by the first: left alone
    async with db.transaction() as store:  # its send failed: back to pending
        await store.outbox.mark_retry(pk(row), 1, clock(), "502 Bad Gateway")
        await store.commit()
    again = await handlers.handle(message("vneid 5", "test:u4"))
    assert again.duplicate and again.replies == []
    assert [r.id for r in again.queued] == [row.id]  # the same reply, claimed to be sent
    assert again.queued[0].status == OutboxStatus.sending
    async with db.transaction() as store:
        await store.outbox.mark_sent_many([pk(row)], clock())
        await store.commit()
    assert (await handlers.handle(message("vneid 5", "test:u4"))).queued == []
    assert await vneid(db) == 5


async def test_a_toast_is_not_stored(db: Database, clock: FixedClock, world: World) -> None:
    handlers = Handlers(db, clock=clock)
    receipt = (await handlers.handle(message("vneid 5", "test:u5"))).replies[0]
    outcome = await handlers.handle(message(receipt.buttons[0].action, "test:u6", Kind.button))
    (toast,) = outcome.replies
    assert toast.notice and toast.clear_buttons and outcome.queued == []
