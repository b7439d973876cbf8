"""What the admin pages say, in Vietnamese: units, targets, roster, invite cards, audit.

Messages here are plain text (templates and the CLI escape them where they are shown)."""

from __future__ import annotations

import json
from typing import assert_never

from handlers.texts import ROLE_NAMES
from storage.models import AuditAction

LEVEL_NAMES = {"province": "tỉnh", "district": "huyện/cụm", "commune": "xã", "village": "thôn"}

# --- unit files ---------------------------------------------------------------------


def unit_code_repeats(code: str, line: int) -> str:
    return f"mã {code} trùng với dòng {line}"


UNIT_CODE_NAME_NEEDED = "cần có mã (code) và tên (name)"
UNIT_PARENT_NEEDED = "cần có mã đơn vị cấp trên (parent_code)"


def unit_level_unknown(level: str) -> str:
    return f"cấp «{level}» không rõ (dùng: thôn, xã, huyện/cụm, tỉnh)"


def unit_parent_missing(code: str) -> str:
    return f"đơn vị cấp trên {code} không có trong hệ thống cũng như trong tệp"


def unit_parent_wrong(level: str, parent_level: str, code: str) -> str:
    return (
        f"{LEVEL_NAMES.get(level, level)} không thể nằm dưới "
        f"{LEVEL_NAMES.get(parent_level, parent_level)} ({code})"
    )


def unit_outside(code: str) -> str:
    return f"đơn vị {code} nằm ngoài phạm vi bạn quản lý"


def unit_is_yours(code: str) -> str:
    return f"không thể sửa đơn vị của chính bạn hoặc cấp trên ({code}) từ tệp"


def unit_cycle(code: str) -> str:
    return f"không thể chuyển {code} vào bên dưới chính nó"


# --- target files and the grid ------------------------------------------------------


def target_no_unit(code: str) -> str:
    return f"không có đơn vị «{code}»"


def target_no_indicator(name: str, codes: str) -> str:
    return f"không có chỉ tiêu «{name}» (có: {codes})"


def target_retired(code: str) -> str:
    return f"chỉ tiêu «{code}» đã ngừng dùng"


def target_not_whole(value: str) -> str:
    return f"giá trị «{value}» không phải số nguyên"


def target_repeats(line: int) -> str:
    return f"trùng với dòng {line}"


def target_bad_period(text: str) -> str:
    return f"kỳ «{text}» không hợp lệ (ví dụ: 2026-11, 2026-Q4, 2026)"


# --- roster files -------------------------------------------------------------------

ROSTER_NAME_NEEDED = "cần có họ tên (name)"
ROSTER_NAME_LONG = "họ tên dài quá 80 ký tự"
ROSTER_UNIT_NEEDED = "cần có mã thôn (village_code)"


def roster_no_unit(code: str) -> str:
    return f"không có thôn mã «{code}»"


def roster_not_village(code: str) -> str:
    return f"«{code}» không phải là thôn"


def roster_bad_phone(phone: str) -> str:
    return f"số điện thoại «{phone}» không hợp lệ (10 chữ số, ví dụ 0912345678)"


def roster_bad_role(role: str) -> str:
    return f"vai trò «{role}» không rõ (thành viên tổ, tổ trưởng thôn, lãnh đạo xã, ...)"


def roster_role_too_high(role: str) -> str:
    return f"bạn không thể giao vai trò {ROLE_NAMES.get(role, role)} (cao hơn vai trò của bạn)"


def roster_repeats(line: int) -> str:
    return f"trùng người với dòng {line} (cùng họ tên, thôn và số điện thoại)"


ROSTER_EMPTY = "tệp không có dòng nào"
FILE_UNREADABLE = "Không đọc được tệp. Hãy dùng tệp CSV (UTF-8) hoặc Excel (.xlsx)."
FILE_MISSING = "Hãy chọn một tệp CSV hoặc Excel (.xlsx)."
FILE_TOO_BIG = "Tệp quá lớn (tối đa 5 MB)."


def line_error(line: int, message: str) -> str:
    return f"Dòng {line}: {message}"


NOTHING_CHANGED = "Tệp có lỗi nên chưa thay đổi gì. Hãy sửa các dòng trên rồi tải lên lại."

# --- the cards ----------------------------------------------------------------------

CARD_HOW_TO = "Quét mã QR bằng điện thoại (hoặc mở đường link), bấm Bắt đầu trong Telegram."
CARD_CODE = "Mã mời"
PACK_SHEET = "Thẻ mời"
PACK_HEADER = ("STT", "Họ tên", "Điện thoại", "Thôn", "Mã thôn", "Vai trò", "Mã mời", "Đường link")


def role_name(role: str) -> str:
    return ROLE_NAMES.get(role, role)


# --- results of actions -------------------------------------------------------------


def units_applied(added: int, changed: int) -> str:
    return f"Đã cập nhật cây đơn vị: thêm {added}, sửa {changed}."


def targets_saved(count: int) -> str:
    return f"Đã lưu {count} chỉ tiêu."


