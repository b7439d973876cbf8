"""Telegram Mini App sign-in: `initData` checked by HMAC with the bot token.

As Telegram documents it: the data-check string is every field but `hash`, sorted by key,
as `key=value` lines; the secret is HMAC-SHA256 of the bot token keyed with "WebAppData";
the hash is HMAC-SHA256 of the data-check string with that secret, in hex.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl


def verified_user_id(
    init_data: str, bot_token: str, now: datetime, max_age: timedelta
) -> str | None:
    """The Telegram user id of genuine, fresh `initData`; None when tampered, stale or odd."""
    try:
        fields = dict(parse_qsl(init_data, keep_blank_values=True, strict_parsing=True))
    except ValueError:
        return None
    received = fields.pop("hash", "")
    if not received or "auth_date" not in fields:
        return None
    check = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    expected = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), received.encode("utf-8", "replace")):
        return None
    try:
        signed_at = datetime.fromtimestamp(int(fields["auth_date"]), UTC)
        user = json.loads(fields.get("user", "{}"))
        user_id = int(user["id"])
    except (ValueError, KeyError, TypeError, OverflowError):
        return None
    if not timedelta(minutes=-5) <= now - signed_at <= max_age:
        return None
    return str(user_id)


def sign_init_data(fields: dict[str, str], bot_token: str) -> str:
    """`initData` as Telegram would send it (tests and the local demo sign their own)."""
    from urllib.parse import urlencode

    check = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    digest = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode({**fields, "hash": digest})
