"""Replies in the outbox: claimed for the process that queued them, found again by their
update's key, and taken first by the workers when they had to wait."""

from __future__ import annotations

from storage.db import Database
from storage.models import OutboxStatus, pk, utcnow


async def test_a_reply_is_queued_claimed_and_only_once(db: Database) -> None:
    async with db.transaction() as store:
        row = await store.outbox.enqueue_reply(
            "reply:tg:1:1", platform="telegram", chat_id="7", is_group=False, html="✅",
            buttons=[{"label": "Hủy", "action": "undo:ABC"}], file=("qr.png", b"PNG", True),
        )  # fmt: skip
        again = await store.outbox.enqueue_reply(
            "reply:tg:1:1", platform="telegram", chat_id="7", is_group=False, html="✅"
        )
        await store.commit()
    assert row is not None and again is None
    assert row.status == OutboxStatus.sending and row.claimed_at is not None
    async with db.reading() as store:
        (stored,) = await store.outbox.with_status(OutboxStatus.sending)
    assert (stored.id, stored.buttons, stored.file_data, stored.file_photo) == (
        row.id, [{"label": "Hủy", "action": "undo:ABC"}], b"PNG", True,
    )  # fmt: skip


async def test_only_the_updates_own_pending_replies_are_claimed_again(db: Database) -> None:
    async with db.transaction() as store:
        rows = [
            await store.outbox.enqueue_reply(
                key, platform="telegram", chat_id="7", is_group=False, html=key
            )
            for key in ("reply:tg:1:1", "reply:tg:1:2", "reply:tg:10:1", "reply:tg:1a:1")
        ]
        for row in rows:
            assert row is not None
            await store.outbox.mark_retry(pk(row), 1, utcnow(), "502")
        await store.commit()
    async with db.transaction() as store:
        claimed = await store.outbox.claim_replies("reply:tg:1:", utcnow())
        assert [r.key for r in claimed] == ["reply:tg:1:1", "reply:tg:1:2"]
        assert await store.outbox.claim_replies("reply:tg:1:", utcnow()) == []  # taken
        await store.commit()


async def test_waiting_replies_are_claimed_before_older_notifications(db: Database) -> None:
    async with db.transaction() as store:
        for n in range(100):  # a notice to a hundred people, queued first
            await store.outbox.enqueue(
                f"notice:{n}", kind="broadcast", platform="telegram", chat_id=str(n), html="x"
            )
        reply = await store.outbox.enqueue_reply(
            "reply:tg:5:1", platform="telegram", chat_id="a", is_group=False, html="✅"
        )
        assert reply is not None
        await store.outbox.mark_retry(pk(reply), 1, utcnow(), "502")  # its send failed
        await store.commit()
    async with db.transaction() as store:
        claimed = await store.outbox.claim(utcnow(), 10, ["telegram"])
        await store.commit()
    assert [r.key for r in claimed] == ["reply:tg:5:1"] + [f"notice:{n}" for n in range(9)]
