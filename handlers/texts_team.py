"""What is said about a team: its member list, groups bound to a unit, absences (/vang)."""

from __future__ import annotations

from datetime import date, timedelta

from handlers.texts import ROLE_NAMES, day_month, day_vn, esc
from storage.collation import vn_key
from storage.models import Member, Unit

GROUP_ONLY = "Hãy dùng lệnh này trong nhóm cần gắn với đơn vị."
BIND_USAGE = "Hãy ghi mã đơn vị, ví dụ: <code>/ganhom 16012</code> (mã có trong /tiendo)."
AWAY_CLEARED = "Đã bỏ đánh dấu vắng: bạn sẽ nhận nhắc báo cáo như thường."


def member_list(unit: str, people: list[tuple[Member, Unit]]) -> str:
    if not people:
        return f"{esc(unit)} chưa có thành viên nào."
    lines = [f"👥 Thành viên {esc(unit)} ({len(people)}):"]
    people = sorted(people, key=_member_order)
    for member, where in people:
        state = "" if member.active else " — đã khóa"
        role = ROLE_NAMES.get(member.role, member.role)
        lines.append(f"#{member.id} {esc(member.name)} — {esc(where.name)}, {role}{state}")
    lines.append(
        "Khóa: <code>/khoa SỐ</code> (số liệu đã báo cáo vẫn được giữ) · mở khóa: "
        "<code>/mokhoa SỐ</code> · đổi vai trò: <code>/vaitro SỐ VAI_TRÒ</code>."
    )
    return "\n".join(lines)


def _member_order(person: tuple[Member, Unit]) -> tuple[object, ...]:
    """Siblings together (their parent's path), units then people in Vietnamese order."""
    member, unit = person
    parent = unit.path[: unit.path.rstrip("/").rfind("/") + 1]
    return parent, vn_key(unit.name), vn_key(member.name)


def already_inactive(name: str) -> str:
    return f"{esc(name)} đã bị khóa từ trước."


def group_bound(unit: str) -> str:
    return f"✅ Nhóm này đã gắn với <b>{esc(unit)}</b>: bảng tổng hợp sẽ gửi vào đây mỗi tuần."


def away_example(today: date) -> str:
    """An example return day for /vang near the person's own days: a week ahead."""
    return day_month(today + timedelta(days=7))


def away_usage(today: date) -> str:
    return (
        f"Hãy ghi ngày bạn quay lại, ví dụ: <code>/vang {away_example(today)}</code> "
        "(tối đa 180 ngày)."
    )


def away_set(until: date) -> str:
    return f"Đã ghi nhận bạn vắng đến hết ngày {day_vn(until)}: bot sẽ không nhắc báo cáo."
