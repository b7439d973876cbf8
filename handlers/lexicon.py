"""The words the grammar knows by itself: day words, unit words, forms of address, words that
may change a count (never set aside), and how close a word is to an indicator's alias.

The politeness and framing words that carry no count are data (table `report_word`, defaults
in `storage.seed.DEFAULT_WORDS`), so a province can extend them; these are not.
"""

from __future__ import annotations

from collections.abc import Iterable

# Built-in day words. Weekdays: Monday is 0 (date.weekday()).
DAY_WORDS = {
    "hom nay": 0, "sang nay": 0, "trua nay": 0, "chieu nay": 0, "toi nay": 0,
    "hom qua": 1, "sang qua": 1, "chieu qua": 1, "toi qua": 1, "dem qua": 1,
    "hom kia": 2, "hnay": 0, "homnay": 0, "hqua": 1, "homqua": 1,
}  # fmt: skip
WEEKDAYS = {
    "thu 2": 0, "thu hai": 0, "thu 3": 1, "thu ba": 1, "thu 4": 2, "thu tu": 2,
    "thu 5": 3, "thu nam": 3, "thu 6": 4, "thu sau": 4, "thu 7": 5, "thu bay": 5,
    "thu bau": 5, "chu nhat": 6, "cn": 6,
}  # fmt: skip
# "VNeID mức 2" is the indicator's full name: the level is not a count.
LEVEL_SUFFIXES = [("muc", "2"), ("muc", "do", "2"), ("cap", "do", "2"), ("cap", "2")]
# A unit mention ("thôn 3", "xóm Đông", "tổ dân phố 5") names a place, never a count.
UNIT_WORDS = ["thon", "xom", "ban", "lang", "khu", "to", "tdp", "pho", "xa", "phuong"]
# Forms of address: a capitalised word right after one is a name ("chị Lan gửi ...").
ADDRESS_WORDS = ["em", "anh", "chi", "co", "chu", "bac", "ong", "em la", "toi la", "chi la"]
ADDRESS_WORDS += ["anh la", "minh la"]
# Words that may change a count or a day: never taken as a name or set aside as chatter, so a
# message with one is refused. Negations and corrections are never part of a name either;
# the others may be, capitalised ("xóm Chùa", "cô Tám").
NEVER_NAMES = {
    "khong", "ko", "k", "kh", "chua", "huy", "xoa", "sua", "sai", "nham", "tru", "bot", "thieu",
    "lai",
}  # fmt: skip
NEVER_ASIDE = NEVER_NAMES | {
    "thang", "tuan", "quy", "nam", "mai", "truoc", "sau", "nua", "con", "moi", "cu", "qua", "kia",
    "tong", "luy", "ke", "khoang", "gan", "tam", "chung", "hon", "duoi", "tren", "trong",
    "mot", "hai", "bon", "chin", "muoi", "tram", "nghin", "ngan", "trieu", "ruoi", "dot", "ky",
}  # fmt: skip
# Numbers written as words (typed forms, lower case NFC -> value). Only the forms that are not
# also a common other word when typed without diacritics: "sau" (after), "bay", "tam" (tạm)
# are refused rather than read as 6, 7, 8. Read as a count only beside an indicator (see
# handlers.lexer._Lexer.number_words): "năm 2026" is a year, "thứ hai" a weekday.
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
# Words that make "(trong đó 2 ...)" more than a breakdown: failures, refusals, returns.
NOT_IN_BREAKDOWN = {"loi", "hong", "that", "bai", "tu", "choi", "tra", "ve", "bi", "ngoai", "them"}
# Words of negation that, heading or closing a part naming one indicator and no number
# ("chưa có cks", "cks không có"), say that nothing is reported for it.
NEGATIONS = {"chua", "khong", "ko", "k", "kh"}
# Emoji that alone say thanks or OK.
COURTESY_SYMBOLS = set("👍👌🙏❤♥😊🙂😀😁🥰👏💪🌹🤝✌☺")
MAX_NAME_WORDS = 3


def distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (a swap of two letters counts once), capped."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous_row: list[int] | None = None
    row = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        before, previous_row, row = previous_row, row, [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(previous_row[j] + 1, row[j - 1] + 1, previous_row[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1] and before:
                row[j] = min(row[j], before[j - 2] + 1)
        if min(row) > limit:
            return limit + 1
    return row[-1]


def close_to_alias(word: str, aliases: Iterable[str], *, edits: int = 1) -> bool:
    """Could `word` be an alias mistyped? Within one edit of any alias ("ck", "t", "vnied"),
    the start of an abbreviation of up to three letters ("c" of cks), or with `edits=2`,
    within two edits of an alias of three letters or more ("ckd", "vnid"). (Not the start
    of a longer alias: "mở", folded "mo", opens "mở tài khoản" far more often than it
    stands for "momo".)"""
    for alias in aliases:
        allowed = edits if len(alias) >= 3 else 1
        if distance(word, alias, allowed) <= allowed:
            return True
        if len(word) <= 2 and len(alias) <= 3 and alias.startswith(word):
            return True
    return False