def targets_checked(count: int) -> str:
    return f"Tệp hợp lệ: {count} chỉ tiêu sẽ thay đổi khi bạn bấm Áp dụng. Chưa lưu gì."


def roster_applied(count: int) -> str:
    return f"Đã tạo {count} thẻ mời. Tải gói thẻ để in."


def revoked(name: str) -> str:
    return f"Đã thu hồi thẻ mời của {name}."


def reissued(name: str, code: str) -> str:
    return f"Đã cấp thẻ mời mới cho {name}: mã {code}."


OFFICIAL_ONLY_PROVINCE = "Chỉ quản trị tỉnh được nạp danh sách xã chính thức của tỉnh mình."
ALREADY_JOINED = "Người này đã tham gia: hãy quản lý họ trong danh sách thành viên."
BAD_VALUE = "Chỉ tiêu phải là số nguyên không âm."

# --- audit --------------------------------------------------------------------------


def action_name(action: AuditAction) -> str:
    """What an audit row's action is called on the admin pages."""
    match action:
        case AuditAction.report:
            return "Báo cáo"
        case AuditAction.report_held:
            return "Báo cáo chờ xác nhận"
        case AuditAction.correct:
            return "Sửa báo cáo"
        case AuditAction.undo:
            return "Hủy báo cáo"
        case AuditAction.undo_day:
            return "Hủy báo cáo cả ngày"
        case AuditAction.pending_drop:
            return "Bỏ báo cáo chờ"
        case AuditAction.nothing:
            return "Báo không phát sinh"
        case AuditAction.nothing_undo:
            return "Hủy báo không phát sinh"
        case AuditAction.nothing_cleared:
            return "Bỏ không phát sinh (đã có báo cáo)"
        case AuditAction.signoff:
            return "Chốt số liệu tháng"
        case AuditAction.signoff_approve:
            return "Duyệt số liệu tháng"
        case AuditAction.signoff_return:
            return "Trả lại số liệu tháng"
        case AuditAction.signoff_reopen:
            return "Mở lại số liệu tháng"
        case AuditAction.nudge:
            return "Nhắc thôn chưa báo cáo"
        case AuditAction.invite:
            return "Tạo mã mời"
        case AuditAction.joined:
            return "Tham gia"
        case AuditAction.rejoin:
            return "Tham gia lại"
        case AuditAction.link:
            return "Liên kết tài khoản"
        case AuditAction.deactivate:
            return "Khóa thành viên"
        case AuditAction.reactivate:
            return "Mở khóa thành viên"
        case AuditAction.role:
            return "Đổi vai trò"
        case AuditAction.web_link:
            return "Nhận link trang web"
        case AuditAction.web_login:
            return "Đăng nhập trang web"
        case AuditAction.bind:
            return "Gắn nhóm chat"
        case AuditAction.unbind:
            return "Gỡ nhóm chat"
        case AuditAction.broadcast:
            return "Gửi thông báo"
        case AuditAction.broadcast_stop:
            return "Dừng thông báo"
        case AuditAction.outbox_retry:
            return "Gửi lại tin lỗi"
        case AuditAction.indicator_add:
            return "Thêm chỉ tiêu"
        case AuditAction.indicator_alias:
            return "Thêm tên gọi khác của chỉ tiêu"
        case AuditAction.indicator_unalias:
            return "Bỏ tên gọi khác của chỉ tiêu"
        case AuditAction.indicator_rename:
            return "Đổi tên chỉ tiêu"
        case AuditAction.indicator_retire:
            return "Ngừng chỉ tiêu"
        case AuditAction.indicator_restore:
            return "Dùng lại chỉ tiêu"
        case AuditAction.indicator_order:
            return "Đổi thứ tự chỉ tiêu"
        case AuditAction.admin_units:
            return "Cập nhật cây đơn vị"
        case AuditAction.admin_targets:
            return "Sửa chỉ tiêu giao"
        case AuditAction.admin_roster:
            return "Tạo thẻ mời theo danh sách"
        case AuditAction.admin_revoke:
            return "Thu hồi thẻ mời"
        case AuditAction.admin_reissue:
            return "Cấp lại thẻ mời"
        case AuditAction.admin_pack:
            return "Tải gói thẻ mời"
        case AuditAction.api_token:
            return "Khóa API"
        case AuditAction.demo_database:
            return "Tạo dữ liệu mẫu"
        case _:
            assert_never(action)


def _shown(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value if v) or "—"
    return str(value)


def audit_lines(detail: str) -> list[str]:
    """An audit row's detail as lines a person reads: "what: before → after" for the admin
    pages' JSON details, the text itself for the chat's older ones."""
    try:
        data = json.loads(detail)
    except ValueError:
        return [detail] if detail else []
    if not isinstance(data, dict) or "after" not in data:
        return [detail]
    before, after = data.get("before"), data.get("after")
    if isinstance(after, dict):
        was = before if isinstance(before, dict) else {}
        return [f"{key}: {_shown(was.get(key))} → {_shown(value)}" for key, value in after.items()]
    return [f"{data.get('unit', '')}: {_shown(before)} → {_shown(after)}"]
