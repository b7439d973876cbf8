"""Report messages to items: indicators, numbers, days, unknown words, separators.

Works on folded text (see `folding`), so aliases match with or without diacritics. Phrases
(aliases, words that carry no count, day words) are sequences of tokens matched longest
first; aliases win over every other kind of phrase.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from handlers import number_words
from handlers.folding import fold, fold_with_origin
from handlers.lexicon import (
    ADDRESS_WORDS,
    COURTESY_SYMBOLS,
    DAY_WORDS,
    LEVEL_SUFFIXES,
    MAX_NAME_WORDS,
    NEGATIONS,
    NEVER_ASIDE,
    NEVER_NAMES,
    NOT_IN_BREAKDOWN,
    UNIT_WORDS,
    WEEKDAYS,
    close_to_alias,
)
from storage.models import ReportWordKind

_TOKEN = re.compile(
    r"(?P<date>\d{1,2}[/-]\d{1,2}(?:[/-]\d{2,4})?(?![\d/-])|\d{1,2}\.\d{1,2}\.\d{2,4}(?!\d))"
    r"|(?P<longdate>ngay\s+\d{1,2}\s+thang\s+\d{1,2}(?:\s+nam\s+\d{4})?(?!\d))"
    r"|(?P<num>-?\d+(?:[.,]\d+)*)"
    r"|(?P<word>[^\W\d_]+)"
    r"|(?P<weak>[-–—*•:=])"
    r"|(?P<strong>\n|\S)"
)
_DOTTED = re.compile(r"(\d{1,2})\.(\d{1,2})")


class Kind(enum.Enum):
    indicator = "indicator"
    number = "number"
    word_number = (
        "word_number"  # "hai", "mười lăm": value in digits; a count only beside an indicator
    )
    breakdown = "breakdown"  # "(trong đó 2 người già)": value the sum of the numbers in it
    restated = "restated"  # "(app VNeID)": value the indicator it names
    date = "date"  # value "d/m" or "d/m/y"
    days_ago = "days_ago"
    weekday = "weekday"  # value 0 (Monday) .. 6 (Sunday): the latest such day, today included
    dotted = "dotted"  # "26.11": a day or a number; value "d/m"
    unknown = "unknown"
    courtesy = "courtesy"  # thanks, ok, greetings: carry nothing, but say something
    aside = "aside"  # a unit mention or a name: shown back, never a count
    strong = "strong"  # a separator between parts: , ; + . newline and other punctuation


DAY_KINDS = (Kind.date, Kind.days_ago, Kind.weekday)


WordKind = ReportWordKind  # what a word of the lexicon does in a report: the stored kind


@dataclass(frozen=True)
class Item:
    kind: Kind
    value: str  # indicator code, number or date as folded, days ago, unknown word
    typed: str  # as the person typed it (NFC), for refusals
    segment: int  # parts separated by strong separators
    line: int = 0  # which line of the message
    colon: bool = False  # a day followed by ":" ("Ngày 18/11: ..."): a heading


class TokenKind(enum.StrEnum):
    """What a stretch of folded text is, before any meaning (the groups of `_TOKEN`)."""

    date = "date"
    longdate = "longdate"  # "ngày 18 tháng 11"
    num = "num"
    word = "word"
    weak = "weak"  # - : = * •: joins a name and its number
    strong = "strong"  # any other punctuation or a new line: parts a message


T = TokenKind
_KINDS = {kind.value: kind for kind in TokenKind}


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    text: str
    start: int
    end: int


Phrase = tuple[Kind | None, str]


@dataclass(frozen=True)
class Lexicon:
    phrases: dict[tuple[str, ...], Phrase]
    aliases: tuple[str, ...] = ()  # folded aliases, for "is this word close to one?"
    longest: int = field(default=1)  # tokens in the longest phrase


def tokenize(folded: str) -> list[Token]:
    tokens = []
    for match in _TOKEN.finditer(folded):
        kind, text = _KINDS[match.lastgroup or "strong"], match.group()
        start = match.start()
        if kind is T.num and text.startswith("-") and start and folded[start - 1].isalnum():
            # "vneid-5": a dash joining words, not a minus sign.
            tokens.append(Token(T.weak, "-", start, start + 1))
            kind, text, start = T.num, text[1:], start + 1
        elif (
            kind is T.weak
            and text in "-–—"
            and folded[start - 1 : start] == " " == (folded[match.end() : match.end() + 1] or " ")
        ):
            kind = T.strong  # " - " parts a message like a comma ("vneid 4 - Hương")
        tokens.append(Token(kind, text, start, match.end()))
    return tokens


def phrase_key(text: str) -> tuple[str, ...]:
    return tuple(t.text for t in tokenize(fold(text)) if t.kind in (T.word, T.num))


def build_lexicon(aliases: Mapping[str, str], words: Iterable[tuple[str, str]] = ()) -> Lexicon:
    """Folded phrase tokens -> (kind, value); kind None marks a word without a count.

    Aliases win ties, and a lexicon word close to an alias is left out: it must not
    swallow a typo of an indicator, which is refused with a suggestion instead.
    """
    phrases: dict[tuple[str, ...], Phrase] = {}
    for word, kind in words:
        key = phrase_key(word)
        if key and not close_to_alias(" ".join(key), aliases):
            phrases[key] = (Kind.courtesy, "") if kind == WordKind.courtesy else (None, "")
    for words_, ago in DAY_WORDS.items():
        phrases[phrase_key(words_)] = (Kind.days_ago, str(ago))
    for words_, weekday in WEEKDAYS.items():
        phrases[phrase_key(words_)] = (Kind.weekday, str(weekday))
    for alias, code in aliases.items():
        phrases[phrase_key(alias)] = (Kind.indicator, code)
    longest = max((len(k) for k in phrases), default=1)
    return Lexicon(phrases, tuple(aliases), max(longest, 3))


def lex(text: str, lexicon: Lexicon) -> list[Item]:
    return _Lexer(text, lexicon).run()


class _Lexer:
    def __init__(self, text: str, lexicon: Lexicon) -> None:
        self.original, folded, self.origin = fold_with_origin(text)
        self.tokens = tokenize(folded)
        self.lexicon = lexicon
        self.items: list[Item] = []
        self.spans: list[tuple[int, int]] = []  # tokens[first:end] of each item
        self.segment = 0
        self.line = 0

    def typed(self, first: Token, last: Token) -> str:
        return self.original[self.origin[first.start] : self.origin[last.end - 1] + 1]

    def add(self, kind: Kind, value: str, first: int, end: int) -> None:
        """An item made of tokens[first:end]."""
        tokens = self.tokens
        colon = kind in DAY_KINDS and end < len(tokens) and tokens[end].text == ":"
        typed = self.typed(tokens[first], tokens[end - 1])
        self.items.append(Item(kind, value, typed, self.segment, self.line, colon))
        self.spans.append((first, end))

    def run(self) -> list[Item]:
        tokens, i = self.tokens, 0
        while i < len(tokens):
            token = tokens[i]
            if token.text == "(" and (end := self.breakdown(i) or self.restated(i)):
                i = end
            elif token.kind in (T.strong, T.weak):
                if token.kind is T.strong:
                    self.segment += 1
                    self.line += token.text == "\n"
                    if token.text in COURTESY_SYMBOLS:
                        self.add(Kind.courtesy, "", i, i + 1)
                i += 1
            elif token.kind in (T.date, T.longdate):
                value = "/".join(re.findall(r"\d+", token.text))
                self.add(Kind.date, value, i, i + 1)
                i += 1
            else:
                i = self.phrase(i)
        return self.negated_parts()

    def phrase(self, i: int) -> int:
        tokens = self.tokens
        token = tokens[i]
        size, found = _longest_phrase(tokens, i, self.lexicon)
        if found is None:
            if token.text == "mot" and _contiguous(tokens, i, 2) and tokens[i + 1].text == "so":
                return i + 2  # "một số bà con": some, never 1
            if token.kind is T.word and (end := self.spelled_number(i)):
                return end
            if token.kind is T.num:
                self.number(i)
            elif token.text in UNIT_WORDS:
                return self.unit(i)
            else:
                self.add(Kind.unknown, token.text, i, i + 1)
            return i + 1
        kind, value = found
        one_letter = kind in (None, Kind.courtesy) and size == 1 and len(token.text) == 1
        if one_letter and self.glued_to_number(i):  # "2o", "1l": a letter typed for a digit
            self.add(Kind.unknown, token.text, i, i + 1)
            return i + 1
        if kind is not None:
            self.add(kind, value, i, i + size)
        end = i + size
        if kind is Kind.indicator:
            end += _level_suffix(tokens, end)
            self.spans[-1] = (i, end)
        elif kind is Kind.weekday and _contiguous(tokens, end, 1) and tokens[end].text == "toi":
            self.add(Kind.unknown, "toi", end, end + 1)  # "thứ 2 tới": the coming one, ahead
            end += 1
        elif kind is None and _text(tokens, i, size) in ADDRESS_WORDS:
            end = self.name(end)
        elif kind is None and token.text == "ngay" and size == 1 and self.day_of_month(end):
            end += 1
        return end

    def spelled_number(self, i: int) -> int:
        """A number written in words (`hai`, `mười lăm`, `hai mươi mốt`): its end, or 0 when
        the word is not one. One that could be something else (`năm 2026`, `thứ hai`,
        `chị Hai`, `năm nay`, `ba bốn người`) is an unknown word, so the message is refused."""
        tokens = self.tokens
        size = 1
        while size < 3 and _contiguous(tokens, i, size + 1):
            size += 1
        found = number_words.read([self.lower(n) for n in range(i, i + size)])
        if found is None:
            return 0
        value, size = found
        if self.counts_here(i, i + size):
            self.add(Kind.word_number, str(value), i, i + size)
            return i + size
        self.add(Kind.unknown, tokens[i].text, i, i + 1)
        return i + 1

    def counts_here(self, first: int, end: int) -> bool:
        tokens = self.tokens
        named = (  # "chữ ký số hai", "vneid mức 2 hai", "Cks: Hai": right after an indicator
            bool(self.items)
            and self.items[-1].kind is Kind.indicator
            and all(t.kind is T.weak for t in tokens[self.spans[-1][1] : first])
        )
        before = self.neighbour(first - 1)
        after = self.neighbour(end)
        if after is not None:
            kind = _longest_phrase(tokens, end, self.lexicon)[1]
            if kind is not None and kind[0] in DAY_KINDS:  # "hai hôm nay": these two days
                return False
        typed = self.typed(tokens[first], tokens[first])
        before_typed = self.lower(first - 1) if before is not None else ""
        return number_words.counts_here(typed, before, before_typed, after, named=named)

    def neighbour(self, i: int) -> str | None:
        """The word at i as folded ("0" for a number), if it follows on with only spaces."""
        if i < 0 or not _contiguous(self.tokens, i, 1):
            return None
        return "0" if self.tokens[i].kind is T.num else self.tokens[i].text

    def lower(self, i: int) -> str:
        token = self.tokens[i]
        return self.typed(token, token).lower()

    def breakdown(self, i: int) -> int:
        """`(trong đó 2 người già)`: a breakdown of the count before it, adding nothing. Its
        end, or 0 when it is not one (no closing bracket on the line, or an indicator or a
        day inside): then it is read as any other words."""
        tokens = self.tokens
        if not (_contiguous(tokens, i + 1, 2) and _text(tokens, i + 1, 2) == "trong do"):
            return 0
        total, j = 0, i + 3
        while j < len(tokens) and tokens[j].text not in (")", "\n", "("):
            token = tokens[j]
            found = _longest_phrase(tokens, j, self.lexicon)[1]
            if token.kind in (T.date, T.longdate) or (found and found[0] is not None):
                return 0  # an indicator, a day or a courtesy inside
            if token.text in NEVER_ASIDE or token.text in NOT_IN_BREAKDOWN:
                return 0  # "(trong đó 2 chưa xong)", "(trong đó 1 bị lỗi)": changes the count
            if token.kind is T.num:
                if not token.text.isdigit():
                    return 0
                total += int(token.text)
            j += 1
        if j == len(tokens) or tokens[j].text != ")":
            return 0
        self.segment += 1
        self.add(Kind.breakdown, str(total), i, j + 1)
        self.segment += 1
        return j + 1

    def restated(self, i: int) -> int:
        """`(app VNeID)`: brackets naming one indicator with only words that carry no count
        around it. Its end, or 0; the grammar sets it aside only right after a count of that
        same indicator (`vneid 4 (app VNeID)`)."""
        tokens, j, codes = self.tokens, i + 1, []
        while j < len(tokens) and tokens[j].kind in (T.word, T.num):
            size, found = _longest_phrase(tokens, j, self.lexicon)
            if found is None or found[0] not in (None, Kind.indicator):
                return 0  # an unknown word, a number, a day or a courtesy inside
            if found[0] is Kind.indicator:
                codes.append(found[1])
            j += size
        if len(codes) != 1 or j == len(tokens) or tokens[j].text != ")":
            return 0
        self.segment += 1
        self.add(Kind.restated, codes[0], i, j + 1)
        self.segment += 1
        return j + 1

    def negated_parts(self) -> list[Item]:
        """A part, or the end of a part after whole pairs written indicator first, naming one
        indicator with a negation and no number (`chưa có cks`, `vneid 2 cks không có`) says
        nothing is reported for that indicator: set aside as one item, unless it is named
        elsewhere in the message, or the words beside it may change a count."""
        items = self.items
        segments: dict[int, list[int]] = {}
        for n, item in enumerate(items):
            segments.setdefault(item.segment, []).append(n)
        for indexes in segments.values():
            part = [items[n] for n in indexes]
            head = 0
            while head + 1 < len(part) and _whole_pair(part[head], part[head + 1]):
                head += 2
            tail = part[head:]
            if not tail or tail[0].kind not in (Kind.indicator, Kind.unknown):
                continue
            named = [i for i in tail if i.kind is Kind.indicator]
            negations = [i for i in tail if i.kind is Kind.unknown and i.value in NEGATIONS]
            if len(named) != 1 or len(negations) != 1 or tail[0] not in (named[0], negations[0]):
                continue
            if not all(self.idle(i) for i in tail if i not in (named[0], negations[0])):
                continue
            if sum(i.kind is Kind.indicator and i.value == named[0].value for i in items) > 1:
                continue
            first, end = self.spans[indexes[head]][0], self.spans[indexes[-1]][1]
            while _contiguous(self.tokens, end, 1):  # the words after, to the part's end
                end += 1
            typed = self.typed(self.tokens[first], self.tokens[end - 1])
            aside = Item(Kind.aside, "", typed, tail[0].segment, tail[0].line)
            for n in indexes[head:]:
                items[n] = aside
        return list({id(i): i for i in items}.values())

    def idle(self, item: Item) -> bool:
        """A word beside a negation that cannot carry or change a count ("chưa có ai làm")."""
        if item.kind in (Kind.courtesy, Kind.aside):
            return True
        return (
            item.kind is Kind.unknown
            and len(item.value) >= 2
            and item.value not in NEVER_ASIDE
            and not close_to_alias(item.value, self.lexicon.aliases, edits=2)
        )

    def day_of_month(self, i: int) -> bool:
        """`ngày 18`: the 18th of this month (a later day is in the future, refused)."""
        tokens = self.tokens
        if (
            _contiguous(tokens, i, 1)
            and tokens[i].text.isdigit()
            and 1 <= int(tokens[i].text) <= 31
        ):
            self.add(Kind.date, tokens[i].text, i - 1, i + 1)
            return True
        return False

    def glued_to_number(self, i: int) -> bool:
        tokens, token = self.tokens, self.tokens[i]
        before = i > 0 and tokens[i - 1].kind is T.num and tokens[i - 1].end == token.start
        after = i + 1 < len(tokens) and tokens[i + 1].kind is T.num
        return before or (after and tokens[i + 1].start == token.end)

    def number(self, i: int) -> None:
        token = self.tokens[i]
        dotted = _DOTTED.fullmatch(token.text)
        if dotted and 1 <= int(dotted[1]) <= 31 and 1 <= int(dotted[2]) <= 12:
            value = f"{int(dotted[1])}/{int(dotted[2])}"
            after_ngay = i > 0 and self.tokens[i - 1].text == "ngay"
            self.add(Kind.date if after_ngay else Kind.dotted, value, i, i + 1)
            return
        self.add(Kind.number, token.text, i, i + 1)

    def unit(self, i: int) -> int:
        """A unit word and what names it: a number (`thôn 3`, `thôn số 3`) or a few words
        (`bản Mường`, `thôn Yên Lạc 2`)."""
        tokens = self.tokens
        end = i + 1
        for longer in ("to dan pho", "khu pho"):
            size = len(longer.split())
            if _contiguous(tokens, i, size) and _text(tokens, i, size) == longer:
                end = i + size
        named = end
        if (
            _contiguous(tokens, end, 2)
            and tokens[end].text == "so"
            and tokens[end + 1].kind is T.num
        ):
            named += 1
        if not (_contiguous(tokens, named, 1) and tokens[named].kind is T.num):
            named = self.name_end(end, capitalised=False)
        if named < len(tokens) and _contiguous(tokens, named, 1) and tokens[named].kind is T.num:
            named += 1  # the number is part of the unit's name or its number, never a count
        if named == end and _text(tokens, i, end - i) in ("to", "ban", "pho", "khu"):
            # Alone, these are other words ("bạn", "tô"): unknown, so refused.
            self.add(Kind.unknown, tokens[i].text, i, i + 1)
            return i + 1
        self.add(Kind.aside, "", i, named)
        return named

    def name(self, i: int) -> int:
        """Capitalised words right after a form of address: a name ("chị Lan")."""
        end = self.name_end(i, capitalised=True)
        if end > i:
            self.add(Kind.aside, "", i, end)
        return end

    def name_end(self, i: int, *, capitalised: bool) -> int:
        tokens, end = self.tokens, i
        while end < len(tokens) and end - i < MAX_NAME_WORDS and _contiguous(tokens, end, 1):
            token = tokens[end]
            if token.kind is not T.word or _longest_phrase(tokens, end, self.lexicon)[1]:
                break
            title = self.typed(token, token).istitle()  # "xóm Chùa", "cô Tám": names
            never = NEVER_NAMES if capitalised else set()  # a person's name, not a place's
            if token.text in UNIT_WORDS or token.text in never:
                break
            if token.text in NEVER_ASIDE and not title:
                break
            if close_to_alias(token.text, self.lexicon.aliases, edits=2):
                break
            if capitalised and not self.typed(token, token)[:1].isupper():
                break
            end += 1
        return end


def _whole_pair(first: Item, second: Item) -> bool:
    """An indicator and its count right after it, in that order."""
    return first.kind is Kind.indicator and second.kind in (Kind.number, Kind.word_number)


def _text(tokens: list[Token], start: int, size: int) -> str:
    return " ".join(t.text for t in tokens[start : start + size])


def _contiguous(tokens: list[Token], start: int, size: int) -> bool:
    """Phrase tokens must follow each other with only spaces between (no punctuation)."""
    window = tokens[start : start + size]
    return len(window) == size and all(t.kind in (T.word, T.num) for t in window)


def _longest_phrase(tokens: list[Token], start: int, lexicon: Lexicon) -> tuple[int, Phrase | None]:
    run = 0  # phrase tokens must follow each other with only spaces between
    while run < lexicon.longest and start + run < len(tokens):
        if tokens[start + run].kind not in (T.word, T.num):
            break
        run += 1
    for size in range(run, 0, -1):
        key = tuple(t.text for t in tokens[start : start + size])
        if key in lexicon.phrases:
            return size, lexicon.phrases[key]
    return 1, None


def _level_suffix(tokens: list[Token], start: int) -> int:
    for suffix in LEVEL_SUFFIXES:
        size = len(suffix)
        window = tuple(t.text for t in tokens[start : start + size])
        if _contiguous(tokens, start, size) and window == suffix:
            return size
    return 0
