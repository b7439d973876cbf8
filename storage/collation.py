"""Vietnamese alphabetical order, for lists that people read (units, members).

Code-point order puts "Thôn Đông" after "Thôn Tây" (Đ is U+0110) and "Thôn 10" before
"Thôn 2". People expect the alphabet as taught in school: a ă â b c d đ e ê g h i k l m n
o ô ơ p q r s t u ư v x y (f j w z where foreign words have them), a letter's tones after
its bare form (a à á ả ã ạ), and numbers by value. Pure: no locale, no ICU.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# The letters in order; a letter with a breve, circumflex or horn is a letter of its own.
ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_RANK = {letter: rank for rank, letter in enumerate(ALPHABET)}
_LETTER_MARKS = {"\u0306": "\u0306", "\u0302": "\u0302", "\u031b": "\u031b"}  # ˘ ˆ horn
# Tones, in the order of the school alphabet: ngang, huyền, sắc, hỏi, ngã, nặng.
_TONES = {"\u0300": 1, "\u0301": 2, "\u0309": 3, "\u0303": 4, "\u0323": 5}
_SPACE, _NUMBER, _LETTER, _OTHER = 0, 1, 2, 3

Key = tuple[tuple[tuple[int, int], ...], tuple[int, ...], tuple[int, ...], str]


def _clusters(text: str) -> list[tuple[str, str]]:
    """(base character, its combining marks) in decomposed form; đ/Đ kept whole."""
    out: list[tuple[str, str]] = []
    for char in unicodedata.normalize("NFD", text):
        if unicodedata.combining(char) and out:
            base, marks = out[-1]
            out[-1] = (base, marks + char)
        else:
            out.append((char, ""))
    return out


@lru_cache(maxsize=1 << 16)  # the same unit and member names are sorted again and again
def vn_key(text: str) -> Key:
    """A sort key in Vietnamese order: letters first (đ after d), then tones (a à á ả ã ạ),
    then case (lower first); runs of digits compare as numbers."""
    primary: list[tuple[int, int]] = []
    tones: list[int] = []
    cases: list[int] = []
    digits = ""
    for base, marks in [*_clusters(text), ("", "")]:
        if base.isdigit() and base.isascii():
            digits += base
            continue
        if digits:
            primary.append((_NUMBER, int(digits)))
            tones.append(len(digits))  # "02" after "2"
            cases.append(0)
            digits = ""
        if not base:
            break
        lower = base.lower()
        letter = unicodedata.normalize(
            "NFC", lower + "".join(m for m in marks if m in _LETTER_MARKS)
        )
        if letter in _RANK:
            primary.append((_LETTER, _RANK[letter]))
        elif base.isspace() or not base.isalnum():
            primary.append((_SPACE, 0 if base.isspace() else ord(base)))
        else:
            primary.append((_OTHER, ord(letter[0])))
        tones.append(max((_TONES.get(m, 0) for m in marks), default=0))
        cases.append(0 if base == lower else 1)
    return tuple(primary), tuple(tones), tuple(cases), text


def sorted_vn(names: list[str]) -> list[str]:
    return sorted(names, key=vn_key)
