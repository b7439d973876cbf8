"""What is said about reports: the receipt, undo and correct, and every refusal of a report
(what was wrong, that nothing was stored, and an example in the indicators in use)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import assert_never

from handlers import texts_language
from handlers.grammar import RefusalKind, ReportError
from handlers.texts import counts_lines, day_vn, esc, example, first_code


def report_saved(
    counts: Mapping[str, int], labels: Mapping[str, str], day: date, receipt: str
) -> str:
    return (
        f"✅ Đã ghi nhận báo cáo ngày <b>{day_vn(day)}</b>:\n{counts_lines(counts, labels)}\n"
        f"Mã phiếu: <code>{receipt}</code>. Ghi sai? Gõ <code>/huy {receipt}</code> để hủy "
        f"hoặc <code>/sua {receipt} {esc(first_code(labels))} 4</code> để sửa."
    )


def undone(receipt: str, counts: Mapping[str, int], labels: Mapping[str, str], day: date) -> str:
    return (
        f"↩️ Đã hủy phiếu <code>{receipt}</code> (ngày {day_vn(day)}):\n"
        f"{counts_lines(counts, labels)}\nCác số này không còn được tính."
    )


UNDO_BUTTON = "Hủy phiếu này"
NOTHING_TO_UNDO = "Bạn chưa có báo cáo nào để hủy."


def receipt_missing(labels: Mapping[str, str]) -> str:
    first = esc(first_code(labels))
    return f"Hãy gửi kèm mã phiếu, ví dụ: <code>/sua ABC234 {first} 4</code>."


def correct_needs_report(code: str, labels: Mapping[str, str]) -> str:
    first = esc(first_code(labels))
    return f"Hãy ghi báo cáo mới sau mã phiếu, ví dụ: <code>/sua {esc(code)} {first} 4</code>."


def report_needs_text(labels: Mapping[str, str]) -> str:
    return f"Hãy ghi số liệu sau lệnh, ví dụ: <code>/bc {esc(example(labels))}</code>."


def edited(labels: Mapping[str, str]) -> str:
    return (
        "Bạn vừa sửa một tin nhắn. Số liệu đã ghi <b>không</b> tự thay đổi theo. "
        f"Để sửa, gõ <code>/sua MÃ_PHIẾU {esc(first_code(labels))} 4</code> (mã phiếu có trong "
        "tin xác nhận)."
    )


def not_text(labels: Mapping[str, str]) -> str:
    return f"Mình chỉ đọc được tin nhắn chữ. Báo cáo ví dụ: <code>{esc(example(labels))}</code>"


def receipt_unknown(code: str) -> str:
    return f"Không tìm thấy phiếu <code>{esc(code)}</code>. Mã phiếu có trong tin xác nhận."


def receipt_not_yours(code: str) -> str:
    return (
        f"Phiếu <code>{esc(code)}</code> không phải của bạn và không thuộc đơn vị bạn phụ trách, "
        "nên bạn không thể hủy hay sửa."
    )


def receipt_cancelled(code: str) -> str:
    return f"Phiếu <code>{esc(code)}</code> đã được hủy trước đó, không có gì thay đổi."


def receipt_closed(code: str, day: date) -> str:
    return (
        f"Phiếu <code>{esc(code)}</code> (ngày {day_vn(day)}) thuộc kỳ báo cáo đã khóa. "
        "Hãy báo lãnh đạo xã nếu cần điều chỉnh."
    )


def _refusal_body(err: ReportError, labels: Mapping[str, str]) -> str:
    p = err.params

    def ind(key: str = "indicator") -> str:
        code = p.get(key)
        return esc(labels.get(str(code), code)) if code else "chỉ tiêu"

    match err.kind:
        case RefusalKind.empty:
            return "Tin nhắn chưa có số liệu nào."
        case RefusalKind.too_long:
            return f"Tin nhắn quá dài ({p.get('length')} ký tự, tối đa {p.get('limit')})."
        case RefusalKind.unknown_word:
            text = f"Mình không hiểu từ “{esc(p.get('word', ''))}”."
            if p.get("suggestion"):
                text += f" Ý bạn là <b>{ind('suggestion')}</b>?"
            return text
        case RefusalKind.missing_number:
            return f"Thiếu số lượng cho {ind()}."
        case RefusalKind.missing_indicator:
            codes = esc(", ".join(labels))  # the codes people type, in display order
            return f"Số {esc(p.get('number', ''))} chưa ghi là của chỉ tiêu nào ({codes})."
        case RefusalKind.duplicate_indicator:
            return f"{ind()} được ghi hai lần trong một tin. Mỗi chỉ tiêu chỉ ghi một số."
        case RefusalKind.zero:
            return f"Số lượng {ind()} bằng 0. {texts_language.ZERO}"
        case RefusalKind.negative:
            return f"Số lượng {ind()} không được âm. Để bớt số đã ghi, hãy dùng /sua."
        case RefusalKind.fraction:
            return f"Số lượng phải là số nguyên (không dùng “{esc(p.get('number', ''))}”)."
        case RefusalKind.above_cap:
            return (
                f"{ind()} {p.get('count')} vượt mức tối đa {p.get('cap')} cho một lần báo cáo. "
                "Hãy kiểm tra lại, hoặc chia thành nhiều lần."
            )
        case RefusalKind.bad_day:
            return f"Ngày “{esc(p.get('text', ''))}” không hợp lệ."
        case RefusalKind.future_day:
            day = p.get("day")
            return f"Ngày {day_vn(day) if isinstance(day, date) else esc(day)} chưa tới."
        case RefusalKind.closed_period:
            day = p.get("day")
            shown = day_vn(day) if isinstance(day, date) else esc(day)
            return f"Kỳ báo cáo của ngày {shown} đã khóa, không ghi thêm được."
        case RefusalKind.two_days:
            return texts_language.two_days(p.get("first"), p.get("second"))
        case RefusalKind.dotted_number:
            return texts_language.dotted_number(str(p.get("text", "")), str(p.get("day", "")))
        case RefusalKind.day_on_one_line:
            return texts_language.day_on_one_line(str(p.get("text", "")), p.get("day"))
        case RefusalKind.courtesy:  # answered before any refusal (`refusal`)
            return texts_language.COURTESY
        case unreachable:
            assert_never(unreachable)


def refusal(err: ReportError, labels: Mapping[str, str]) -> str:
    """A refused report: what was wrong, that nothing was stored, and an example in the
    indicators in use (`labels`, in display order)."""
    if err.kind is RefusalKind.courtesy:  # thanks or "ok": nothing to refuse
        return texts_language.COURTESY
    late = (list(labels)[:3] or ["tt"])[-1]  # a third indicator, reported for yesterday
    return (
        f"⚠️ {_refusal_body(err, labels)}\nChưa ghi nhận gì. "
        f"Ví dụ: <code>{esc(example(labels))}</code> hoặc <code>{esc(late)} 3 hôm qua</code>."
    )
