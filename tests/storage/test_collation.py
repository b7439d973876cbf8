"""Vietnamese alphabetical order for lists people read."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from storage.collation import sorted_vn, vn_key


def test_d_with_stroke_comes_after_d_not_after_every_letter() -> None:
    assert sorted_vn(["Thôn Tây", "Thôn Đông", "Thôn Dư"]) == ["Thôn Dư", "Thôn Đông", "Thôn Tây"]
    assert sorted_vn(["Đa", "Ea", "Dz"]) == ["Dz", "Đa", "Ea"]


def test_tones_follow_the_bare_letter_in_school_order() -> None:
    tones = ["a", "à", "á", "ả", "ã", "ạ"]
    assert sorted_vn(list(reversed(tones))) == tones
    assert sorted_vn(["b", "ạ", "â", "ă", "a"]) == ["a", "ạ", "ă", "â", "b"]
    assert sorted_vn(["ư", "u", "ơ", "ô", "o", "p"]) == ["o", "ô", "ơ", "p", "u", "ư"]


def test_letters_decide_before_tones() -> None:
    assert sorted_vn(["an", "àm"]) == ["àm", "an"]  # m before n, whatever the tone
    assert sorted_vn(["Ấp Bắc", "An Bình", "Âu Cơ"]) == ["An Bình", "Ấp Bắc", "Âu Cơ"]


def test_numbers_by_value() -> None:
    assert sorted_vn(["Thôn 10", "Thôn 2", "Thôn 1"]) == ["Thôn 1", "Thôn 2", "Thôn 10"]


def test_case_and_unicode_form_do_not_change_the_place() -> None:
    decomposed = unicodedata.normalize("NFD", "Thôn Đông Ấp")
    assert vn_key(decomposed)[:3] == vn_key("Thôn Đông Ấp")[:3]
    assert sorted_vn(["thôn b", "Thôn A"]) == ["Thôn A", "thôn b"]


@given(st.lists(st.text(max_size=12), max_size=8))
def test_any_text_has_a_key_and_the_order_is_total(names: list[str]) -> None:
    once = sorted_vn(names)
    assert sorted_vn(list(reversed(once))) == once
