"""Texts of the declaration of a month with nothing to report ("không phát sinh")."""

from __future__ import annotations

from html import escape

from handlers.texts import period_name

COMMAND = "khongphatsinh"
UNDO_BUTTON = "Hủy khai báo này"
EXPORT_MARK = "không phát sinh"


def export_name(name: str) -> str:
    """A village's name on an export row when it declared the month "không phát sinh"."""
    return f"{name} ({EXPORT_MARK})"


def declared(unit: str, month: str, receipt: str) -> str:
    return (
        f"✅ Đã ghi: <b>{escape(unit)}</b> không phát sinh số liệu {period_name(month)} "
        f"(mã <code>{receipt}</code>).\nThôn được tính là đã báo cáo (số 0) và không bị nhắc. "
        f"Nếu có số liệu, cứ báo cáo bình thường: khai báo này sẽ tự bỏ. "
        f"Hủy: <code>/huy {receipt}</code>."
    )


def already_declared(unit: str, month: str, receipt: str) -> str:
    return (
        f"{escape(unit)} đã khai không phát sinh {period_name(month)} "
        f"(mã <code>{receipt}</code>), không có gì thay đổi."
    )


def has_reports(unit: str, month: str) -> str:
    return (
        f"{escape(unit)} đã có số liệu {period_name(month)}, nên không thể khai không phát sinh. "
        "Nếu số đã báo bị sai, hãy hủy phiếu đó bằng <code>/huy MÃ</code> trước."
    )


def undone(unit: str, month: str, receipt: str) -> str:
    return (
        f"↩️ Đã hủy khai báo không phát sinh <code>{receipt}</code> của {escape(unit)} "
        f"({period_name(month)}). Thôn lại được tính là chưa báo cáo."
    )


def cleared(receipt: str) -> str:
    return f"\nKhai báo không phát sinh <code>{receipt}</code> của tháng này đã tự bỏ."


def closed(month: str) -> str:
    return (
        f"{period_name(month, capital=True)} đã khóa sổ, không thể khai không phát sinh. "
        "Hãy báo lãnh đạo xã nếu cần điều chỉnh."
    )


def future(month: str) -> str:
    return f"{period_name(month, capital=True)} chưa đến, chưa thể khai không phát sinh."


NOT_A_VILLAGE = "Chỉ thành viên của một thôn mới khai được “không phát sinh”, cho thôn của mình."
BAD_MONTH = (
    "Mình chưa hiểu tháng nào. Ví dụ: <code>/khongphatsinh</code> (tháng này), "
    "<code>/khongphatsinh tháng trước</code> hoặc <code>/khongphatsinh 10/2026</code>."
)
WITH_COUNTS = (
    "Tin nhắn vừa có số liệu vừa có “không phát sinh”, mình không đoán. Gửi số liệu "
    "(ví dụ <code>vneid 5</code>) hoặc chỉ <code>/khongphatsinh</code>."
)
