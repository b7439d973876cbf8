"""A notice being sent shows one progress message, updated in place, then done."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.delivery.progress_messages import BroadcastProgress
from bot.delivery.ratelimit import Limits
from bot.delivery.worker import DeliveryWorker
from handlers.types import Kind
from storage.db import Database, outside_transaction
from storage.models import OutboxMessage
from tests.conftest import Chat


@dataclass
class Board:
    shown: list[tuple[str, str, str]] = field(default_factory=list)

    async def show(self, chat_id: str, html: str, message_id: str) -> str:
        outside_transaction("the progress edit")  # a platform call: never in a transaction
        self.shown.append((chat_id, html, message_id))
        return message_id or "m1"


@dataclass
class Inbox:
    platform: str = "test"
    limits: Limits = field(default_factory=lambda: Limits(1000, 1000, 1000))
    received: list[str] = field(default_factory=list)

    async def send(self, message: OutboxMessage) -> None:
        self.received.append(message.chat_id)


async def test_progress_is_shown_once_then_edited_to_the_end(chat: Chat, db: Database) -> None:
    for user in ("an", "cuc"):
        await chat.say("/toi", user=user)  # they have written privately: reachable
    (preview,) = await chat.send("/thongbao Họp tổ 8h", user="binh")
    await chat.say(preview.buttons[0].action, user="binh", kind=Kind.button)
    board, inbox = Board(), Inbox()
    progress = BroadcastProgress(db, {"test": board})
    await progress.update_once()
    assert board.shown == [("binh", "📢 Đã gửi 0/3.", "")]
    await DeliveryWorker(db, {"test": inbox}).drain()
    assert sorted(inbox.received) == ["an", "binh", "cuc"]
    await progress.update_once()
    assert board.shown[-1] == ("binh", "📢 Đã gửi 3/3.", "m1")  # the same message, edited
    await progress.update_once()
    assert len(board.shown) == 2  # done: no more updates
    async with db.reading() as store:
        assert await store.broadcasts.sending() == []
