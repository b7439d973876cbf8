"""Replies as outbox rows: written in the update's own transaction, read back by channels.

A reply is stored with the report it confirms, so a crash or a failed send can delay it but
never lose it; its key comes from the update's key, so a re-delivered update never queues a
second one. Toasts (answers to a button press) are not stored: they are shown at once or
not at all.
"""

from __future__ import annotations

from collections.abc import Iterable

from handlers.types import Button, File, Incoming, Reply
from storage.models import OutboxMessage
from storage.store import Store


def key_prefix(update_key: str) -> str:
    """What the keys of one update's replies start with."""
    return f"reply:{update_key}:"


async def queue(store: Store, msg: Incoming, replies: Iterable[Reply]) -> list[OutboxMessage]:
    """Queue what is to be sent in answer to `msg`; the rows, claimed for the caller."""
    rows: list[OutboxMessage] = []
    number = 0
    for reply in replies:
        if reply.notice:
            continue
        # One row per reply (its text, buttons and first file); any further file alone.
        parts = [(reply.html, reply.buttons, reply.files[:1])]
        parts += [("", (), (file,)) for file in reply.files[1:]]
        for html, buttons, files in parts:
            number += 1
            row = await store.outbox.enqueue_reply(
                f"{key_prefix(msg.key)}{number}",
                platform=msg.platform,
                chat_id=msg.chat_id,
                is_group=msg.is_group,
                html=html,
                buttons=[{"label": b.label, "action": b.action} for b in buttons] or None,
                file=(files[0].name, files[0].data, files[0].photo) if files else None,
            )
            if row is not None:
                rows.append(row)
    return rows


def reply_of(message: OutboxMessage) -> Reply:
    """The reply (or notification) a row holds, for a channel to send."""
    buttons = tuple(Button(b["label"], b["action"]) for b in message.buttons or ())
    files: tuple[File, ...] = ()
    if message.file_data:
        name = message.file_name or "bieu-do.png"
        files = (File(name, message.file_data, photo=message.file_photo),)
    return Reply(message.html, buttons=buttons, files=files)
