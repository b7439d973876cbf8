"""What the bot says about the language of a report: courtesy answers, the refusals of
days and numbers that could be read two ways, and the words set aside in a receipt.

Kept apart from `texts` so that changes to the grammar's wording stay in one place.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from html import escape

# A message of thanks, "ok", "dạ vâng ạ", 👍: not a report, so no grammar error.
COURTESY = "😊 Dạ, cảm ơn bạn! Khi có số liệu mới, bạn cứ nhắn như: <code>vneid 5 cks 2</code>."

# Zero is not recorded: a month with nothing to report ("không phát sinh") is declared.
ZERO = (
    "Số 0 không cần ghi. Nếu tháng này thôn không phát sinh (không có gì để báo), gửi "
    "<code>/khongphatsinh</code>: thôn được tính là đã báo cáo."
)


def _day(day: object) -> str:
    return f"{day:%d/%m/%Y}" if isinstance(day, date) else escape(str(day), quote=False)


def dotted_number(text: str, day: str) -> str:
    return (
        f"“{escape(text, quote=False)}” đứng cạnh chỉ tiêu nên có thể là ngày {escape(day)} "
        f"hoặc một số lượng. Ghi ngày với dấu “/” (ví dụ <code>ngày {escape(day)}</code>), "
        "số lượng là số nguyên."
    )


def day_on_one_line(text: str, day: object) -> str:
    return (
        f"Ngày “{escape(text, quote=False)}” ({_day(day)}) chỉ ghi ở một dòng, các dòng khác "
        "chưa có ngày. Hãy ghi ngày ở đầu tin (ví dụ <code>hôm qua: vneid 5, cks 2</code>) "
        "hoặc gửi riêng từng ngày."
    )


def two_days(first: object, second: object) -> str:
    return (
        f"Tin này ghi hai ngày khác nhau ({_day(first)} và {_day(second)}). "
        "Một tin chỉ ghi cho một ngày: hãy gửi riêng từng ngày."
    )


def set_aside(words: Iterable[str]) -> str:
    """The receipt's short line about words carrying no count (units, names)."""
    shown = ", ".join(escape(w, quote=False) for w in words)
    return f"\n<i>Không tính là số lượng: {shown}.</i>" if shown else ""


def not_a_report(command: str) -> str:
    """`cnsbot parse` given a command that is not a report (`/huy`, `/toi`)."""
    return f"/{escape(command)} không phải lệnh báo cáo. Báo cáo ví dụ: <code>/bc vneid 5</code>."
