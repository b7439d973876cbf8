"""The words the grammar knows by itself: day words, unit words, forms of address, words that
may change a count (never set aside), and how close a word is to an indicator's alias.

The politeness and framing words that carry no count are data (table `report_word`, defaults
in `storage.seed.DEFAULT_WORDS`), so a province can extend them; these are not.
"""

from __future__ import annotations

import functools
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
# Words that make "(trong đó 2 ...)" more than a breakdown: failures, refusals, returns.
NOT_IN_BREAKDOWN = {"loi", "hong", "that", "bai", "tu", "choi", "tra", "ve", "bi", "ngoai", "them"}
# Words of negation that, heading or closing a part naming one indicator and no number
# ("chưa có cks", "cks không có"), say that nothing is reported for it.
NEGATIONS = {"chua", "khong", "ko", "k", "kh"}
# Emoji that alone say thanks or OK.
COURTESY_SYMBOLS = set("👍👌🙏❤♥😊🙂😀😁🥰👏💪🌹🤝✌☺")
MAX_NAME_WORDS = 3


@functools.lru_cache(maxsize=1 << 16)
def distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (a swap of two letters counts once), capped.
    Cached: building a lexicon compares every word with every alias, again at each
    catalog load, and a report compares its few words with the same aliases."""
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
