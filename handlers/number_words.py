"""Numbers written in words: `hai`, `mười lăm`, `hai mươi mốt` (1 to 99), and the words
around one that make it something else than a count (`năm 2026`, `thứ hai`, `chị Hai`).

The lexer asks `read` for the value of the words at a place and `counts_here` whether their
neighbours allow a count; the grammar then reads it only right beside its indicator.
"""

from __future__ import annotations

from collections.abc import Sequence

from handlers.folding import fold

# Numbers written as words (typed forms, lower case NFC -> value). Only the forms that are not
# also a common other word when typed without diacritics: "sau" (after), "bay", "tam" (tạm)
# are refused rather than read as 6, 7, 8.
NUMBER_WORDS = {
    "một": 1, "mot": 1, "hai": 2, "ba": 3, "bốn": 4, "bon": 4, "năm": 5, "nam": 5, "sáu": 6,
    "bảy": 7, "bẩy": 7, "tám": 8, "chín": 9, "chin": 9,
}  # fmt: skip
TEN_WORDS = {"mười", "muoi"}  # 10, and "mười hai" 12
TENS_WORDS = {"mươi", "muoi", "mười"}  # "hai mươi" 20
# After "mười" (11..19) and after "X mươi" (21..99): "năm" is left out ("mười năm" is also
# "ten years"); "lăm" is the five of a compound (bare "lam" too: "muoi lam" is 15, never 10 and
# "làm"), "tư" a four after "mười"/"mươi", "mốt" a one after "mươi".
AFTER_TEN = {w: v for w, v in NUMBER_WORDS.items() if v != 5} | {"lăm": 5, "lam": 5, "tư": 4}
AFTER_TENS = AFTER_TEN | {"mốt": 1}
# Folded words before a number word that make it something else than a count: a day, a
# month, a year, a weekday, a time, an order, a place or a person ("chị Hai", "thôn Ba").
NOT_A_COUNT_BEFORE = {
    "ngay", "thang", "nam", "thu", "tuan", "quy", "lan", "dot", "muc", "cap", "so", "ky",
    "buoi", "hom", "gio", "phan", "tram", "nghin", "ngan", "trieu", "luc", "lop", "doi",
    "nhom", "khoa", "em", "anh", "chi", "co", "chu", "bac", "ong", "ba", "di", "me", "bo",
    "cau", "mu", "o", "thim", "cu", "nguoi", "thon", "xom", "ban", "lang", "khu", "to", "tdp",
    "pho", "xa", "phuong",
}  # fmt: skip
# Folded words after a number word that make it something else than a count ("năm nay",
# "một số", "hai hôm nay", "ba bốn người" is caught as two number words).
NOT_A_COUNT_AFTER = {
    "nay", "ngoai", "truoc", "sau", "toi", "qua", "kia", "roi", "so", "vai", "it", "lan", "ngay",
    "thang", "nam", "tuan", "quy", "gio", "phut", "buoi", "hom", "dot", "tram", "nghin",
    "ngan", "trieu", "ruoi", "tuoi", "lop", "thon", "xom", "ban", "to", "doi", "nhom", "con",
    "cai", "chuc", "khoang", "gan", "hon", "tren", "duoi", "nua", "moi", "tu",
}  # fmt: skip
# Every number word as folded, with the bare forms read as other words ("sau", "bay", "tam").
FOLDED = {fold(w) for w in [*NUMBER_WORDS, *AFTER_TENS, *TEN_WORDS, *TENS_WORDS]}
FOLDED |= {"sau", "bay", "tam"}
_BEFORE = FOLDED - {"lam", "tu"}  # "làm ba vneid", "từ"


def is_number_word(typed: str) -> bool:
    """A word that would be read as a number where a count may stand (`Bảy`, `hai`)."""
    return typed.lower() in NUMBER_WORDS or typed.lower() in TEN_WORDS


def read(words: Sequence[str]) -> tuple[int, int] | None:
    """(value, how many words) of the number written at the start of `words` (lower-case
    forms as typed), or None when the first word is not a number word."""
    word, following = words[0], [*words[1:3], "", ""]
    if word in TEN_WORDS:
        if following[0] in AFTER_TEN:
            return 10 + AFTER_TEN[following[0]], 2
        return 10, 1
    if word not in NUMBER_WORDS:
        return None
    value = NUMBER_WORDS[word]
    if value == 1 or following[0] not in TENS_WORDS:
        return value, 1
    if following[1] in AFTER_TENS:
        return value * 10 + AFTER_TENS[following[1]], 3
    return value * 10, 2


def counts_here(
    typed: str, before: str | None, before_typed: str, after: str | None, *, named: bool
) -> bool:
    """Whether the number word typed `typed` may be a count, given the folded words right
    before and after it (None when there are none; "0" for digits). `named`: it follows an
    indicator's name ("chữ ký số hai", "Cks: Hai"), so the words before say nothing."""
    if not named:
        if typed.istitle() and typed.isascii():
            return False  # "Nam gửi vneid", "Hai cài vneid": a name more likely than a number
        if before is not None and (before.isdigit() or before in _BEFORE):
            return False  # "2 hai", "ba bốn người": a range
        if before in NOT_A_COUNT_BEFORE and before_typed != "có":
            return False  # "năm hai", "cô Ba", "thôn hai"; but "có ba người": there are
    if after is not None:
        return not (after.isdigit() or after in NOT_A_COUNT_AFTER or after in FOLDED)
    return True
