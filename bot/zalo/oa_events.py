"""Zalo OA webhook events: the signature, freshness, and the neutral message.

Zalo signs an event with `X-ZEvent-Signature: mac=<hex>`, the SHA-256 of app id + raw body +
the event's `timestamp` + the OA secret key. The header is matched as ASCII hex (any other
byte is simply wrong) and the signature is checked on the raw body before it is parsed: the
timestamp is read with a pattern, so an unsigned body is never given to the JSON parser.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from handlers.types import Incoming, Kind

PLATFORM = "zalo_oa"
SIGNATURE_HEADER = "X-ZEvent-Signature"
_MAC = re.compile(r"(?:mac=)?([0-9a-fA-F]{64})")
_TIMESTAMP = re.compile(rb'"timestamp"\s*:\s*"?(\d{1,20})"?')
_CANDIDATES = 4  # "timestamp" keys tried (an event may nest one); the signature decides


def signature(app_id: str, raw_body: bytes, timestamp: str, secret_key: str) -> str:
    payload = app_id.encode() + raw_body + timestamp.encode() + secret_key.encode()
    return hashlib.sha256(payload).hexdigest()


def verify(header: str, app_id: str, raw_body: bytes, secret_key: str) -> dict[str, Any] | None:
    """The event when its signature is right, else None (tampered, unsigned, not JSON)."""
    given = _MAC.fullmatch(header.strip())
    if given is None:
        return None
    mac = given.group(1).lower()
    for stamp in _TIMESTAMP.findall(raw_body)[:_CANDIDATES]:
        if hmac.compare_digest(mac, signature(app_id, raw_body, stamp.decode(), secret_key)):
            return _parse(raw_body, stamp.decode())
    return None


def _parse(raw_body: bytes, stamp: str) -> dict[str, Any] | None:
    try:
        event = json.loads(raw_body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(event, dict) or str(event.get("timestamp", "")) != stamp:
        return None  # the signed timestamp must be the event's own
    return event


def sent_at(event: dict[str, Any]) -> datetime | None:
    """The event's timestamp (Zalo gives milliseconds; seconds are accepted too)."""
    try:
        value = int(str(event.get("timestamp", "")))
    except ValueError:
        return None
    seconds = value / 1000 if value > 10**11 else value
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def is_fresh(event: dict[str, Any], now: datetime, max_age: timedelta) -> bool:
    """Sent within `max_age` of now (either way: a clock ahead is as suspect as a replay)."""
    moment = sent_at(event)
    return moment is not None and abs(now - moment) <= max_age


def from_event(event: dict[str, Any]) -> Incoming | None:
    """`user_send_text` becomes a text message; other user events, a polite non-text.
    Any other event (follow, OA events, names not known yet) is None: answered, ignored."""
    name = event.get("event_name")
    name = name if isinstance(name, str) else ""
    sender = event.get("sender") if isinstance(event.get("sender"), dict) else {}
    message = event.get("message") if isinstance(event.get("message"), dict) else {}
    user_id, message_id = (sender or {}).get("id"), (message or {}).get("msg_id")
    if not name.startswith("user_send_") or not user_id or not message_id:
        return None
    text = (message or {}).get("text") if name == "user_send_text" else None
    return Incoming(
        key=f"{PLATFORM}:{message_id}", platform=PLATFORM, chat_id=str(user_id),
        user_id=str(user_id), text=str(text or ""),
        kind=Kind.text if isinstance(text, str) else Kind.other, message_id=str(message_id),
    )  # fmt: skip
