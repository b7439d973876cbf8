"""Report messages to items: indicators, numbers, days, unknown words, separators.

Works on folded text (see `folding`), so aliases match with or without diacritics. Phrases
(aliases, filler words, day words) are sequences of tokens matched longest first.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass

from handlers.folding import fold, fold_with_origin

_TOKEN = re.compile(
    r"(?P<date>\d{1,2}[/-]\d{1,2}(?:[/-]\d{2,4})?(?![\d/-])|\d{1,2}\.\d{1,2}\.\d{2,4}(?!\d))"
    r"|(?P<num>-?\d+(?:[.,]\d+)*)"
    r"|(?P<word>[^\W\d_]+)"
    r"|(?P<weak>[-–—*•:=])"
    r"|(?P<strong>\n|\S)"
)

FILLERS = [
    "cai", "cai dat", "kich hoat", "mo", "dang ky", "dang ki", "ho tro", "cho", "duoc", "da",
    "nguoi", "nguoi dan", "dan", "cong dan", "ng", "luot", "ho", "tai khoan", "va", "them",
    "bao cao", "bc", "ngay", "so luong", "sl", "la", "gom", "tong",
]  # fmt: skip
DAY_WORDS = {"hom nay": 0, "hom qua": 1, "hom kia": 2}
# "VNeID mức 2" is the indicator's full name: the level is not a count.
LEVEL_SUFFIXES = [("muc", "2"), ("muc", "do", "2"), ("cap", "do", "2"), ("cap", "2")]


class Kind(enum.Enum):
    indicator = "indicator"
    number = "number"
    date = "date"
    days_ago = "days_ago"
    unknown = "unknown"
    strong = "strong"  # a separator between parts: , ; + . newline and other punctuation


@dataclass(frozen=True)
class Item:
    kind: Kind
    value: str  # indicator code, number or date as folded, days ago, unknown word
    typed: str  # as the person typed it (NFC), for refusals
    segment: int  # parts separated by strong separators


@dataclass(frozen=True)
class Token:
    kind: str  # date, num, word, weak (- : = ...), strong
    text: str
    start: int
    end: int


def tokenize(folded: str) -> list[Token]:
    tokens = []
    for match in _TOKEN.finditer(folded):
        kind, text = match.lastgroup or "strong", match.group()
        start = match.start()
        if kind == "num" and text.startswith("-") and start and folded[start - 1].isalnum():
            # "vneid-5": a dash joining words, not a minus sign.
            tokens.append(Token("weak", "-", start, start + 1))
            kind, text, start = "num", text[1:], start + 1
        tokens.append(Token(kind, text, start, match.end()))
    return tokens


def phrase_key(text: str) -> tuple[str, ...]:
    return tuple(t.text for t in tokenize(fold(text)) if t.kind in ("word", "num"))


def build_phrases(aliases: Mapping[str, str]) -> dict[tuple[str, ...], tuple[Kind | None, str]]:
    """Folded phrase tokens -> (kind, value); kind None marks a filler. Aliases win ties."""
    phrases: dict[tuple[str, ...], tuple[Kind | None, str]] = {}
    for filler in FILLERS:
        phrases[phrase_key(filler)] = (None, "")
    for words, ago in DAY_WORDS.items():
        phrases[phrase_key(words)] = (Kind.days_ago, str(ago))
    for alias, code in aliases.items():
        phrases[phrase_key(alias)] = (Kind.indicator, code)
    return phrases


def lex(text: str, phrases: Mapping[tuple[str, ...], tuple[Kind | None, str]]) -> list[Item]:
    original, folded, origin = fold_with_origin(text)
    tokens = tokenize(folded)
    longest = max((len(k) for k in phrases), default=1)

    def typed(first: Token, last: Token) -> str:
        return original[origin[first.start] : origin[last.end - 1] + 1]

    items: list[Item] = []
    segment = 0
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.kind in ("strong", "weak"):
            segment += token.kind == "strong"
            i += 1
            continue
        if token.kind == "date":
            items.append(Item(Kind.date, token.text, typed(token, token), segment))
            i += 1
            continue
        size, found = _longest_phrase(tokens, i, phrases, longest)
        if found is not None:
            kind, value = found
            last = tokens[i + size - 1]
            if kind is not None:
                items.append(Item(kind, value, typed(token, last), segment))
            i += size
            if kind is Kind.indicator:
                i += _level_suffix(tokens, i)
            continue
        kind = Kind.number if token.kind == "num" else Kind.unknown
        items.append(Item(kind, token.text, typed(token, token), segment))
        i += 1
    return items


def _contiguous(tokens: list[Token], start: int, size: int) -> bool:
    """Phrase tokens must follow each other with only spaces between (no punctuation)."""
    window = tokens[start : start + size]
    return len(window) == size and all(t.kind in ("word", "num") for t in window)


def _longest_phrase(
    tokens: list[Token],
    start: int,
    phrases: Mapping[tuple[str, ...], tuple[Kind | None, str]],
    longest: int,
) -> tuple[int, tuple[Kind | None, str] | None]:
    for size in range(min(longest, len(tokens) - start), 0, -1):
        if not _contiguous(tokens, start, size):
            continue
        key = tuple(t.text for t in tokens[start : start + size])
        if key in phrases:
            return size, phrases[key]
    return 1, None


def _level_suffix(tokens: list[Token], start: int) -> int:
    for suffix in LEVEL_SUFFIXES:
        size = len(suffix)
        window = tuple(t.text for t in tokens[start : start + size])
        if _contiguous(tokens, start, size) and window == suffix:
            return size
    return 0
