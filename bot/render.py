"""Turning the handlers' small HTML into what a channel shows."""

from __future__ import annotations

import html
import re

_TAG = re.compile(r"</?(?:b|i|code|u|s)>")


def html_to_plain(text: str) -> str:
    """For channels without formatting (console, Zalo): drop our tags, unescape the rest.

    User text reaches here escaped, so the only tags are the handlers' own.
    """
    return html.unescape(_TAG.sub("", text))


def split_text(text: str, limit: int) -> list[str]:
    """Split on line boundaries into chunks of at most `limit` characters.

    A single line longer than the limit is cut hard (it cannot be split nicely).
    """
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                chunks.append(current)
                current = ""
            cut = _safe_cut(line, limit)
            chunks.append(line[:cut])
            line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current or not chunks:
        chunks.append(current)
    return chunks


def _safe_cut(line: str, limit: int) -> int:
    """A cut at most `limit` that does not fall inside an HTML tag or entity."""
    cut = limit
    for opener, closer in (("<", ">"), ("&", ";")):
        start = line.rfind(opener, 0, cut)
        if start != -1 and line.find(closer, start, cut) == -1:
            cut = min(cut, start)
    return cut if cut > 0 else limit
