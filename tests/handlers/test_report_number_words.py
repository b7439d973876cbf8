"""Issue 13, round 3: numbers written as words, breakdowns in brackets, "none yet" parts.

Each is read only where it cannot mean anything else; everything else is refused, never
guessed. Accepted phrasings are also tried without diacritics (where the bare word is not
another word), in NFD and in upper case.
"""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from handlers import number_words, texts_language
from handlers.folding import fold
from handlers.grammar import ParsedReport, ReportError, parse_report
from tests.handlers.test_report_grammar import OPEN, TODAY, VOCABULARY

MONDAY = date(2026, 11, 16)


def parse(text: str) -> ParsedReport:
    return parse_report(text, vocabulary=VOCABULARY, today=TODAY, earliest_open=OPEN)


def refusal(text: str) -> ReportError:
    with pytest.raises(ReportError) as caught:
        parse(text)
    return caught.value


def forms(text: str, *, bare: bool = True) -> list[str]:
    shown = [text, unicodedata.normalize("NFD", text), text.upper()]
    return [*shown, fold(text)] if bare else shown


NUMBER_WORDS: list[tuple[str, dict[str, int], date, bool]] = [
    ("vneid năm", {"vneid": 5}, TODAY, True),
    ("cks hai", {"cks": 2}, TODAY, True),
    ("vneid ba, cks một", {"vneid": 3, "cks": 1}, TODAY, True),
    ("hai vneid một cks", {"vneid": 2, "cks": 1}, TODAY, True),
    ("Bốn vneid, hai cks", {"vneid": 4, "cks": 2}, TODAY, True),
    ("định danh năm người, chữ ký số hai người ạ", {"vneid": 5, "cks": 2}, TODAY, True),
    ("hôm nay em cài được bốn vneid", {"vneid": 4}, TODAY, True),
    ("vneid sáu cks 2", {"vneid": 6, "cks": 2}, TODAY, False),
    ("tt bảy", {"tt": 7}, TODAY, False),
    ("tt tám người", {"tt": 8}, TODAY, False),
    ("cks chín", {"cks": 9}, TODAY, True),
    ("Vneid mười", {"vneid": 10}, TODAY, True),
    ("cks mười hai", {"cks": 12}, TODAY, True),
    ("vneid mười lăm", {"vneid": 15}, TODAY, True),
    ("vneid mười tư", {"vneid": 14}, TODAY, False),
    ("vneid hai mươi", {"vneid": 20}, TODAY, True),
    ("vneid hai mươi mốt", {"vneid": 21}, TODAY, False),
    ("vneid ba mươi tư", {"vneid": 34}, TODAY, False),
    ("thứ hai vneid ba", {"vneid": 3}, MONDAY, True),
    ("vneid ba người hôm qua", {"vneid": 3}, date(2026, 11, 20), True),
    ("Cks: Hai", {"cks": 2}, TODAY, True),
    ("em làm ba vneid", {"vneid": 3}, TODAY, True),
    ("có năm người cài vneid", {"vneid": 5}, TODAY, False),
]


@pytest.mark.parametrize("text, counts, day, bare", NUMBER_WORDS)
def test_a_number_in_words_beside_an_indicator_is_its_count(
    text: str, counts: dict[str, int], day: date, bare: bool
) -> None:
    for form in forms(text, bare=bare):
        parsed = parse(form)
        assert (parsed.counts, parsed.day) == (counts, day), form


@pytest.mark.parametrize(
    "text, word",
    [
        ("vneid năm 2026", "năm"),  # a year
        ("năm nay vneid 40", "năm"),  # this year so far
        ("cks năm nay", "năm"),
        ("tháng năm vneid 3", "tháng"),  # May
        ("vneid 3 ngày hai", "hai"),  # the 2nd
        ("vneid hai thứ hai", "hai"),  # next to a weekday
        ("vneid 5 hai hôm nay", "hai"),  # these two days
        ("vneid ba bốn người", "ba"),  # three or four: a range
        ("chị hai vneid 3", "hai"),  # a person
        ("thôn hai: vneid 3", "hai"),  # a place
        ("vneid mười năm", "mười"),  # ten years, or fifteen?
        ("vneid một trăm", "một"),  # hundreds are not read
        ("vneid 3 hai", "hai"),  # no indicator beside it
        ("hai", "hai"),
        ("vneid hai 3", "hai"),
        ("cks sau", "sau"),  # "after", not sáu
        ("cks bay", "bay"),
        ("cks tam", "tam"),  # tạm
        ("cks bà", "bà"),
        ("tt mốt", "mốt"),  # the day after tomorrow
        ("vneid mười làm", "mười"),  # "lăm" mistyped? never read as 10
        ("vneid ba làm", "ba"),
        ("cô năm vneid 3", "năm"),  # "cô" or bare "co": a person
        ("co nam vneid 3", "nam"),
        ("Nam gửi vneid", "Nam"),  # a name, typed without diacritics
        ("Hai cai vneid", "Hai"),
        ("vneid 3. Bảy", "Bảy"),  # not set aside as chatter either
    ],
)
def test_a_number_word_that_could_be_something_else_is_refused(text: str, word: str) -> None:
    err = refusal(text)
    assert err.kind == "unknown_word"
    assert err.params["word"] == word


def test_some_is_never_one() -> None:
    assert parse("một số bà con cài vneid 3").counts == {"vneid": 3}
    assert refusal("vneid một số").kind == "missing_number"
    assert refusal("MOT SO cks").kind == "missing_number"


def test_a_number_in_words_pairs_only_within_its_part() -> None:
    # Digits may pair across parts when every pair has the same order; words never do.
    assert parse("vneid, 5 cks, 2").counts == {"vneid": 5, "cks": 2}
    assert refusal("vneid, năm cks, hai").kind == "unknown_word"


