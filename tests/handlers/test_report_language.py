"""How members actually write: politeness, courtesy, unit mentions, names, day words, digits.

Every accepted phrasing is also tried without diacritics, in NFD and in upper case.
"""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from handlers import texts_language, texts_report
from handlers.folding import fold
from handlers.grammar import ReportError, Vocabulary, parse_report
from storage.seed import DEFAULT_INDICATORS, DEFAULT_WORDS
from tests.handlers.test_report_grammar import OPEN, TODAY, VOCABULARY

YESTERDAY = date(2026, 11, 20)
LABELS = {code: short for code, short, _, _ in DEFAULT_INDICATORS}


def parse(text: str, vocabulary: Vocabulary = VOCABULARY, cap: int = 500):  # type: ignore[no-untyped-def]
    return parse_report(text, vocabulary=vocabulary, today=TODAY, earliest_open=OPEN, cap=cap)


def variants(text: str) -> set[str]:
    return {text, unicodedata.normalize("NFD", text), text.upper(), fold(text)}


def refusal(text: str) -> ReportError:
    with pytest.raises(ReportError) as caught:
        parse(text)
    return caught.value


POLITE: list[tuple[str, dict[str, int], date]] = [
    ("Dạ em gửi báo cáo ạ: vneid 4", {"vneid": 4}, TODAY),
    ("vneid 3 cks 1 ạ", {"vneid": 3, "cks": 1}, TODAY),
    ("Anh ơi em báo: cks 2", {"cks": 2}, TODAY),
    ("Chị gửi số liệu hôm nay: vneid 6, tt 1", {"vneid": 6, "tt": 1}, TODAY),
    ("Dạ vâng, em xin gửi kết quả: định danh 5 ạ", {"vneid": 5}, TODAY),
    ("Kính gửi anh chị, em hướng dẫn 3 trường hợp cài app VNeID ạ", {"vneid": 3}, TODAY),
    ("em giúp bà con mở tài khoản thanh toán được 2 hồ sơ nhé", {"tt": 2}, TODAY),
    ("Xin phép báo cáo số liệu: vneid 7 lượt, cks 1 lượt", {"vneid": 7, "cks": 1}, TODAY),
    ("cảm ơn chị, em báo thêm tt 2", {"tt": 2}, TODAY),
    ("Tổ công nghệ số thôn em báo cáo kết quả như sau: vneid 8", {"vneid": 8}, TODAY),
]


@pytest.mark.parametrize("text, counts, day", POLITE)
def test_politeness_and_framing_carry_no_count(
    text: str, counts: dict[str, int], day: date
) -> None:
    for variant in variants(text):
        parsed = parse(variant)
        assert (parsed.counts, parsed.day) == (counts, day), variant


@pytest.mark.parametrize(
    "text",
    ["cảm ơn", "cảm ơn bot", "Cám ơn nhiều ạ", "ok", "oke", "OK ạ", "👍", "👍👍", "dạ vâng ạ",
     "vâng", "thanks", "Em cảm ơn anh ạ", "dạ", "❤️", "Dạ em cảm ơn 🙏"],
)  # fmt: skip
def test_courtesy_alone_is_not_a_report(text: str) -> None:
    for variant in variants(text):
        assert refusal(variant).kind == "courtesy", variant
    assert texts_report.refusal(refusal(text), LABELS) == texts_language.COURTESY


def test_nothing_at_all_is_still_empty_and_courtesy_with_numbers_is_a_report() -> None:
    assert refusal("hôm qua").kind == "empty"
    assert refusal("cho người dân").kind == "empty"
    assert refusal("ok 5").kind == "missing_indicator"
    assert parse("ok vneid 5 cảm ơn").counts == {"vneid": 5}


@pytest.mark.parametrize(
    "text, word, suggestion",
    [
        ("ck 5", "ck", "cks"),
        ("vneid 2 t 3", "t", "tt"),
        ("tk 3", "tk", "tt"),
        ("vnied 4 ạ", "vnied", "vneid"),
        ("Dạ em gửi ckss 2", "ckss", "cks"),
        ("cjs 2", "cjs", "cks"),
        ("vneid 2o", "o", None),  # "o" is a filler ("ở"), but not glued to a digit
        ("vneid 1l cks 2", "l", None),
        ("vneid o5", "o", None),
    ],
)
def test_short_words_never_swallow_an_indicator_typo_or_a_digit(
    text: str, word: str, suggestion: str | None
) -> None:
    err = refusal(text)
    assert (err.kind, err.params["word"], err.params["suggestion"]) == (
        "unknown_word",
        word,
        suggestion,
    )


def test_a_province_word_close_to_an_alias_is_not_taken_as_a_filler() -> None:
    vocabulary = Vocabulary.build(
        ((c, a) for c, _, _, a in DEFAULT_INDICATORS),
        [*DEFAULT_WORDS, ("ck", "filler"), ("t", "filler"), ("nhờ", "filler")],
    )
    with pytest.raises(ReportError) as caught:
        parse("vneid ck 3", vocabulary)  # "ck" taken as a filler would record vneid 3
    assert caught.value.params["suggestion"] == "cks"
    assert parse("em nhờ gửi vneid 3", vocabulary).counts == {"vneid": 3}
    with pytest.raises(ReportError):
        parse("em nhờ gửi vneid 3")  # not in the default lexicon


