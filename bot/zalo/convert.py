"""Zalo Bot API updates -> neutral `Incoming`.

Updates come wrapped (`{"ok": true, "result": {...}}`) or flat, carry `event_name` and a
`message`; the sender's name sits under `display_name` or `first_name`. There is no
`update_id`: the key is the event name and the message id.
"""

from __future__ import annotations

from typing import Any

from handlers.types import Incoming, Kind

PLATFORM = "zalo"
TEXT_EVENT = "message.text.received"


def unwrap(update: dict[str, Any]) -> dict[str, Any]:
    result = update.get("result")
    return result if "event_name" not in update and isinstance(result, dict) else update


def from_update(update: dict[str, Any], bot_username: str = "") -> Incoming | None:
    """None for what cannot be answered (no sender, no chat, no message id)."""
    update = unwrap(update)
    event = str(update.get("event_name") or "")
    message = update.get("message")
    if not isinstance(message, dict):
        return None
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
