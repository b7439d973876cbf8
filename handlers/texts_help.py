"""/help: one line per command (the registry says which and in what order), the group
greeting and the answer to an unknown command."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from handlers.texts import EXAMPLE, ROLE_NAMES, day_month, esc, example
from handlers.texts_team import away_example

COMMAND_HELP = {
    "bc": "/bc {example} — báo cáo (thêm “hôm qua” hoặc “{past}” để ghi cho ngày khác)",
    "vneid": "/vneid 5, /cks 3, /tt 2 — báo cáo nhanh một chỉ tiêu",
    "huy": "/huy — hủy báo cáo gần nhất; /huy MÃ — hủy một phiếu",
    "sua": "/sua MÃ {first} 4 — sửa số một chỉ tiêu của phiếu (các chỉ tiêu khác giữ nguyên)",
    "khongphatsinh": "/khongphatsinh [tháng trước] — thôn không phát sinh số liệu trong tháng",
    "toi": "/toi — số liệu của bạn hôm nay, tuần này, tháng này",
    "chitieu": "/chitieu [MÃ_ĐƠN_VỊ] — chỉ tiêu tháng này",
    "tiendo": "/tiendo [MÃ_ĐƠN_VỊ] — tiến độ từng đơn vị so với chỉ tiêu",
    "chuabaocao": "/chuabaocao [MÃ_ĐƠN_VỊ] — thôn chưa báo cáo tháng này (trên xã: đếm theo xã)",
    "nhacnho": "/nhacnho [MÃ_ĐƠN_VỊ] — nhắc ngay thành viên các thôn chưa báo cáo (1 lần/ngày)",
    "thanhvien": "/thanhvien [MÃ_ĐƠN_VỊ] — danh sách thành viên",
    "khoa": "/khoa SỐ — khóa một thành viên (hỏi xác nhận trước; số liệu vẫn giữ)",
    "mokhoa": "/mokhoa SỐ — mở khóa một thành viên",
    "vaitro": "/vaitro SỐ VAI_TRÒ — đổi vai trò một thành viên (đến vai trò của bạn)",
    "moi": "/moi [MÃ_ĐƠN_VỊ] [VAI_TRÒ] — tạo mã mời kèm mã QR",
    "xuat": "/xuat [MÃ_ĐƠN_VỊ] [2026-11|2026-Q4|2026] — xuất bảng tổng hợp Excel",
    "chot": "/chot [tháng trước|10/2026] — lãnh đạo xã chốt số liệu tháng, gửi cấp trên duyệt",
    "duyet": "/duyet MÃ_XÃ [10/2026] — duyệt số liệu xã đã chốt (khóa tháng đó)",
    "tralai": "/tralai MÃ_XÃ LÝ_DO — trả lại số liệu xã đã chốt",
    "mochot": "/mochot MÃ_XÃ [10/2026] LÝ_DO — mở lại tháng đã duyệt",
    "lienket": "/lienket — lấy mã để dùng chung một tài khoản trên Zalo và Telegram",
    "vang": "/vang {away} — báo đi vắng đến ngày đó (không bị nhắc); /vang hủy",
    "tonghop": "/tonghop [MÃ_ĐƠN_VỊ] — bảng tổng hợp tuần kèm biểu đồ",
    "ganhom": "/ganhom MÃ_ĐƠN_VỊ — (trong nhóm) gắn nhóm với đơn vị để nhận tổng hợp tuần",
    "thongbao": "/thongbao NỘI_DUNG — gửi thông báo tới mọi người trong đơn vị",
    "huythongbao": "/huythongbao — dừng phần thông báo chưa gửi",
    "web": "/web — mở trang báo cáo và tiến độ trên điện thoại hoặc máy tính",
    "help": "/help — danh sách lệnh",
}


def group_greeting(labels: Mapping[str, str]) -> str:
    return (
        "Xin chào cả nhóm! Mình là trợ lý báo cáo của Tổ công nghệ số cộng đồng.\n"
        f"• Thành viên báo cáo trong nhóm bằng lệnh: <code>/bc {esc(example(labels))}</code>\n"
        "• Quản trị viên gắn nhóm với đơn vị bằng: <code>/ganhom MÃ_ĐƠN_VỊ</code>, "
        "để nhóm nhận bảng tổng hợp hằng tuần."
    )


def help_text(
    commands: Iterable[str],
    role: str,
    private: bool,
    today: date,
    shortcuts: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> str:
    """`shortcuts`: the line of the one-indicator shortcuts, for the indicators in use;
    `labels`: those indicators (code -> label, display order), for the examples."""
    said = example(labels) if labels else EXAMPLE
    first = next(iter(labels)) if labels else "vneid"
    lines = [f"Các lệnh dành cho {ROLE_NAMES.get(role, role)}:"]
    for c in (c for c in commands if c in COMMAND_HELP):
        line = shortcuts if c == "vneid" and shortcuts else None
        lines.append(esc(line or _filled(COMMAND_HELP[c], today, said, first)))
    if private:
        lines.append(f"Trong tin nhắn riêng, bạn có thể gửi thẳng: {esc(said)}")
    return "\n".join(lines)


def _filled(line: str, today: date, said: str, first: str) -> str:
    """Example days near the reader's own (two days back to report late, a week ahead for
    an absence: a fixed "30/11" reads oddly in March) and the indicators in use."""
    past, away = day_month(today - timedelta(days=2)), away_example(today)
    return (
        line.replace("{past}", past)
        .replace("{away}", away)
        .replace("{example}", said)
        .replace("{first}", first)
    )


def unknown_command(command: str) -> str:
    return f"Mình không biết lệnh /{esc(command)}. Gõ /help để xem các lệnh."
