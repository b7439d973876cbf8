"""The report grammar, table-driven: real-looking messages, accepted and refused."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from handlers.folding import fold
from handlers.grammar import ReportError, Vocabulary, parse_report
from storage.seed import DEFAULT_INDICATORS

TODAY = date(2026, 11, 21)
OPEN = date(2026, 10, 1)
VOCABULARY = Vocabulary.build((code, aliases) for code, _, _, aliases in DEFAULT_INDICATORS)

ACCEPTED: list[tuple[str, dict[str, int], date]] = [
    ("vneid 5 cks 2", {"vneid": 5, "cks": 2}, TODAY),
    ("VNeID 5, CKS 2", {"vneid": 5, "cks": 2}, TODAY),
    ("VNEID 5 CKS 2 TT 1", {"vneid": 5, "cks": 2, "tt": 1}, TODAY),
    ("5 vneid 2 cks", {"vneid": 5, "cks": 2}, TODAY),
    ("vneid: 5", {"vneid": 5}, TODAY),
    ("vneid=5", {"vneid": 5}, TODAY),
    ("vneid - 5", {"vneid": 5}, TODAY),
    ("vneid-5", {"vneid": 5}, TODAY),
    ("cks3", {"cks": 3}, TODAY),
    ("5vneid", {"vneid": 5}, TODAY),
    ("5vneid+2cks", {"vneid": 5, "cks": 2}, TODAY),
    ("vneid 5; cks 2; tt 3", {"vneid": 5, "cks": 2, "tt": 3}, TODAY),
    ("vneid 5\ncks 2\ntt 3", {"vneid": 5, "cks": 2, "tt": 3}, TODAY),
    ("vneid 5 | cks 2", {"vneid": 5, "cks": 2}, TODAY),
    ("vn eid 4", {"vneid": 4}, TODAY),
    ("kích hoạt định danh 5 người", {"vneid": 5}, TODAY),
    ("kich hoat dinh danh 5 nguoi", {"vneid": 5}, TODAY),
    ("định danh điện tử 3", {"vneid": 3}, TODAY),
    ("VNeID mức 2: 7", {"vneid": 7}, TODAY),
    ("Vneid muc 2 = 7", {"vneid": 7}, TODAY),
    ("vneid mức độ 2 7", {"vneid": 7}, TODAY),
    ("cài chữ ký số cho 3 người dân", {"cks": 3}, TODAY),
    ("chữ kí số 3", {"cks": 3}, TODAY),
    ("chu ky so 3", {"cks": 3}, TODAY),
    ("ký số 2", {"cks": 2}, TODAY),
    ("chữ ký số cá nhân 4", {"cks": 4}, TODAY),
    ("đã cài 3 cks", {"cks": 3}, TODAY),
    ("hỗ trợ 4 người mở tài khoản thanh toán", {"tt": 4}, TODAY),
    ("ttkdtm 3", {"tt": 3}, TODAY),
    ("thanh toán 2", {"tt": 2}, TODAY),
    ("ví điện tử 2", {"tt": 2}, TODAY),
    ("không dùng tiền mặt 6", {"tt": 6}, TODAY),
    ("thanh toán không dùng tiền mặt 6", {"tt": 6}, TODAY),
    ("đăng ký 2 lượt tt", {"tt": 2}, TODAY),
    ("tt 3 hôm qua", {"tt": 3}, date(2026, 11, 20)),
    ("hôm qua tt 3", {"tt": 3}, date(2026, 11, 20)),
    ("tt 3 hom kia", {"tt": 3}, date(2026, 11, 19)),
    ("hôm nay vneid 2", {"vneid": 2}, TODAY),
    ("ngày 18/11: vneid 10; cks 4; tt 2", {"vneid": 10, "cks": 4, "tt": 2}, date(2026, 11, 18)),
    ("vneid 10 18-11", {"vneid": 10}, date(2026, 11, 18)),
    ("vneid 10 ngày 18/11/2026", {"vneid": 10}, date(2026, 11, 18)),
    ("vneid 10 18/11/26", {"vneid": 10}, date(2026, 11, 18)),
    ("vneid 10 18.11.2026", {"vneid": 10}, date(2026, 11, 18)),
    ("vneid 10, 1/10", {"vneid": 10}, date(2026, 10, 1)),
    ("vneid 5 2 cks", {"vneid": 5, "cks": 2}, TODAY),
    ("vneid, 5 cks, 2", {"vneid": 5, "cks": 2}, TODAY),
    ("vneid 007", {"vneid": 7}, TODAY),
    ("vneid 500", {"vneid": 500}, TODAY),
    ("👍 vneid 5 ✅", {"vneid": 5}, TODAY),
    ("vne\u200bid 5", {"vneid": 5}, TODAY),
    ("ｖｎｅｉｄ ５", {"vneid": 5}, TODAY),
    ("Vneid 5 và cks 2 thêm tt 1", {"vneid": 5, "cks": 2, "tt": 1}, TODAY),
    ("chữ ky sô 2 thôn 3", {"cks": 2}, TODAY),
]

REFUSED: list[tuple[str, str, dict[str, object]]] = [
    ("", "empty", {}),
    ("hôm qua", "empty", {}),
    ("cho người dân", "empty", {}),
    ("vnied 5", "unknown_word", {"word": "vnied", "suggestion": "vneid"}),
    ("Vnied 5", "unknown_word", {"word": "Vnied", "suggestion": "vneid"}),
    ("ckss 2", "unknown_word", {"suggestion": "cks"}),
    ("chữ ky sô 2 thôn vnied", "unknown_word", {"word": "vnied", "suggestion": "vneid"}),
    ("thanh toám 3", "unknown_word", {"suggestion": "tt"}),
    ("abc 3", "unknown_word", {"word": "abc", "suggestion": None}),
    ("<b>vneid</b> 5", "unknown_word", {"word": "b"}),
    ("vneid", "missing_number", {"indicator": "vneid"}),
    ("vneid mức 2", "missing_number", {"indicator": "vneid"}),
    ("vneid 5 cks", "missing_number", {"indicator": "cks"}),
    ("vneid cks 5", "missing_number", {"indicator": "vneid"}),
    ("5", "missing_indicator", {"number": "5"}),
    ("vneid 5 3", "missing_indicator", {"number": "3"}),
    ("vneid 5 vneid 3", "duplicate_indicator", {"indicator": "vneid"}),
    ("cks 2 chữ ký số 3", "duplicate_indicator", {"indicator": "cks"}),
    ("vneid 0", "zero", {"indicator": "vneid"}),
    ("vneid 00", "zero", {"indicator": "vneid"}),
    ("vneid -2", "negative", {"indicator": "vneid", "number": "-2"}),
    ("vneid: -2", "negative", {"indicator": "vneid"}),
    ("vneid 2.5", "dotted_number", {"text": "2.5"}),
    ("vneid 2.55", "fraction", {"indicator": "vneid", "number": "2.55"}),
    ("vneid 2,5", "fraction", {"number": "2,5"}),
    ("cks 1.000", "above_cap", {"count": "1000"}),
    ("vneid 501", "above_cap", {"indicator": "vneid", "count": "501", "cap": 500}),
    ("vneid 99999999999999999999999", "above_cap", {"indicator": "vneid"}),
    ("vneid 5 ngày 25/11", "future_day", {"day": date(2026, 11, 25)}),
    ("vneid 5 21/11/2027", "future_day", {"day": date(2027, 11, 21)}),
    ("vneid 5 ngày 15/9", "closed_period", {"day": date(2026, 9, 15)}),
    ("vneid 5 31/02", "bad_day", {"text": "31/02"}),
    ("vneid 5 18/13", "bad_day", {"text": "18/13"}),
    ("vneid 5 1/1/1999", "bad_day", {}),
    ("vneid 5 hôm qua 18/11", "two_days", {}),
    ("x" * 2001, "too_long", {"length": 2001, "limit": 2000}),
]


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def parse(text: str):  # type: ignore[no-untyped-def]
    return parse_report(text, vocabulary=VOCABULARY, today=TODAY, earliest_open=OPEN)


@pytest.mark.parametrize("text, counts, day", ACCEPTED)
def test_accepted(text: str, counts: dict[str, int], day: date) -> None:
    for variant in {text, nfd(text), text.upper(), fold(text)}:
        parsed = parse(variant)
        assert (parsed.counts, parsed.day) == (counts, day), variant
        assert list(parsed.counts) == list(counts)  # in the order written


@pytest.mark.parametrize("text, kind, params", REFUSED)
def test_refused(text: str, kind: str, params: dict[str, object]) -> None:
    for variant in {text, nfd(text)}:
        with pytest.raises(ReportError) as refusal:
            parse(variant)
        assert refusal.value.kind == kind, variant
        for key, value in params.items():
            got = refusal.value.params[key]
            assert (
                unicodedata.normalize("NFC", str(got)) == str(value)
                if isinstance(value, str)
                else got == value
            )


def test_a_day_is_flagged_as_given_only_when_typed() -> None:
    assert parse("vneid 5").day_given is False
    assert parse("vneid 5 hôm nay").day_given is True
    assert parse("vneid 5 20/11").day_given is True


def test_december_typed_in_january_is_last_december() -> None:
    parsed = parse_report("vneid 2 28/12", vocabulary=VOCABULARY, today=date(2027, 1, 3))
    assert parsed.day == date(2026, 12, 28)


def test_the_cap_is_a_setting() -> None:
    assert parse_report("vneid 900", vocabulary=VOCABULARY, today=TODAY, cap=1000).counts == {
        "vneid": 900
    }


def test_indicators_are_data() -> None:
    vocabulary = Vocabulary.build(
        [
            *((c, a) for c, _, _, a in DEFAULT_INDICATORS),
            ("dvc", ["dịch vụ công", "dvc trực tuyến"]),
        ]
    )
    parsed = parse_report("dịch vụ công 4, vneid 1", vocabulary=vocabulary, today=TODAY)
    assert parsed.counts == {"dvc": 4, "vneid": 1}
    assert parse_report("DVC TRUC TUYEN 2", vocabulary=vocabulary, today=TODAY).counts == {"dvc": 2}
    assert vocabulary.codes == ("vneid", "cks", "tt", "dvc")


@pytest.mark.parametrize(
    "text, folded",
    [
        ("Định Danh", "dinh danh"),
        (nfd("Chữ Ký Số"), "chu ky so"),
        ("ĐÃ CÀI", "da cai"),
        ("vne\u200bid\u200d", "vneid"),
        ("a\tb\u00a0c\nd", "a b c\nd"),
    ],
)
def test_folding(text: str, folded: str) -> None:
    assert fold(text) == folded
