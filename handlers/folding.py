"""Folding Vietnamese text for matching: NFC, lower case, no diacritics, `đ` -> `d`.

People type with or without diacritics, in composed (NFC) or decomposed (NFD) Unicode, in
any case. Folding makes all of those one string, and remembers where each folded character
came from, so a refusal can quote the word as it was typed.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

_ZERO_WIDTH = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"}
# Keycap emoji ("5️⃣" is 5, U+FE0F, U+20E3) read as their digit; "🔟" as 10.
_KEYCAP = {"\ufe0f", "\u20e3"}


@lru_cache(maxsize=8192)  # the same few letters over and over: folded once each
def _fold_char(char: str) -> str:
    if char == "\U0001f51f":
        return "10"
    if char in _ZERO_WIDTH or char in _KEYCAP or unicodedata.category(char) == "Cf":
        return ""  # zero-width and direction marks: invisible, so not part of any word
    if char in "\n\r\u2028\u2029":
        return "\n"
    if char.isspace():
        return " "
    lowered = char.lower().replace("đ", "d")
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("đ", "d")


def fold_with_origin(text: str) -> tuple[str, str, list[int]]:
    """(NFC original, folded, origin) where folded[i] came from original[origin[i]]."""
    original = unicodedata.normalize("NFC", text)
    pieces: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(original):
        folded = _fold_char(char)
        pieces.append(folded)
        origin.extend([index] * len(folded))
    return original, "".join(pieces), origin


def fold(text: str) -> str:
    return fold_with_origin(text)[1]