def test_the_lexicon_is_data() -> None:
    vocabulary = Vocabulary.build(((c, a) for c, _, _, a in DEFAULT_INDICATORS), [])
    with pytest.raises(ReportError) as caught:
        parse("dạ vneid 3", vocabulary)
    assert caught.value.kind == "unknown_word"


UNITS: list[tuple[str, dict[str, int], tuple[str, ...]]] = [
    ("thôn 3 vneid 5", {"vneid": 5}, ("thôn 3",)),
    ("vneid 5 thôn 3", {"vneid": 5}, ("thôn 3",)),
    ("Thôn số 3: cks 2", {"cks": 2}, ("Thôn số 3",)),
    ("xóm 2 cks 1", {"cks": 1}, ("xóm 2",)),
    ("bản Mường tt 2", {"tt": 2}, ("bản Mường",)),
    ("tổ dân phố 5 vneid 3", {"vneid": 3}, ("tổ dân phố 5",)),
    ("tdp 5 vneid 3", {"vneid": 3}, ("tdp 5",)),
    ("Thôn Yên Lạc 2 báo cáo cks 4", {"cks": 4}, ("Thôn Yên Lạc 2",)),
    ("thôn đông thành: vneid 6", {"vneid": 6}, ("thôn đông thành",)),
    ("vneid 4, cks 2 (xóm 7)", {"vneid": 4, "cks": 2}, ("xóm 7",)),
]


@pytest.mark.parametrize("text, counts, aside", UNITS)
def test_a_unit_mention_or_a_name_is_never_a_count(
    text: str, counts: dict[str, int], aside: tuple[str, ...]
) -> None:
    for variant in variants(text):
        assert parse(variant).counts == counts, variant
    assert parse(text).set_aside == aside


def test_a_capitalised_name_after_a_form_of_address_is_set_aside() -> None:
    text = "Chị Lan thôn 4 gửi vneid 3"
    for variant in (text, unicodedata.normalize("NFD", text), text.upper()):
        assert parse(variant).counts == {"vneid": 3}, variant
    assert parse(text).set_aside == ("Lan", "thôn 4")
    assert parse("Em Nguyễn Thị Hoa báo cáo: cks 2").set_aside == ("Nguyễn Thị Hoa",)


def test_a_unit_mention_alone_is_not_a_report_and_unit_names_do_not_hide_typos() -> None:
    assert refusal("thôn 3").kind == "empty"
    assert refusal("xóm vnied 5").params["suggestion"] == "vneid"
    assert refusal("thôn Đông 5 vneid").kind == "missing_number"  # 5 belongs to the unit
    assert refusal("chị lan gửi vneid 3").params["word"] == "lan"  # a name is capitalised


DAYS: list[tuple[str, date]] = [
    ("vneid 2 hôm kia", date(2026, 11, 19)),
    ("tối qua vneid 2", YESTERDAY),
    ("thứ 2 vneid 2", date(2026, 11, 16)),
    ("thứ hai vneid 2", date(2026, 11, 16)),
    ("thứ 3 vneid 2", date(2026, 11, 17)),
    ("vneid 2 thứ ba", date(2026, 11, 17)),
    ("thứ tư: vneid 2", date(2026, 11, 18)),
    ("thứ 5 vneid 2", date(2026, 11, 19)),
    ("thứ sáu vneid 2", date(2026, 11, 20)),
    ("thứ 7 vneid 2", TODAY),  # today is a Saturday: today, never a week ahead
    ("thứ bảy vneid 2", TODAY),
    ("chủ nhật vneid 2", date(2026, 11, 15)),
    ("CN vneid 2", date(2026, 11, 15)),
    ("ngày 20 tháng 11 vneid 2", YESTERDAY),
    ("vneid 2 ngày 5 tháng 11 năm 2026", date(2026, 11, 5)),
    ("vneid 2, 20.11", YESTERDAY),
    ("ngày 20.11 vneid 2", YESTERDAY),
]


@pytest.mark.parametrize("text, day", DAYS)
def test_day_words(text: str, day: date) -> None:
    for variant in variants(text):
        parsed = parse(variant)
        assert (parsed.counts, parsed.day, parsed.day_given) == ({"vneid": 2}, day, True), variant


@pytest.mark.parametrize(
    "text", ["vneid 20.11", "20.11 vneid", "vneid 5 cks 20.11", "cks 2.5", "20.11: vneid 2"]
)
def test_a_dotted_number_next_to_an_indicator_is_never_guessed(text: str) -> None:
    err = refusal(text)
    assert err.kind == "dotted_number"
    said = texts_report.refusal(err, LABELS)
    assert "ngày" in said and "Chưa ghi nhận gì" in said


def test_a_long_day_in_the_future_is_refused() -> None:
    assert refusal("ngày 26 tháng 11 vneid 5").kind == "future_day"
    assert refusal("vneid 5 ngày 31 tháng 2").kind == "bad_day"


