"""Texts by feature: examples in the indicators in use (a province that follows other
indicators sees its own codes), the same words as before for the default set."""

from __future__ import annotations

from datetime import date

from handlers import texts_help, texts_join, texts_reminders, texts_report

OTHERS = {"dvc": "DVC", "sskdt": "SKĐT"}
DEFAULT = {"vneid": "VNeID", "cks": "CKS", "tt": "TT"}
TODAY = date(2026, 11, 21)


def test_help_examples_use_the_indicators_in_use() -> None:
    said = texts_help.help_text(["bc", "sua"], "member", True, TODAY, labels=OTHERS)
    assert "/bc dvc 5 sskdt 2 — báo cáo" in said
    assert "/sua MÃ dvc 4 — sửa" in said
    assert said.endswith("bạn có thể gửi thẳng: dvc 5 sskdt 2")
    default = texts_help.help_text(["bc", "sua"], "member", True, TODAY, labels=DEFAULT)
    assert "/bc vneid 5 cks 2 — báo cáo (thêm “hôm qua” hoặc “19/11”" in default
    assert "/sua MÃ vneid 4 — sửa" in default


def test_receipts_refusals_and_greetings_name_the_indicators_in_use() -> None:
    saved = texts_report.report_saved({"dvc": 2}, OTHERS, TODAY, "ABC234")
    assert "<code>/sua ABC234 dvc 4</code>" in saved and "vneid" not in saved
    assert "<code>/bc dvc 5 sskdt 2</code>" in texts_report.report_needs_text(OTHERS)
    assert "<code>/sua ABC234 dvc 4</code>" in texts_report.receipt_missing(OTHERS)
    assert "<code>/sua X1 dvc 4</code>" in texts_report.correct_needs_report("X1", OTHERS)
    assert "<code>dvc 5 sskdt 2</code>" in texts_report.not_text(OTHERS)
    assert "<code>/sua MÃ_PHIẾU dvc 4</code>" in texts_report.edited(OTHERS)
    assert "<code>/bc dvc 5 sskdt 2</code>" in texts_help.group_greeting(OTHERS)
    assert "<code>dvc 5 sskdt 2</code>" in texts_join.joined("An", "Thôn 1", "member", OTHERS)


def test_a_reminder_shows_the_indicators_in_use() -> None:
    words = texts_reminders.WORDING
    reminder = words.reminder("An", "Thôn 1", "2026-11", date(2026, 11, 20), OTHERS)
    assert "ví dụ: <code>dvc 5 sskdt 2</code>" in reminder
    default = words.reminder("An", "Thôn 1", "2026-11", date(2026, 11, 20), DEFAULT)
    assert default == words.reminder("An", "Thôn 1", "2026-11", date(2026, 11, 20))
