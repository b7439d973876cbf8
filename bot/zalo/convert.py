"""Zalo Bot API updates -> neutral `Incoming`.

Updates come wrapped (`{"ok": true, "result": {...}}`) or flat, carry `event_name` and a
`message`; the sender's name sits under `display_name` or `first_name`. There is no
`update_id`: the key is the event name and the message id. One documented `getUpdates`
sample has no `event_name`: the message itself then says what it is (text or not).
"""

from __future__ import annotations

from typing import Any

from handlers.types import Incoming, Kind

PLATFORM = "zalo"
TEXT_EVENT = "message.text.received"
OTHER_EVENT = "message.received"  # stands in for a missing event name on a non-text message


def unwrap(update: dict[str, Any]) -> dict[str, Any]:
    result = update.get("result")
    flat = "event_name" in update or "message" in update
    return result if not flat and isinstance(result, dict) else update


def event_of(update: dict[str, Any], message: dict[str, Any]) -> str:
    """The update's event name; without one, read from the message (text or not)."""
    event = update.get("event_name")
    if isinstance(event, str) and event:
        return event
    return TEXT_EVENT if isinstance(message.get("text"), str) else OTHER_EVENT


def from_update(update: dict[str, Any], bot_username: str = "") -> Incoming | None:
    """None for what cannot be answered (no sender, no chat, no message id)."""
    update = unwrap(update)
    message = update.get("message")
    if not isinstance(message, dict):
        return None
    event = event_of(update, message)
    sender: dict[str, Any] = message["from"] if isinstance(message.get("from"), dict) else {}
    chat: dict[str, Any] = message["chat"] if isinstance(message.get("chat"), dict) else {}
    user_id, message_id = sender.get("id"), message.get("message_id")
    chat_id = chat.get("id") or user_id
    if not (user_id and chat_id and message_id) or sender.get("is_bot"):
        return None
    text = message.get("text") if event == TEXT_EVENT else None
    name = sender.get("display_name") or sender.get("first_name") or sender.get("name") or ""
    return Incoming(
        key=f"zalo:{event}:{message_id}",
        platform=PLATFORM,
        chat_id=str(chat_id),
        user_id=str(user_id),
        text=str(text or ""),
        kind=Kind.text if isinstance(text, str) else Kind.other,
        is_group=str(chat.get("chat_type", "")).upper() == "GROUP",
        display_name=str(name),
        message_id=str(message_id),
        bot_username=bot_username,
    )
