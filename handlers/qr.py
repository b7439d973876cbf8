"""Invite links and their QR codes."""

from __future__ import annotations

import io

import segno


def invite_link(bot_username: str | None, code: str) -> str:
    """The Telegram deep link when the bot's name is known, else the command to type."""
    if bot_username:
        return f"https://t.me/{bot_username.lstrip('@')}?start={code}"
    return f"/thamgia {code}"


def qr_png(data: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(data, error="m").save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()
