"""The report grammar: one short message -> counts per indicator and a day. Never a guess.

`vneid 5 cks 2`, `5 vneid, 2 cks`, `kích hoạt định danh 5 người`, `cks3 hôm qua`,
`ngày 18/11: vneid 10; tt 2`. Anything ambiguous or invalid raises `ReportError` with a kind
and parameters; `texts_report.refusal` turns it into Vietnamese.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from handlers.folding import fold
from handlers.lexer import (
    DAY_KINDS,
    Item,
    Kind,
    Lexicon,
    build_lexicon,
    lex,
    phrase_key,
)
from handlers.lexicon import NEVER_ASIDE, close_to_alias, distance
from handlers.number_words import is_number_word
from storage.seed import DEFAULT_WORDS

MAX_LENGTH = 2000
MAX_DIGITS = 9
_THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3})+")  # "1.000": a thousand, the Vietnamese way


class RefusalKind(enum.StrEnum):
    """Why a report is refused (texts_report words each one; a new member needs its words
    there, or mypy fails on the exhaustive match)."""

    courtesy = "courtesy"  # thanks or "ok": nothing to refuse, just answered
    empty = "empty"
    too_long = "too_long"
    unknown_word = "unknown_word"
    missing_number = "missing_number"
    missing_indicator = "missing_indicator"
    duplicate_indicator = "duplicate_indicator"
    zero = "zero"
    negative = "negative"
    fraction = "fraction"
    above_cap = "above_cap"
    bad_day = "bad_day"
    future_day = "future_day"
    closed_period = "closed_period"
    two_days = "two_days"
    dotted_number = "dotted_number"
    day_on_one_line = "day_on_one_line"


class ReportError(Exception):
    def __init__(self, kind: RefusalKind, **params: object) -> None:
        super().__init__(kind, params)
        self.kind = RefusalKind(kind)
        self.params: dict[str, object] = params


@dataclass(frozen=True)
class ParsedReport:
    counts: dict[str, int]  # indicator code -> count, in the order written
    day: date
    day_given: bool  # False when the day defaulted to today
    set_aside: tuple[str, ...] = ()  # unit mentions, names, chatter, as typed: no count


@dataclass(frozen=True)
class Vocabulary:
    aliases: Mapping[str, str]  # folded alias -> indicator code
    _lexicon: Lexicon = field(default_factory=lambda: build_lexicon({}), compare=False, repr=False)

    @classmethod
    def build(
        cls,
        indicators: Iterable[tuple[str, Iterable[str]]],
        words: Iterable[tuple[str, str]] | None = None,
    ) -> Vocabulary:
        """`words`: (word, kind) of the lexicon of words without a count (data, beside the
        aliases); the default lexicon when not given."""
        aliases: dict[str, str] = {}
        for code, names in indicators:
            for name in [code, *names]:
                aliases.setdefault(" ".join(phrase_key(name)), code)
        return cls(aliases, build_lexicon(aliases, DEFAULT_WORDS if words is None else words))

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.aliases.values()))


def parse_report(
    text: str,
    *,
    vocabulary: Vocabulary,
    today: date,
    cap: int = 500,
    earliest_open: date | None = None,
) -> ParsedReport:
    if len(text) > MAX_LENGTH:
        raise ReportError(RefusalKind.too_long, length=len(text), limit=MAX_LENGTH)
    items = lex(text, vocabulary._lexicon)
    chatter = _chatter(items, vocabulary)
    for item in items:
        if item.kind is Kind.unknown and id(item) not in chatter:
            near = suggest(item, items, vocabulary)
            raise ReportError(RefusalKind.unknown_word, word=item.typed, suggestion=near)
    items = _breakdowns(_word_numbers(items))
    counted = [i for i in items if i.kind in (Kind.indicator, Kind.number, Kind.dotted)]
    if not counted and any(i.kind is Kind.courtesy for i in items):
        raise ReportError(RefusalKind.courtesy)
    items = _dotted_days(items)
    day, day_given = _day(items, today)
    pairs = _pair([i for i in items if i.kind in (Kind.indicator, Kind.number)])
    counts: dict[str, int] = {}
    for indicator, number in pairs:
        if indicator in counts:
            raise ReportError(RefusalKind.duplicate_indicator, indicator=indicator)
        counts[indicator] = _count(indicator, number, cap)
    if not counts:
        raise ReportError(RefusalKind.empty)
    if day > today:
        raise ReportError(RefusalKind.future_day, day=day)
    if earliest_open is not None and day < earliest_open:
        raise ReportError(RefusalKind.closed_period, day=day, earliest_open=earliest_open)
    aside = tuple(dict.fromkeys(i.typed for i in items if i.kind in (Kind.aside, Kind.unknown)))
    return ParsedReport(counts, day, day_given, aside)


_NEUTRAL = (Kind.unknown, Kind.courtesy, Kind.aside)


def _chatter(items: list[Item], vocabulary: Vocabulary) -> set[int]:
    """Unknown words that cannot carry or change a count, set aside rather than refused
    ("..., chúc anh chị vui vẻ"): two letters or more, not within two edits of an alias,
    not a word of negation, correction, period or number (in words too: "ba", "bảy"), and
    with nothing but other such words, courtesies and unit mentions beside them in their part
    of the message."""
    aliases = tuple(vocabulary.aliases)
    chatter: set[int] = set()
    for index, item in enumerate(items):
        if item.kind is not Kind.unknown or len(item.value) < 2 or item.value in NEVER_ASIDE:
            continue
        if is_number_word(item.typed):
            continue  # a number in words not read as a count ("vneid 3. Bảy"): refused
        beside = [items[n] for n in (index - 1, index + 1) if 0 <= n < len(items)]
        if any(b.segment == item.segment and b.kind not in _NEUTRAL for b in beside):
            continue
        if close_to_alias(item.value, aliases, edits=2) or suggest(item, items, vocabulary):
            continue
        chatter.add(id(item))
    return chatter


def _word_numbers(items: list[Item]) -> list[Item]:
    """A number in words (`cks hai`) is a count only right beside the indicator it pairs
    with in its own part: `hai vneid một cks` is read, `vneid 3 hai` or `hai` alone is not."""
    read = [_as(i, Kind.number) if i.kind is Kind.word_number else i for i in items]
    for index, item in enumerate(items):
        if item.kind is not Kind.word_number:
            continue
        part = [i for i in read if i.segment == item.segment]
        run = _pair_run([i for i in part if i.kind in (Kind.indicator, Kind.number)]) or []
        partner = next((ind for ind, num, _ in run if num is read[index]), None)
        beside = read[max(index - 1, 0) : index] + read[index + 1 : index + 2]
        if partner is None or not any(b is partner for b in beside):
            raise ReportError(RefusalKind.unknown_word, word=item.typed, suggestion=None)
    return read


def _breakdowns(items: list[Item]) -> list[Item]:
    """Brackets right after an indicator and its count, adding nothing, are set aside:
    `vneid 5 (trong đó 2 người già)` when its numbers add up to no more than that count, `vneid 4
    (app VNeID)` when it names that same indicator. Anywhere else they are refused."""
    remarks = (Kind.breakdown, Kind.restated)
    for index, item in enumerate(items):
        if item.kind not in remarks:
            continue
        pair = items[max(index - 2, 0) : index]
        kinds = [i.kind for i in pair]
        if kinds != [Kind.indicator, Kind.number] or pair[0].segment != pair[1].segment:
            raise ReportError(RefusalKind.unknown_word, word=item.typed, suggestion=None)
        if item.kind is Kind.restated:
            fits = item.value == pair[0].value
        else:
            fits = pair[1].value.isdigit() and int(item.value) <= int(pair[1].value)
        if not fits:
            raise ReportError(RefusalKind.unknown_word, word=item.typed, suggestion=None)
    return [_as(i, Kind.aside) if i.kind in remarks else i for i in items]


def _as(item: Item, kind: Kind) -> Item:
    return Item(kind, item.value, item.typed, item.segment, item.line, item.colon)


def _dotted_days(items: list[Item]) -> list[Item]:
    """A dotted `26.11` is a day unless it stands next to an indicator: then it could be a count
    (26,11) as well, and is refused rather than guessed."""
    counted = [i for i in items if i.kind in (Kind.indicator, Kind.number, Kind.dotted)]
    for index, item in enumerate(counted):
        if item.kind is not Kind.dotted:
            continue
        neighbours = counted[max(index - 1, 0) : index] + counted[index + 1 : index + 2]
        if any(n.kind is Kind.indicator for n in neighbours):
            raise ReportError(RefusalKind.dotted_number, text=item.typed, day=item.value)
    return [
        Item(Kind.date, i.value, i.typed, i.segment, i.line, i.colon)
        if i.kind is Kind.dotted
        else i
        for i in items
    ]


def _count(indicator: str, number: Item, cap: int) -> int:
    raw = number.value
    if _THOUSANDS.fullmatch(raw):
        raw = raw.replace(".", "")
    if "." in raw or "," in raw:
        raise ReportError(RefusalKind.fraction, indicator=indicator, number=number.typed)
    if raw.startswith("-"):
        raise ReportError(RefusalKind.negative, indicator=indicator, number=number.typed)
    digits = raw.lstrip("0")
    if not digits:
        raise ReportError(RefusalKind.zero, indicator=indicator)
    if len(digits) > MAX_DIGITS or int(digits) > cap:
        raise ReportError(RefusalKind.above_cap, indicator=indicator, count=digits, cap=cap)
    return int(digits)


def _pair(items: list[Item]) -> list[tuple[str, Item]]:
    """Each indicator takes the one number next to it, before or after.

    Within each part (between commas, semicolons, new lines...) items pair off in order:
    `vneid 5 cks 2`, `5 vneid 2 cks`, `vneid 5 2 cks`. Failing that, the whole message pairs
    off if every pair has the same order (`vneid, 5 cks, 2`). Otherwise it is refused.
    """
    by_segment: dict[int, list[Item]] = {}
    for item in items:
        by_segment.setdefault(item.segment, []).append(item)
    runs = [_pair_run(part) for part in by_segment.values()]
    if all(run is not None for run in runs):
        return [(ind.value, num) for run in runs for ind, num, _ in run or []]
    whole = _pair_run(items)
    if whole is not None and len({first for _, _, first in whole}) == 1:
        return [(ind.value, num) for ind, num, _ in whole]
    raise _unpaired(items)


def _pair_run(items: list[Item]) -> list[tuple[Item, Item, bool]] | None:
    """(indicator, number, indicator written first) for consecutive pairs, or None."""
    if len(items) % 2:
        return None
    pairs = []
    for first, second in zip(items[::2], items[1::2], strict=True):
        if {first.kind, second.kind} != {Kind.indicator, Kind.number}:
            return None
        if first.kind is Kind.indicator:
            pairs.append((first, second, True))
        else:
            pairs.append((second, first, False))
    return pairs


def _unpaired(items: list[Item]) -> ReportError:
    """Name what is missing: a number for an indicator, or an indicator for a number."""
    indicators = [i for i in items if i.kind is Kind.indicator]
    numbers = [i for i in items if i.kind is Kind.number]
    if not indicators or len(numbers) > len(indicators):
        lone = _lonely(items, Kind.number) or numbers[0]
        return ReportError(RefusalKind.missing_indicator, number=lone.typed)
    lone = _lonely(items, Kind.indicator) or indicators[0]
    return ReportError(RefusalKind.missing_number, indicator=lone.value)


def _lonely(items: list[Item], kind: Kind) -> Item | None:
    """The first item of `kind` left alone when each indicator takes the number after it."""
    taken: set[int] = set()
    for index, item in enumerate(items):
        following = items[index + 1] if index + 1 < len(items) else None
        free = index + 1 not in taken
        if item.kind is Kind.indicator and following and following.kind is Kind.number and free:
            taken |= {index, index + 1}
    return next((i for n, i in enumerate(items) if i.kind is kind and n not in taken), None)


def _day(items: list[Item], today: date) -> tuple[date, bool]:
    """One day per message. A day applies to its own line, or to every line when written
    on a line of its own before or after all the counts, or as a heading ("Ngày 18/11: ...")
    to the lines below it. A count line left without a day while another line has one is
    refused, never moved to that day."""
    dated = [item for item in items if item.kind in DAY_KINDS]
    days = {_to_day(item, today) for item in dated}
    if len(days) > 1:
        raise ReportError(RefusalKind.two_days, first=min(days), second=max(days))  # two or more
    if not days:
        return today, False
    day = days.pop()
    count_lines = {i.line for i in items if i.kind in (Kind.indicator, Kind.number)}
    if day == today or not count_lines:
        return day, True
    alone = {i.line for i in dated} - count_lines
    if alone and (min(alone) < min(count_lines) or max(alone) > max(count_lines)):
        return day, True  # a heading or a closing line of its own
    heading = min((i.line for i in dated if i.colon), default=None)
    for line in sorted(count_lines - {i.line for i in dated}):
        if heading is None or line < heading:
            raise ReportError(RefusalKind.day_on_one_line, day=day, text=dated[0].typed)
    return day, True


def _to_day(item: Item, today: date) -> date:
    if item.kind is Kind.days_ago:
        return today - timedelta(days=int(item.value))
    if item.kind is Kind.weekday:
        return today - timedelta(days=(today.weekday() - int(item.value)) % 7)
    parts = item.value.replace("-", "/").replace(".", "/").split("/")
    day, month = int(parts[0]), int(parts[1]) if len(parts) > 1 else today.month
    year = today.year
    if len(parts) == 3:
        year = int(parts[2]) + (2000 if len(parts[2]) == 2 else 0)
    elif month == 12 and today.month == 1:
        year -= 1  # "28/12" typed in January is last December
    if year < 2000:
        raise ReportError(RefusalKind.bad_day, text=item.typed)
    try:
        return date(year, month, day)
    except ValueError:
        raise ReportError(RefusalKind.bad_day, text=item.typed) from None


def suggest(item: Item, items: list[Item], vocabulary: Vocabulary) -> str | None:
    """The indicator an unknown word is closest to (`vnied` -> vneid), if any is close."""
    index = items.index(item)
    candidates = [fold(item.typed)]
    following = [i for i in items[index + 1 : index + 3] if i.segment == item.segment]
    for n in range(len(following)):
        candidates.append(" ".join([candidates[0], *(fold(i.typed) for i in following[: n + 1])]))
    best: tuple[int, str] | None = None
    for word in candidates:
        allowed = 1 if len(word) <= 5 else 2  # "ck" -> cks, "t" -> tt
        for alias, code in vocabulary.aliases.items():
            edits = distance(word, alias, allowed)
            if edits <= allowed and (best is None or edits < best[0]):
                best = (edits, code)
    return best[1] if best else None


_DAYS_ONLY = build_lexicon({})


def parse_day(text: str, today: date) -> date | None:
    """The first day written in a text (`30/11`, `ngày 2/12/2026`, `hôm qua`), or None.

    Raises ReportError(RefusalKind.bad_day) for an impossible date.
    """
    for item in lex(text[:MAX_LENGTH], _DAYS_ONLY):
        if item.kind in (Kind.date, Kind.days_ago):  # a weekday is ahead here: not read
            return _to_day(item, today)
    return None