LINES: list[tuple[str, dict[str, int], date]] = [
    ("hôm qua:\nvneid 5\ncks 2", {"vneid": 5, "cks": 2}, YESTERDAY),
    ("Ngày 20/11\nvneid 5\ncks 2", {"vneid": 5, "cks": 2}, YESTERDAY),
    ("vneid 5\ncks 2\nhôm qua", {"vneid": 5, "cks": 2}, YESTERDAY),
    ("Ngày 20/11: vneid 5\ncks 2", {"vneid": 5, "cks": 2}, YESTERDAY),
    ("vneid 5 cks 2 hôm qua", {"vneid": 5, "cks": 2}, YESTERDAY),
    ("vneid 5\nhôm nay cks 2", {"vneid": 5, "cks": 2}, TODAY),
]


@pytest.mark.parametrize("text, counts, day", LINES)
def test_a_day_on_its_own_line_or_as_a_heading_applies_to_the_message(
    text: str, counts: dict[str, int], day: date
) -> None:
    for variant in variants(text):
        parsed = parse(variant)
        assert (parsed.counts, parsed.day) == (counts, day), variant


@pytest.mark.parametrize(
    "text",
    ["vneid 5 cks 2\nhôm qua tt 1", "vneid 5\ncks 2 hôm qua", "vneid 5\nthứ 3 cks 2",
     "Vneid 5\n20/11 cks 2", "vneid 5\nhôm qua\ncks 2", "vneid 5\nngày 20/11:\ncks 2"],
)  # fmt: skip
def test_a_day_on_one_count_line_is_never_moved_to_the_others(text: str) -> None:
    for variant in variants(text):
        err = refusal(variant)
        assert err.kind == "day_on_one_line", variant
    assert "từng ngày" in texts_report.refusal(refusal(text), LABELS)


def test_two_days_that_disagree_are_refused_and_named() -> None:
    err = refusal("hôm qua vneid 5\nhôm kia cks 2")
    assert err.kind == "two_days"
    said = texts_report.refusal(err, LABELS)
    assert "19/11/2026" in said and "20/11/2026" in said


@pytest.mark.parametrize(
    "text",
    ["thứ 2 tới vneid 5", "vneid 5, cks 2, qua", "Anh Hủy giúp em vneid 4", "vneid 5 ngày mai",
     "vneid 5. Tháng trước", "Em Chưa báo vneid 4"],
)  # fmt: skip
def test_words_that_move_the_day_or_undo_are_never_set_aside(text: str) -> None:
    assert refusal(text).kind == "unknown_word"


def test_three_days_are_refused_as_two_days_that_disagree() -> None:
    err = refusal("vneid 5 18/11 hôm qua hôm kia")  # raised ValueError before
    assert (err.kind, err.params["first"], err.params["second"]) == (
        "two_days",
        date(2026, 11, 18),
        YESTERDAY,
    )


def test_the_same_day_written_twice_is_one_day() -> None:
    assert parse("thứ 6 vneid 5 hôm qua").day == YESTERDAY


NUMBERS: list[tuple[str, dict[str, int]]] = [
    ("ｖｎｅｉｄ ５", {"vneid": 5}),
    ("vneid ５ cks ２", {"vneid": 5, "cks": 2}),
    ("vneid 5️⃣", {"vneid": 5}),
    ("vneid 1️⃣2️⃣ cks 3️⃣", {"vneid": 12, "cks": 3}),
    ("vneid 🔟", {"vneid": 10}),
]


@pytest.mark.parametrize("text, counts", NUMBERS)
def test_full_width_digits_and_keycaps_are_digits(text: str, counts: dict[str, int]) -> None:
    for variant in variants(text):
        assert parse(variant).counts == counts, variant


@pytest.mark.parametrize("text, count", [("cks 1.000", "1000"), ("vneid 2.500", "2500"),
                                          ("tt 1.000.000", "1000000")])  # fmt: skip
def test_a_thousands_separator_is_a_thousand_and_meets_the_cap(text: str, count: str) -> None:
    err = refusal(text)
    assert (err.kind, err.params["count"]) == ("above_cap", count)


def test_a_thousands_separator_under_a_higher_cap_is_read_as_one_number() -> None:
    assert parse("vneid 1.500", cap=2000).counts == {"vneid": 1500}
    with pytest.raises(ReportError) as caught:
        parse("vneid 1,500", cap=2000)  # a decimal comma in Vietnamese: never 1500 nor 1
    assert caught.value.kind == "fraction"


def test_zero_points_to_a_month_with_nothing_to_report() -> None:
    html = texts_report.refusal(refusal("vneid 0"), LABELS)
    assert texts_language.ZERO in html and "không phát sinh" in html


def test_every_default_lexicon_word_is_usable() -> None:
    """No default word is silently dropped for being close to an alias."""
    from handlers.lexer import phrase_key
    from handlers.lexicon import close_to_alias

    aliases = list(VOCABULARY.aliases)
    dropped = [w for w, _ in DEFAULT_WORDS if close_to_alias(" ".join(phrase_key(w)), aliases)]
    assert dropped == []