@pytest.mark.parametrize(
    "text, counts, aside",
    [
        ("vneid 5 (trong đó 2 người già)", {"vneid": 5}, "(trong đó 2 người già)"),
        ("cks 3 (trong đó 1 cán bộ thôn)", {"cks": 3}, "(trong đó 1 cán bộ thôn)"),
        ("VNeID 6 (trong đó 3 người cao tuổi), CKS 1", {"vneid": 6, "cks": 1}, None),
        ("vneid 5 (trong đó 5 người già)", {"vneid": 5}, None),
        ("vneid 5 (trong đó 2 nữ, 3 người già)", {"vneid": 5}, None),
    ],
)
def test_a_breakdown_in_brackets_adds_nothing(
    text: str, counts: dict[str, int], aside: str | None
) -> None:
    for form in forms(text):
        parsed = parse(form)
        assert parsed.counts == counts, form
        assert len(parsed.set_aside) == 1, form
    if aside:
        assert parse(text).set_aside == (aside,)
        assert aside in texts_language.set_aside(parse(text).set_aside)


@pytest.mark.parametrize(
    "text",
    [
        "vneid 5 (trong đó 7 người già)",  # more than the count
        "vneid 2 (trong đó 2 người già, 1 trẻ em)",  # adds up to more than the count
        "(trong đó 2) vneid 5",  # no count before it
        "5 vneid (trong đó 2 người già)",  # the count is not right before it
        "vneid 5 (trong đó 2 cks)",  # names an indicator
        "vneid 5 (trong đó 2 bị lỗi)",  # failures: the count may be less
        "vneid 5 (trong đó 2 chưa xong)",
        "vneid 5 (trong đó 2 hôm qua)",  # a day
        "vneid 5 (trong đó 2,5 người)",
        "vneid 5 (trong đó 2 người già",  # never closed
    ],
)
def test_a_breakdown_that_could_change_the_count_is_refused(text: str) -> None:
    assert refusal(text).kind in ("unknown_word", "missing_number", "two_days", "fraction")


@pytest.mark.parametrize(
    "text, counts, aside",
    [
        ("chưa có cks, vneid 3", {"vneid": 3}, "chưa có cks"),
        ("cks chưa có. vneid 4", {"vneid": 4}, "cks chưa có"),
        ("vneid 2 cks không có", {"vneid": 2}, "cks không có"),
        ("vneid 2 chưa có ai làm cks", {"vneid": 2}, "chưa có ai làm cks"),
        ("vneid 2 cks 3 tt chưa có", {"vneid": 2, "cks": 3}, "tt chưa có"),
        ("ko có tt, vneid 1", {"vneid": 1}, "ko có tt"),
    ],
)
def test_a_part_saying_none_yet_records_nothing_for_its_indicator(
    text: str, counts: dict[str, int], aside: str
) -> None:
    for form in forms(text):
        parsed = parse(form)
        assert parsed.counts == counts, form
    assert parse(text).set_aside == (aside,)


@pytest.mark.parametrize(
    "text",
    [
        "cks 2, chưa có cks",  # the same indicator counted elsewhere
        "vneid 2 cks không có 3",  # a number in the negated part
        "chưa có vneid 3",
        "cks không vneid 3",  # which does the negation belong to?
        "2 vneid cks chưa có",  # the count before is not an indicator's, written first
        "chưa có cks, chưa có vneid",  # nothing left
        "chưa sửa cks, vneid 3",  # a correction word beside it
        "chưa có vneid cks, tt 1",  # two indicators
        "vneid 3 chưa xong",  # no indicator in the negated words
    ],
)
def test_a_negation_that_could_change_a_count_is_refused(text: str) -> None:
    assert refusal(text).kind in ("unknown_word", "empty", "missing_number")


@pytest.mark.parametrize(
    "words, found",
    [
        (["hai"], (2, 1)),
        (["mười"], (10, 1)),
        (["mười", "một"], (11, 2)),
        (["mười", "lăm", "người"], (15, 2)),
        (["muoi", "lam"], (15, 2)),
        (["mười", "năm"], (10, 1)),  # then "năm" after it refuses the whole
        (["hai", "mươi"], (20, 2)),
        (["chín", "mươi", "chín"], (99, 3)),
        (["ba", "mươi", "mốt"], (31, 3)),
        (["một", "mươi"], (1, 1)),
        (["mươi"], None),
        (["sau"], None),
        (["bà"], None),
    ],
)
def test_numbers_in_words_are_read_whole(words: list[str], found: tuple[int, int] | None) -> None:
    assert number_words.read(words) == found


def test_brackets_naming_the_indicator_just_counted_add_nothing() -> None:
    for form in forms("vneid 4 (app VNeID)"):
        parsed = parse(form)
        assert parsed.counts == {"vneid": 4}, form
        assert len(parsed.set_aside) == 1, form
    assert parse("vneid 4 (app VNeID) cks 1").counts == {"vneid": 4, "cks": 1}


@pytest.mark.parametrize(
    "text",
    [
        "vneid 4 (app cks)",  # another indicator
        "(app VNeID) vneid 4",  # no count before it
        "4 vneid (app VNeID)",
        "vneid 4 (app VNeID 2)",  # a number inside
        "cks 2 (ký số trên app VNeID)",  # two indicators, a word not known
        "vneid 4 (vneid, cks)",
    ],
)
def test_brackets_naming_an_indicator_elsewhere_are_refused(text: str) -> None:
    assert refusal(text).kind in ("unknown_word", "missing_number", "duplicate_indicator")
