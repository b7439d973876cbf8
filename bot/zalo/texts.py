"""What the Zalo side says itself (Vietnamese; the rest comes from the handlers' texts)."""

from __future__ import annotations

from handlers.texts import esc

OA_SOMEONE = "Người dùng Zalo"  # an OA user whose name Zalo did not give


def oa_token_failed(app_id: str, reason: str) -> str:
    return (
        f"⚠️ Bot không làm mới được mã truy cập Zalo OA (ứng dụng <code>{esc(app_id)}</code>): "
        f"{esc(reason)}. Tin nhắn qua OA sẽ không gửi được cho đến khi quản trị viên cấp mã "
        "mới bằng lệnh <code>cnsbot zalo-oa-token</code>."
    )
