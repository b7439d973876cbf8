"""Vietnamese texts of the read-only API, its tokens and the outbound webhook."""

from __future__ import annotations

from html import escape

from handlers.texts_notices import NOTICE_DROP, NOTICE_SEND

__all__ = ["NOTICE_DROP", "NOTICE_SEND"]  # the chat's own button words, on the web too

NO_TOKEN = "Thiếu mã truy cập API (tiêu đề Authorization: Bearer …)."
BAD_TOKEN = "Mã truy cập API không đúng hoặc đã bị thu hồi."
TOO_MANY = "Quá nhiều yêu cầu với mã truy cập này. Vui lòng thử lại sau {seconds} giây."
BAD_CURSOR = "Tham số cursor không hợp lệ: hãy dùng đúng giá trị next_cursor của trang trước."
BAD_LIMIT = "Tham số limit phải là số nguyên từ 1 đến {most}."
BAD_FORMAT = "Định dạng không hỗ trợ: chỉ có json hoặc csv."


def month_only(key: str) -> str:
    return f"Trạng thái chốt số liệu chỉ có theo tháng (ví dụ 2026-11), không theo kỳ “{key}”."


NOT_FOUND = "Không có đường dẫn API này."

TOKEN_NAME_NEEDED = "Hãy đặt tên cho mã truy cập (ví dụ: Kho dữ liệu tỉnh), tối đa 80 ký tự."
TOKEN_UNKNOWN = "Không có mã truy cập số {number} trong đơn vị của bạn."
TOKEN_ALREADY_REVOKED = "Mã truy cập số {number} đã bị thu hồi trước đó."


def too_many(seconds: int) -> str:
    return TOO_MANY.format(seconds=seconds)


def bad_limit(most: int) -> str:
    return BAD_LIMIT.format(most=most)


def bad_period(text: str) -> str:
    return f"Kỳ “{text}” không hợp lệ: dùng 2026-11 (tháng), 2026-Q4 (quý) hoặc 2026 (năm)."


def bad_indicator(code: str) -> str:
    return f"Không có chỉ tiêu “{code}”."


def unit_unknown(code: str) -> str:
    return f"Không có đơn vị mã “{code}”."


def unit_outside(code: str) -> str:
    return f"Đơn vị mã “{code}” nằm ngoài phạm vi của mã truy cập này."


def token_unknown(number: int) -> str:
    return TOKEN_UNKNOWN.format(number=number)


def token_already_revoked(number: int) -> str:
    return TOKEN_ALREADY_REVOKED.format(number=number)


# --- the operations pages (groups, outbox, notices, tokens) --------------------------

OPS_TITLE = "Vận hành"
MESSAGE_OUTSIDE = "Tin nhắn này gửi tới người hoặc nhóm ngoài đơn vị của bạn."
NOTICE_OUTSIDE = "Thông báo này thuộc đơn vị ngoài phạm vi của bạn."
NOT_STOPPABLE = "Chỉ dừng được thông báo đang gửi gần nhất của chính bạn."
NOT_DEAD = "Tin nhắn này không còn ở trạng thái gửi lỗi: không cần gửi lại."
RETRIED = "Đã đưa tin nhắn vào hàng đợi để gửi lại."
TOKEN_SHOWN_ONCE = "Mã chỉ hiện một lần này: hãy sao chép và cất giữ an toàn."


def group_outside(unit: str) -> str:
    return f"Nhóm này gắn với {escape(unit)}, ngoài đơn vị của bạn."


def unbound(title: str, unit: str) -> str:
    name = escape(title or "không tên")
    return f"Đã gỡ nhóm “{name}” khỏi {escape(unit)}: nhóm không còn nhận tổng hợp, thông báo."


def token_revoked(number: int) -> str:
    return f"Đã thu hồi mã truy cập số {number}."
