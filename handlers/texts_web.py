"""What the web app says, in Vietnamese: the `/web` link and the pages' words."""

from __future__ import annotations

from handlers.texts import esc

ALREADY_DONE = "Yêu cầu này đã được xử lý rồi."


def login_link(url: str, minutes: int) -> str:
    return (
        f"Mở trang báo cáo và tiến độ: {esc(url)}\n"
        f"<i>Đường link dùng được một lần, trong {minutes} phút. Đừng chuyển cho người khác.</i>"
    )


TITLE = "Tổ công nghệ số cộng đồng"
MINI_APP_BUTTON = "Mở trang"
SIGN_IN_NEEDED = "Hãy mở trang này từ đường link bot gửi khi bạn nhắn /web."
LINK_SPENT = "Đường link đã dùng hoặc đã hết hạn. Hãy nhắn /web cho bot để nhận link mới."
FORBIDDEN = "Bạn không có quyền xem trang này."
NOT_FOUND = "Không tìm thấy trang hoặc đơn vị này."
BAD_FORM = "Biểu mẫu đã cũ, hãy tải lại trang và gửi lại."
TELEGRAM_FAILED = "Không xác thực được tài khoản Telegram. Hãy mở lại từ nút trong bot."
TELEGRAM_STRANGER = "Tài khoản Telegram này chưa tham gia tổ nào. Hãy dùng mã mời trước."
SIGNED_OUT = "Bạn đã đăng xuất. Nhắn /web cho bot khi cần mở lại."


def number(value: int) -> str:
    """1.178 (Vietnamese thousands separator)."""
    return f"{value:,}".replace(",", ".")


def bad_numbers() -> str:
    return "Số lượng phải là số nguyên, ngày phải chọn trong lịch. Hãy thử lại."


def console_web(url: str) -> str:
    return f"Trang web: {url}/app — gõ /web để nhận đường link đăng nhập."
