"""What is said when one person links their Zalo and Telegram accounts (/lienket)."""

from __future__ import annotations

from handlers.texts import esc

LINK_BAD_CODE = (
    "Mã liên kết không đúng hoặc đã hết hạn. Gõ /lienket trên ứng dụng kia để lấy mã mới."
)
LINK_SAME_APP = "Hãy gửi mã này trên ứng dụng còn lại (Zalo hoặc Telegram), không phải ở đây."
LINK_ALREADY = "Hai tài khoản này đã được liên kết rồi."
LINK_OTHER_UNIT = "Tài khoản này thuộc đơn vị khác, không thể gộp. Hãy liên hệ lãnh đạo xã."


def link_code(code: str, minutes: int) -> str:
    return (
        f"🔗 Mã liên kết: <code>{esc(code)}</code> (dùng trong {minutes} phút).\n"
        f"Trên ứng dụng còn lại, gửi: <code>/lienket {esc(code)}</code> — hai tài khoản sẽ là "
        "một: chung số liệu, chung lời nhắc."
    )


def linked(name: str) -> str:
    return f"✅ Đã liên kết: từ nay hai tài khoản là một, của <b>{esc(name)}</b>."
