"""What is said about notices (/thongbao): the preview, the notice itself, its progress."""

from __future__ import annotations

from handlers.texts import esc

NOTICE_USAGE = "Hãy ghi nội dung sau lệnh, ví dụ: <code>/thongbao Họp tổ lúc 8h thứ Hai</code>."
NOTICE_SEND = "Gửi"
NOTICE_DROP = "Bỏ"
NOTICE_NOT_YOURS = "Thông báo này không phải của bạn."
NOTICE_ALREADY = "Thông báo này đã được xử lý rồi."
NOTICE_DROPPED = "Đã bỏ thông báo, không gửi cho ai."
NOTICE_NONE = "Bạn không có thông báo nào đang gửi."


def notice_too_long(length: int, limit: int) -> str:
    return f"Thông báo dài {length} ký tự; tối đa {limit}. Hãy rút gọn."


def notice_preview(text: str, people: int, groups: int, unit: str, number: int) -> str:
    return (
        f"📢 Thông báo tới mọi người trong <b>{esc(unit)}</b>: {people} người và {groups} nhóm "
        f"sẽ nhận.\n\n{esc(text)}\n\nBấm <b>{NOTICE_SEND}</b> để gửi hoặc <b>{NOTICE_DROP}</b> "
        f"(hoặc gõ <code>/xacnhan {number}</code> để gửi)."
    )


def notice_message(author: str, unit: str, text: str) -> str:
    return f"📢 <b>Thông báo</b> từ {esc(author)} ({esc(unit)}):\n{esc(text)}"


def notice_sending(total: int) -> str:
    return f"Đang gửi thông báo tới {total} nơi. Dừng phần chưa gửi: /huythongbao"


def notice_progress(sent: int, total: int) -> str:
    return f"📢 Đã gửi {sent}/{total}."


def notice_stopped(stopped: int, total: int) -> str:
    gone = total - stopped
    return f"Đã dừng thông báo: {stopped} tin chưa gửi sẽ không gửi nữa ({gone}/{total} đã đi)."
