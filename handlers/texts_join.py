"""What is said to people joining: the stranger's greeting, invites (created, used, wrong)."""

from __future__ import annotations

from collections.abc import Mapping

from handlers.texts import ROLE_NAMES, esc, example

STRANGER = (
    "Xin chào! Đây là trợ lý báo cáo của <b>Tổ công nghệ số cộng đồng</b>.\n"
    "Bạn chưa tham gia tổ nào. Hãy xin tổ trưởng thôn hoặc cán bộ xã một <b>mã mời</b>, "
    "rồi gửi: <code>/thamgia MÃ_MỜI</code> (ví dụ <code>/thamgia K7PX3MQA</code>)."
)
INVITE_MISSING = "Bạn cần gửi kèm mã mời, ví dụ: <code>/thamgia K7PX3MQA</code>."
INVITE_UNKNOWN = (
    "Mã mời <code>{code}</code> không đúng. Hãy kiểm tra lại từng chữ với người gửi mã."
)
INVITE_SPENT = "Mã mời <code>{code}</code> đã hết hạn hoặc đã dùng hết lượt. Hãy xin mã mới."
INACTIVE = "Tài khoản của bạn đã ngừng hoạt động. Hãy liên hệ lãnh đạo xã nếu cần tham gia lại."


def invite_unknown(code: str) -> str:
    return INVITE_UNKNOWN.format(code=esc(code))


def invite_spent(code: str) -> str:
    return INVITE_SPENT.format(code=esc(code))


def joined(name: str, unit: str, role: str, labels: Mapping[str, str]) -> str:
    return (
        f"Chào mừng <b>{esc(name)}</b>! Bạn đã tham gia <b>{esc(unit)}</b> "
        f"với vai trò {ROLE_NAMES.get(role, role)}.\n"
        f"Báo cáo bằng một tin nhắn ngắn, ví dụ: <code>{esc(example(labels))}</code>\n"
        "Gõ /help để xem các lệnh."
    )


def already_member(unit: str) -> str:
    return f"Bạn đã là thành viên của <b>{esc(unit)}</b>. Gõ /help để xem các lệnh."


def invite_created(code: str, link: str, unit: str, role: str, days: int) -> str:
    return (
        f"📨 Mã mời <code>{esc(code)}</code> vào <b>{esc(unit)}</b> "
        f"(vai trò {ROLE_NAMES.get(role, role)}), dùng được {days} ngày.\n"
        f"Gửi cho người cần tham gia: {esc(link)}\n"
        f"Trên Zalo hoặc khi không bấm được liên kết: gõ <code>/thamgia {esc(code)}</code>. "
        "Hoặc quét mã QR trong ảnh."
    )
