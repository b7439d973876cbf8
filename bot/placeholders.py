"""Telling a real secret from a placeholder copied out of a guide or an example file.

The checks never quote the value: their reasons name what is wrong, not what was given.
"""

from __future__ import annotations

import re

MIN_SECRET_LENGTH = 16
# What @BotFather hands out: the bot's id, a colon, 35 URL-safe base64 characters.
TELEGRAM_TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{35}")

KNOWN_PLACEHOLDERS = {
    "changeme",
    "change-me",
    "change_me",
    "your-token-here",
    "secret",
    "password",
    "token",
    "xxx",
    "none",
    "null",
    "123456:abc",
    # the examples in Telegram's own documentation
    "123456:abc-def1234ghikl-zyx57w2v1u123ew11",
    "110201543:aahdqtcvch1vgwjxfseofsas0k5paldsaw",
}
PLACEHOLDER_WORDS = (
    "changeme",
    "change-me",
    "change_me",
    "change-this",
    "replace-me",
    "replace_me",
    "your-",
    "your_",
    "yourtoken",
    "yoursecret",
    "placeholder",
    "example",
    "dummy",
    "<",
    ">",
    "...",
)
_RUNS = "0123456789abcdefghijklmnopqrstuvwxyz qwertyuiopasdfghjklzxcvbnm"


def placeholder_reason(value: str) -> str | None:
    """Why `value` looks like a placeholder rather than a generated secret, or None."""
    folded = value.strip().lower()
    if folded in KNOWN_PLACEHOLDERS:
        return "a well-known placeholder"
    if any(word in folded for word in PLACEHOLDER_WORDS):
        return "placeholder wording"
    tail = folded.rsplit(":", 1)[-1]  # a token's secret part, after the bot id
    if len(set(tail)) < 6:
        return "too few different characters"
    if len(tail) >= 6 and tail in (tail + tail)[1:-1]:
        return "a repeated pattern"
    if len(tail) >= 6 and tail in _RUNS:
        return "a keyboard or alphabet run"
    return None


def secret_problem(value: str, *, minimum: int = MIN_SECRET_LENGTH) -> str | None:
    """What makes `value` unfit as a production secret, or None."""
    reason = placeholder_reason(value)
    if reason:
        return f"looks like a placeholder ({reason})"
    if len(value) < minimum:
        return f"is shorter than {minimum} characters"
    return None
