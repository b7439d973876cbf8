"""What the bot says about people and receipts being changed: locking, unlocking, roles,
invites used by someone who is already a member, and corrections. Vietnamese, like
`handlers.texts` (kept apart so the two can change independently)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from handlers.texts import ROLE_NAMES, day_vn, esc


def role_name(role: str) -> str:
    return ROLE_NAMES.get(role, role)


def _roles() -> str:
    return ", ".join(ROLE_NAMES.values())


# --- who may be managed --------------------------------------------------------------------

LOCK_USAGE = "Hãy ghi số của thành viên (xem /thanhvien), ví dụ: <code>/khoa 12</code>."
UNLOCK_USAGE = "Hãy ghi số của thành viên (xem /thanhvien), ví dụ: <code>/mokhoa 12</code>."


def role_usage() -> str:
    return (
        "Hãy ghi số thành viên (xem /thanhvien) và vai trò mới, ví dụ: "
        f"<code>/vaitro 12 tổ trưởng thôn</code>. Các vai trò: {_roles()}."
    )


def role_unknown(word: str) -> str:
    return (
        f"Không rõ vai trò “{esc(word)}”. Các vai trò: {_roles()} (có dấu hoặc không dấu đều được)."
    )


def member_not_found(number: str) -> str:
    return f"Không có thành viên số {esc(number)}. Số của từng người có trong /thanhvien."


def member_outside(number: str) -> str:
    return f"Thành viên số {esc(number)} không thuộc đơn vị bạn phụ trách."


SELF_ACTIONS = {"lock": "khóa", "unlock": "mở khóa cho", "role": "đổi vai trò của"}


def not_yourself(action: str) -> str:
    return f"Bạn không thể tự {SELF_ACTIONS[action]} chính mình. Hãy nhờ cấp trên."


def target_too_high(name: str, target_role: str, my_role: str) -> str:
    return (
        f"{esc(name)} là {role_name(target_role)}: bạn ({role_name(my_role)}) chỉ quản lý "
        "được người có vai trò thấp hơn mình. Hãy nhờ cấp trên."
    )


def role_too_high(role: str, my_role: str) -> str:
    return (
        f"Bạn là {role_name(my_role)} nên chỉ giao được vai trò đến {role_name(my_role)}; "
        f"không thể giao vai trò {role_name(role)}."
    )


# --- locking, unlocking, roles -------------------------------------------------------------

LOCK_BUTTON = "Khóa"
LOCK_DROP_BUTTON = "Không khóa"
LOCK_DROPPED = "Đã bỏ, không khóa ai."


def lock_confirm(name: str, unit: str, number: int) -> str:
    return (
        f"🔒 Khóa <b>{esc(name)}</b> ({esc(unit)})? Người này sẽ không báo cáo được nữa; "
        "số liệu đã ghi vẫn được tính.\n"
        f"Bấm <b>{LOCK_BUTTON}</b> để xác nhận, hoặc gõ <code>/xacnhan khoa {number}</code>. "
        f"Mở lại sau này: <code>/mokhoa {number}</code>."
    )


def locked(name: str, unit: str, number: int) -> str:
    return (
        f"🔒 Đã khóa {esc(name)} ({esc(unit)}). Người này không báo cáo được nữa; "
        f"số liệu đã ghi vẫn được tính. Mở lại: <code>/mokhoa {number}</code>."
    )


def unlocked(name: str, unit: str) -> str:
    return f"🔓 Đã mở khóa {esc(name)} ({esc(unit)}): người này báo cáo lại được."


def already_active(name: str) -> str:
    return f"{esc(name)} đang hoạt động, không cần mở khóa."


def role_changed(name: str, old: str, new: str) -> str:
    return f"✅ Đã đổi vai trò của {esc(name)}: {role_name(old)} → <b>{role_name(new)}</b>."


def role_same(name: str, role: str) -> str:
    return f"{esc(name)} đã là {role_name(role)}, không có gì thay đổi."


# --- an invite used by someone who is already a member ------------------------------------


def rejoined(
    name: str, unit: str, role: str, was_unit: str, was_role: str, was_locked: bool
) -> str:
    lines = [f"✅ <b>{esc(name)}</b>: mã mời đã được áp dụng."]
    if was_locked:
        lines.append("• Tài khoản được mở lại: bạn báo cáo lại được.")
    if was_role != role:
        lines.append(f"• Vai trò: {role_name(was_role)} → <b>{role_name(role)}</b>")
    if was_unit != unit:
        lines.append(f"• Đơn vị: {esc(was_unit)} → <b>{esc(unit)}</b>")
        lines.append("Số liệu đã báo cáo trước đây vẫn tính cho đơn vị cũ.")
    lines.append("Gõ /help để xem các lệnh.")
    return "\n".join(lines)


def invite_changes_nothing(unit: str, role: str) -> str:
    return (
        f"Bạn đã là {role_name(role)} của <b>{esc(unit)}</b>; mã mời này không thay đổi gì "
        "(và chưa bị tính lượt dùng). Gõ /help để xem các lệnh."
    )


def invite_not_entitled(code: str) -> str:
    return (
        f"Mã mời <code>{esc(code)}</code> do người nay không còn quyền giao đơn vị hoặc vai trò "
        "này tạo ra, nên không áp dụng được. Hãy xin mã mới từ lãnh đạo phụ trách."
    )


def invite_would_demote(code: str, role: str, current: str) -> str:
    return (
        f"Mã mời <code>{esc(code)}</code> cho vai trò {role_name(role)}, thấp hơn vai trò hiện "
        f"tại của bạn ({role_name(current)}). Mã mời không hạ vai trò; nếu cần, hãy nhờ cấp "
        "trên dùng <code>/vaitro</code>."
    )


# --- corrections ---------------------------------------------------------------------------

REPLACE_WORDS = ("thay",)  # `/sua MÃ thay vneid 4`: the whole receipt becomes `vneid 4`


def correct_unchanged(code: str) -> str:
    return f"Phiếu <code>{esc(code)}</code> đã có đúng các số này, không có gì thay đổi."


def receipt_replaced(code: str, current: str, current_active: bool) -> str:
    if not current_active:
        return (
            f"Phiếu <code>{esc(code)}</code> đã được sửa trước đó, thành phiếu "
            f"<code>{esc(current)}</code>, và phiếu đó cũng đã bị hủy. Không có gì thay đổi."
        )
    return (
        f"Phiếu <code>{esc(code)}</code> đã được sửa trước đó: phiếu đang có hiệu lực là "
        f"<code>{esc(current)}</code>. Hãy dùng <code>/sua {esc(current)} vneid 4</code> hoặc "
        f"<code>/huy {esc(current)}</code>."
    )


def corrected(
    old: str,
    new: str,
    before: Mapping[str, int],
    after: Mapping[str, int],
    labels: Mapping[str, str],
    days: tuple[date, date],
) -> str:
    """Per indicator what changed (old → new) and what was kept."""
    old_day, day = days
    shown_day = f"<b>{day_vn(day)}</b>"
    if old_day != day:
        shown_day = f"{day_vn(old_day)} → {shown_day}"
    lines = [f"✏️ Đã sửa phiếu <code>{old}</code>. Phiếu mới <code>{new}</code>, ngày {shown_day}:"]
    for code in _ordered(before, after, labels):
        label, was, now = esc(labels.get(code, code)), before.get(code), after.get(code)
        if was == now:
            lines.append(f"• {label}: <b>{now}</b> (giữ nguyên)")
        elif now is None:
            lines.append(f"• {label}: {was} → bỏ")
        else:
            lines.append(f"• {label}: {was or 0} → <b>{now}</b>")
    lines.append(f"Sửa tiếp: <code>/sua {new} vneid 4</code> · hủy: <code>/huy {new}</code>.")
    return "\n".join(lines)


def _ordered(
    before: Mapping[str, int], after: Mapping[str, int], labels: Mapping[str, str]
) -> Sequence[str]:
    codes = set(before) | set(after)
    return [c for c in labels if c in codes] + sorted(codes - set(labels))
