"""What the bot says about per-person limits, confirmations, group binding and wrong codes.

Same rules as `handlers.texts`: Vietnamese, a small HTML subset, everything a person typed
or named goes through `esc`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from handlers.texts import ROLE_NAMES, counts_lines, day_vn, esc

# --- reports: so many a minute, and a daily total that asks first ------------------------


def too_many_reports(limit: int) -> str:
    return (
        f"⏳ Bạn đã gửi {limit} báo cáo trong một phút vừa qua (tối đa {limit} báo cáo mỗi "
        "phút). Báo cáo này <b>chưa được ghi</b>. Hãy đợi một phút rồi gửi lại."
    )


CONFIRM_REPORT_BUTTON = "Ghi báo cáo này"
CONFIRM_UNDO_BUTTON = "Hủy hết"
DROP_BUTTON = "Bỏ"


def report_needs_confirm(
    counts: Mapping[str, int],
    labels: Mapping[str, str],
    day: date,
    over: Mapping[str, int],
    limit: int,
    code: str,
    hours: int,
) -> str:
    """`over`: indicator -> what the member already has that day."""
    lines = "\n".join(
        f"• {esc(labels.get(c, c))}: đã có {have}, thêm {counts[c]} = <b>{have + counts[c]}</b>"
        for c, have in over.items()
    )
    return (
        f"⚠️ Báo cáo ngày <b>{day_vn(day)}</b> vượt mức {limit} mỗi chỉ tiêu trong một ngày "
        f"của một người:\n{lines}\nBáo cáo <b>chưa được ghi</b>:\n{counts_lines(counts, labels)}\n"
        f"Nếu đúng, bấm <b>{CONFIRM_REPORT_BUTTON}</b> hoặc gõ <code>/xacnhan {code}</code> "
        f"(trong {hours} giờ). Nếu sai, bấm <b>{DROP_BUTTON}</b> hoặc bỏ qua tin này."
    )


def correct_over_limit(
    counts: Mapping[str, int],
    labels: Mapping[str, str],
    day: date,
    over: Mapping[str, int],
    limit: int,
) -> str:
    """`over`: indicator -> what the member has that day besides the receipt corrected."""
    lines = "\n".join(
        f"• {esc(labels.get(c, c))}: đã có {have}, sửa thành {counts[c]} = "
        f"<b>{have + counts[c]}</b>"
        for c, have in over.items()
    )
    return (
        f"⚠️ Sửa như vậy làm ngày <b>{day_vn(day)}</b> vượt mức {limit} mỗi chỉ tiêu trong một "
        f"ngày của một người:\n{lines}\nPhiếu <b>chưa được sửa</b>. Nếu số đúng là như vậy, hãy "
        "gửi phần thêm như một báo cáo mới: bot sẽ hỏi xác nhận."
    )


CONFIRM_USAGE = (
    "Hãy ghi mã cần xác nhận (có trong tin nhắn hỏi lại), ví dụ: <code>/xacnhan K7PX3M</code>."
)


def pending_unknown(code: str) -> str:
    return f"Không có yêu cầu xác nhận <code>{esc(code)}</code>. Mã có trong tin nhắn hỏi lại."


def pending_not_yours(code: str) -> str:
    return f"Yêu cầu <code>{esc(code)}</code> không phải của bạn: chỉ người gửi mới xác nhận được."


def pending_done(code: str) -> str:
    return f"Yêu cầu <code>{esc(code)}</code> đã được xử lý rồi, không làm thêm gì."


def pending_expired(code: str) -> str:
    return f"Yêu cầu <code>{esc(code)}</code> đã quá hạn xác nhận. Hãy gửi lại từ đầu."


PENDING_DROPPED = "Đã bỏ, không ghi và không hủy gì."


def pending_closed(day: date) -> str:
    return f"Kỳ báo cáo của ngày {day_vn(day)} đã khóa, không thay đổi được nữa."


# --- a leader undoes one member's day ------------------------------------------------------

UNDO_DAY_USAGE = (
    "Hủy mọi phiếu của một thành viên trong một ngày: <code>/huy SỐ NGÀY</code>, ví dụ "
    "<code>/huy 12 27/11</code> (số thành viên xem trong /thanhvien)."
)


def undo_day_rank(name: str, role: str) -> str:
    return (
        f"{esc(name)} là {ROLE_NAMES.get(role, role)}: bạn chỉ hủy được số liệu của người có "
        "vai trò thấp hơn mình. Không hủy gì."
    )


def undo_day_nothing(name: str, day: date) -> str:
    return f"{esc(name)} không có phiếu nào còn hiệu lực ngày {day_vn(day)}: không có gì để hủy."


def undo_day_preview(
    name: str,
    number: int,
    day: date,
    receipts: int,
    counts: Mapping[str, int],
    labels: Mapping[str, str],
    code: str,
    hours: int,
) -> str:
    return (
        f"Sắp hủy <b>{receipts}</b> phiếu của #{number} {esc(name)} ngày <b>{day_vn(day)}</b>, "
        f"tổng cộng:\n{counts_lines(counts, labels)}\nChưa hủy gì. Để hủy, bấm "
        f"<b>{CONFIRM_UNDO_BUTTON}</b> hoặc gõ <code>/xacnhan {code}</code> (trong {hours} giờ)."
    )


def undo_day_done(
    name: str, day: date, receipts: int, entries: int, counts: Mapping[str, int],
    labels: Mapping[str, str],
) -> str:  # fmt: skip
    return (
        f"↩️ Đã hủy <b>{receipts}</b> phiếu ({entries} dòng số liệu) của {esc(name)} "
        f"ngày {day_vn(day)}:\n{counts_lines(counts, labels)}\nCác số này không còn được tính."
    )


# --- binding a group -----------------------------------------------------------------------

BIND_NOT_ADMIN = (
    "Chỉ quản trị viên của nhóm mới gắn nhóm với đơn vị được (bot chưa xác nhận được bạn là "
    "quản trị viên của nhóm này)."
)


def bind_taken(unit: str, binder: str | None, role: str | None) -> str:
    who = f" (do {esc(binder)}, {ROLE_NAMES.get(role or '', role)}, gắn)" if binder else ""
    return (
        f"Nhóm này đang gắn với <b>{esc(unit)}</b>{who}. Chỉ người đã gắn, hoặc lãnh đạo cấp "
        f"cao hơn phụ trách {esc(unit)}, mới đổi được. Không thay đổi gì."
    )


# --- wrong codes ----------------------------------------------------------------------------


def wait_words(wait: timedelta) -> str:
    seconds = max(1, int(wait.total_seconds() + 0.999))
    if seconds < 60:
        return f"{seconds} giây"
    minutes = (seconds + 59) // 60
    if minutes < 120:
        return f"{minutes} phút"
    return f"{(minutes + 59) // 60} giờ"


def code_blocked(wait: timedelta) -> str:
    return (
        "⏳ Bạn đã nhập sai mã quá nhiều lần. Hãy thử lại sau "
        f"<b>{wait_words(wait)}</b>; lần này mã chưa được kiểm tra."
    )


def code_wait_starts(wait: timedelta) -> str:
    return f"Bạn đã nhập sai nhiều lần: hãy đợi <b>{wait_words(wait)}</b> rồi mới thử lại."
