"""Properties of the grammar over generated messages (hypothesis)."""

from __future__ import annotations

import contextlib
import re
import unicodedata
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.folding import fold
from handlers.grammar import ReportError, parse_report
from tests.handlers.test_report_grammar import OPEN, TODAY, VOCABULARY
from tests.properties import examples

ALIASES = {
    code: [alias for alias, owner in VOCABULARY.aliases.items() if owner == code]
    for code in VOCABULARY.codes
}
SETTINGS = settings(
    max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

hostile_text = st.lists(
    st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(list("0123456789 ,;:=+-./\n<>&\u200b\u202e\u0301đĐ")),
        st.sampled_from(["vneid", "cks", "tt", "hôm qua", "ngày", "18/11", "mức 2", "người"]),
        st.sampled_from(
            [
                "thôn",
                "Thôn Yên",
                "thứ 3",
                "CN",
                "26.11",
                "1.000",
                "5\ufe0f\u20e3",
                "dạ",
                "ạ",
                "Lan",
                "chị",
                "cảm ơn",
                "👍",
                "tháng",
                "chúc",
                " - ",
                "tdp",
                "hai",
                "năm",
                "mười",
                "lăm",
                "mươi",
                "một số",
                "thứ hai",
                "(trong đó ",
                ")",
                "chưa có",
                "không",
            ]
        ),
    ),
    max_size=40,
).map("".join)


@SETTINGS
@given(hostile_text)
def test_only_report_errors_ever_escape(text: str) -> None:
    # Any other exception fails the test.
    with contextlib.suppress(ReportError):
        parse_report(text, vocabulary=VOCABULARY, today=TODAY, earliest_open=OPEN)


@SETTINGS
@given(hostile_text)
def test_every_count_is_written_in_the_message(text: str) -> None:
    try:
        parsed = parse_report(text, vocabulary=VOCABULARY, today=TODAY, earliest_open=OPEN)
    except ReportError:
        return
    digit_runs = {int(run) for run in re.findall(r"\d+", fold(text))}
    words = " ".join(re.findall(r"\w+", unicodedata.normalize("NFC", text).lower()))
    for count in parsed.counts.values():
        assert count in digit_runs or any(f" {s} " in f" {words} " for s in spelled(count))
        assert 1 <= count <= 500


_UNITS = ["", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]


def spelled(count: int, *, bare: bool = True) -> set[str]:
    """Ways a count below 100 is written in words (an independent speller), bare forms too."""
    tens, unit = divmod(count, 10)
    if count >= 100 or count == 0:
        return set()
    if tens == 0:
        forms = {_UNITS[unit]}
    else:
        head = {"mười"} if tens == 1 else {f"{_UNITS[tens]} {t}" for t in ("mươi", "mười")}
        ones = ["một"] if tens == 1 else ["một", "mốt"]  # "mười một", "hai mươi mốt"
        tails = {0: [""], 1: ones, 4: ["bốn", "tư"], 5: ["lăm"]}.get(unit, [_UNITS[unit]])
        forms = {f"{h} {t}".strip() for h in head for t in tails}
    forms |= {f.replace("bảy", "bẩy") for f in forms}
    return forms | {fold(f) for f in forms} if bare else forms


@st.composite
def reports(draw: st.DrawFn) -> tuple[str, dict[str, int]]:
    codes = draw(st.lists(st.sampled_from(VOCABULARY.codes), min_size=1, unique=True))
    counts = {code: draw(st.integers(1, 500)) for code in codes}
    number_first = draw(st.booleans())
    parts = []
    for code, count in counts.items():
        alias = draw(st.sampled_from(ALIASES[code]))
        joiner = draw(st.sampled_from([" ", ": ", " = ", "  "]))
        parts.append(f"{count}{joiner}{alias}" if number_first else f"{alias}{joiner}{count}")
    text = draw(st.sampled_from([", ", "; ", "\n", " + "])).join(parts)
    form = draw(st.sampled_from(["NFC", "NFD", "upper", "plain"]))
    if form == "upper":
        text = text.upper()
    elif form == "plain":
        text = fold(text)
    else:
        text = unicodedata.normalize(form, text)
    return text, counts


@SETTINGS
@given(reports())
def test_well_formed_reports_parse_back_exactly(report: tuple[str, dict[str, int]]) -> None:
    text, counts = report
    parsed = parse_report(text, vocabulary=VOCABULARY, today=TODAY, earliest_open=OPEN)
    assert parsed.counts == counts
    assert parsed.day == TODAY and not parsed.day_given


@SETTINGS
@given(
    reports(),
    st.sampled_from(["", "Dạ em gửi báo cáo ạ: ", "Anh ơi em báo: ", "Chị gửi số liệu hôm nay: "]),
    st.sampled_from(["", "thôn 3 ", "Xóm Đông: ", "tổ dân phố 5, "]),
    st.sampled_from(["", " ạ", ". Em cảm ơn", " 👍"]),
)
def test_politeness_and_unit_mentions_never_change_the_counts(
    report: tuple[str, dict[str, int]], polite: str, unit: str, closing: str
) -> None:
    text, counts = report
    message = f"{polite}{unit}{text}{closing}"
    parsed = parse_report(message, vocabulary=VOCABULARY, today=TODAY, earliest_open=OPEN)
    assert parsed.counts == counts


def test_a_huge_message_is_refused_quickly() -> None:
    import time

    start = time.perf_counter()
    try:
        parse_report("vneid 5 " * 20_000, vocabulary=VOCABULARY, today=date(2026, 11, 21))
    except ReportError as err:
        assert err.kind == "too_long"
    assert time.perf_counter() - start < 1.0


@st.composite
def reports_in_words(draw: st.DrawFn) -> tuple[str, dict[str, int]]:
    codes = draw(st.lists(st.sampled_from(VOCABULARY.codes), min_size=1, unique=True))
    counts = {code: draw(st.integers(1, 99)) for code in codes}
    number_first = draw(st.booleans())
    parts = []
    for code, count in counts.items():
        alias = draw(st.sampled_from(ALIASES[code]))
        words = draw(st.sampled_from(sorted(spelled(count, bare=False))))
        parts.append(f"{words} {alias}" if number_first else f"{alias} {words}")
    text = draw(st.sampled_from([", ", "; ", "\n"])).join(parts)
    form = draw(st.sampled_from(["NFC", "NFD", "upper"]))
    text = text.upper() if form == "upper" else unicodedata.normalize(form, text)
    return text, counts


@SETTINGS
@given(reports_in_words())
def test_counts_in_words_beside_their_indicator_parse_back_exactly(
    report: tuple[str, dict[str, int]],
) -> None:
    text, counts = report
    parsed = parse_report(text, vocabulary=VOCABULARY, today=TODAY, earliest_open=OPEN)
    assert parsed.counts == counts
