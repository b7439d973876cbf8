"""The words of the Excel export (/xuat, the web app's download): sheets, headers, titles."""

from __future__ import annotations

from handlers.texts import esc, period_name

EXPORT_SHEET_SUMMARY = "Tổng hợp"
EXPORT_SHEET_RAW = "Số liệu chi tiết"
EXPORT_NUMBER = "STT"  # số thứ tự: never "TT", which is also an indicator's label
EXPORT_UNIT = "Đơn vị"
EXPORT_TRIPLE = ("Chỉ tiêu", "Kết quả", "Tỷ lệ")
EXPORT_TOTAL = "Tổng cộng"
EXPORT_RAW_HEADERS = (
    "Ngày", "Đơn vị", "Thành viên", "Chỉ tiêu", "Số lượng", "Mã phiếu", "Trạng thái", "Thay bằng",
)  # fmt: skip
EXPORT_ACTIVE = "Hiệu lực"
EXPORT_CANCELLED = "Đã hủy"

PERIOD_USAGE = "Kỳ báo cáo ghi dạng 2026-11 (tháng), 2026-Q4 (quý) hoặc 2026 (năm)."


def export_title(unit: str, period: str) -> str:
    return f"Kết quả Tổ công nghệ số cộng đồng — {unit} — {period_name(period)}"


def export_ready(unit: str, period: str) -> str:
    return (
        f"📄 Bảng tổng hợp <b>{esc(unit)}</b> {period_name(period)} (Excel, kèm số liệu chi tiết)."
    )
