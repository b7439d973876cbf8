"""Everything the bot says to people, in Vietnamese, in one place.

Output is a small HTML subset (<b>, <i>, <code>); every value a person typed or named
goes through `esc` first. Channels without HTML strip the tags.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from html import escape

from handlers import texts_language
from handlers.grammar import ReportError
from reminders.calendar import Period, month_of
from reminders.due import Outreach
from reminders.progress import UnitProgress, ratio
from storage.collation import vn_key
from storage.models import Member, Unit

EXAMPLE = "vneid 5 cks 2"


def esc(value: object) -> str:
    return escape(str(value), quote=False)


def day_vn(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def day_month(day: date) -> str:
    """A day as typed in examples: 30/11."""
    return f"{day.day}/{day.month}"


QUARTERS = ("I", "II", "III", "IV")


def period_name(period: Period | str, *, capital: bool = False) -> str:
    """A period as people write it: tháng 11/2026, quý IV/2026, năm 2026 (from its key,
    2026-11, 2026-Q4, 2026); `capital` at the start of a sentence."""
    key = period if isinstance(period, str) else period.key
    year, _, rest = key.partition("-")
    if not rest:
        text = f"năm {year}"
    elif rest[0] in "Qq":
        text = f"quý {QUARTERS[int(rest[1:]) - 1]}/{year}"
    elif rest[0] in "Ww":
        text = f"tuần {int(rest[1:])}/{year}"
    else:
        text = f"tháng {int(rest)}/{year}"
    return text[0].upper() + text[1:] if capital else text


def decimal_vn(value: float, digits: int = 1) -> str:
    """A decimal with the Vietnamese decimal comma: 9,5."""
    return f"{value:.{digits}f}".replace(".", ",")


def percent(rate: float | None, digits: int = 1) -> str:
    """A rate (0.405) as a percentage: 40,5%; a dash where there is no target."""
    return "—" if rate is None else f"{decimal_vn(100 * rate, digits)}%"


ROLE_NAMES = {
    "member": "thành viên tổ",
    "village_lead": "tổ trưởng thôn",
    "commune_leader": "lãnh đạo xã",
    "district_admin": "quản trị huyện/cụm",
    "province_admin": "quản trị tỉnh",
}


def counts_lines(counts: Mapping[str, int], labels: Mapping[str, str]) -> str:
    return "\n".join(f"• {esc(labels.get(c, c))}: <b>{n}</b>" for c, n in counts.items())


def counts_inline(counts: Mapping[str, int], labels: Mapping[str, str]) -> str:
    if not any(counts.values()):
        return "chưa có"
    return " · ".join(f"{esc(labels.get(c, c))} {counts.get(c, 0)}" for c in labels)


# --- joining -------------------------------------------------------------------------------

STRANGER = (
    "Xin chào! Đây là trợ lý báo cáo của <b>Tổ công nghệ số cộng đồng</b>.\n"
    "Bạn chưa tham gia tổ nào. Hãy xin tổ trưởng thôn hoặc cán bộ xã một <b>mã mời</b>, "
    "rồi gửi: <code>/thamgia MÃ_MỜI</code> (ví dụ <code>/thamgia K7PX3MQA</code>)."
)
INVITE_MISSING = "Bạn cần gửi kèm mã mời, ví dụ: <code>/thamgia K7PX3MQA</code>."
INVITE_UNKNOWN = (
    "Mã mời <code>{code}</code> không đúng. Hãy kiểm tra lại từng chữ với người gửi mã."
)
INVITE_SPENT = "Mã mời <code>{code}</code> đã hết hạn hoặc đã dùng hết lượt. Hãy xin mã mới."
INACTIVE = "Tài khoản của bạn đã ngừng hoạt động. Hãy liên hệ lãnh đạo xã nếu cần tham gia lại."


def invite_unknown(code: str) -> str:
    return INVITE_UNKNOWN.format(code=esc(code))


def invite_spent(code: str) -> str:
    return INVITE_SPENT.format(code=esc(code))


def joined(name: str, unit: str, role: str) -> str:
    return (
        f"Chào mừng <b>{esc(name)}</b>! Bạn đã tham gia <b>{esc(unit)}</b> "
        f"với vai trò {ROLE_NAMES.get(role, role)}.\n"
        f"Báo cáo bằng một tin nhắn ngắn, ví dụ: <code>{EXAMPLE}</code>\n"
        "Gõ /help để xem các lệnh."
    )


def already_member(unit: str) -> str:
    return f"Bạn đã là thành viên của <b>{esc(unit)}</b>. Gõ /help để xem các lệnh."


# --- reports -------------------------------------------------------------------------------


def report_saved(
    counts: Mapping[str, int], labels: Mapping[str, str], day: date, receipt: str
) -> str:
    return (
        f"✅ Đã ghi nhận báo cáo ngày <b>{day_vn(day)}</b>:\n{counts_lines(counts, labels)}\n"
        f"Mã phiếu: <code>{receipt}</code>. Ghi sai? Gõ <code>/huy {receipt}</code> để hủy "
        f"hoặc <code>/sua {receipt} vneid 4</code> để sửa."
    )


def undone(receipt: str, counts: Mapping[str, int], labels: Mapping[str, str], day: date) -> str:
    return (
        f"↩️ Đã hủy phiếu <code>{receipt}</code> (ngày {day_vn(day)}):\n"
        f"{counts_lines(counts, labels)}\nCác số này không còn được tính."
    )


UNDO_BUTTON = "Hủy phiếu này"
NOTHING_TO_UNDO = "Bạn chưa có báo cáo nào để hủy."
RECEIPT_MISSING = "Hãy gửi kèm mã phiếu, ví dụ: <code>/sua ABC234 vneid 4</code>."
CORRECT_NEEDS_REPORT = "Hãy ghi báo cáo mới sau mã phiếu, ví dụ: <code>/sua {code} vneid 4</code>."


def correct_needs_report(code: str) -> str:
    return CORRECT_NEEDS_REPORT.format(code=esc(code))


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


REPORT_NEEDS_TEXT = f"Hãy ghi số liệu sau lệnh, ví dụ: <code>/bc {EXAMPLE}</code>."


def _refusal_body(err: ReportError, labels: Mapping[str, str]) -> str:
    p = err.params

    def ind(key: str = "indicator") -> str:
        code = p.get(key)
        return esc(labels.get(str(code), code)) if code else "chỉ tiêu"

    match err.kind:
        case "empty":
            return "Tin nhắn chưa có số liệu nào."
        case "too_long":
            return f"Tin nhắn quá dài ({p.get('length')} ký tự, tối đa {p.get('limit')})."
        case "unknown_word":
            text = f"Mình không hiểu từ “{esc(p.get('word', ''))}”."
            if p.get("suggestion"):
                text += f" Ý bạn là <b>{ind('suggestion')}</b>?"
            return text
        case "missing_number":
            return f"Thiếu số lượng cho {ind()}."
        case "missing_indicator":
            codes = esc(", ".join(labels))  # the codes people type, in display order
            return f"Số {esc(p.get('number', ''))} chưa ghi là của chỉ tiêu nào ({codes})."
        case "duplicate_indicator":
            return f"{ind()} được ghi hai lần trong một tin. Mỗi chỉ tiêu chỉ ghi một số."
        case "zero":
            return f"Số lượng {ind()} bằng 0. {texts_language.ZERO}"
        case "negative":
            return f"Số lượng {ind()} không được âm. Để bớt số đã ghi, hãy dùng /sua."
        case "fraction":
            return f"Số lượng phải là số nguyên (không dùng “{esc(p.get('number', ''))}”)."
        case "above_cap":
            return (
                f"{ind()} {p.get('count')} vượt mức tối đa {p.get('cap')} cho một lần báo cáo. "
                "Hãy kiểm tra lại, hoặc chia thành nhiều lần."
            )
        case "bad_day":
            return f"Ngày “{esc(p.get('text', ''))}” không hợp lệ."
        case "future_day":
            day = p.get("day")
            return f"Ngày {day_vn(day) if isinstance(day, date) else esc(day)} chưa tới."
        case "closed_period":
            day = p.get("day")
            shown = day_vn(day) if isinstance(day, date) else esc(day)
            return f"Kỳ báo cáo của ngày {shown} đã khóa, không ghi thêm được."
        case "two_days":
            return texts_language.two_days(p.get("first"), p.get("second"))
        case "dotted_number":
            return texts_language.dotted_number(str(p.get("text", "")), str(p.get("day", "")))
        case "day_on_one_line":
            return texts_language.day_on_one_line(str(p.get("text", "")), p.get("day"))
    return "Mình chưa hiểu báo cáo này."


def refusal(err: ReportError, labels: Mapping[str, str]) -> str:
    """A refused report: what was wrong, that nothing was stored, and an example."""
    if err.kind == "courtesy":  # thanks or "ok": nothing to refuse
        return texts_language.COURTESY
    return (
        f"⚠️ {_refusal_body(err, labels)}\nChưa ghi nhận gì. "
        f"Ví dụ: <code>{EXAMPLE}</code> hoặc <code>tt 3 hôm qua</code>."
    )


# --- me ------------------------------------------------------------------------------------


def my_summary(
    name: str,
    unit: str,
    rows: Iterable[tuple[str, Mapping[str, int]]],
    labels: Mapping[str, str],
    unit_progress: str,
) -> str:
    lines = [f"📊 <b>{esc(name)}</b> — {esc(unit)}"]
    lines += [f"{label}: {counts_inline(counts, labels)}" for label, counts in rows]
    return "\n".join([*lines, unit_progress])


def unit_progress(
    unit: str,
    period: str,
    done: Mapping[str, int],
    targets: Mapping[str, int],
    labels: Mapping[str, str],
) -> str:
    if not targets:
        return f"{esc(unit)} chưa có chỉ tiêu {period_name(period)}."
    parts = []
    for code in _ordered(targets, labels):
        got, goal = done.get(code, 0), targets[code]
        parts.append(f"• {esc(labels.get(code, code))}: {got}/{goal} ({percent(ratio(got, goal))})")
    return f"Tiến độ {esc(unit)} {period_name(period)}:\n" + "\n".join(parts)


def _ordered(codes: Iterable[str], labels: Mapping[str, str]) -> list[str]:
    """Codes in the indicators' display order (the labels' order), unknown ones last."""
    rank = {code: n for n, code in enumerate(labels)}
    return sorted(codes, key=lambda c: (rank.get(c, len(rank)), c))


def period_label(kind: str, day: date) -> str:
    return {
        "today": f"Hôm nay ({day:%d/%m})",
        "week": "Tuần này",
        "month": period_name(month_of(day), capital=True),
    }[kind]


# --- help and the rest ---------------------------------------------------------------------

COMMAND_HELP = {
    "bc": f"/bc {EXAMPLE} — báo cáo (thêm “hôm qua” hoặc “{{past}}” để ghi cho ngày khác)",
    "vneid": "/vneid 5, /cks 3, /tt 2 — báo cáo nhanh một chỉ tiêu",
    "huy": "/huy — hủy báo cáo gần nhất; /huy MÃ — hủy một phiếu",
    "sua": "/sua MÃ vneid 4 — sửa số một chỉ tiêu của phiếu (các chỉ tiêu khác giữ nguyên)",
    "khongphatsinh": "/khongphatsinh [tháng trước] — thôn không phát sinh số liệu trong tháng",
    "toi": "/toi — số liệu của bạn hôm nay, tuần này, tháng này",
    "chitieu": "/chitieu [MÃ_ĐƠN_VỊ] — chỉ tiêu tháng này",
    "tiendo": "/tiendo [MÃ_ĐƠN_VỊ] — tiến độ từng đơn vị so với chỉ tiêu",
    "chuabaocao": "/chuabaocao [MÃ_ĐƠN_VỊ] — các thôn chưa báo cáo tháng này",
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


def help_text(
    commands: Iterable[str], role: str, private: bool, today: date, shortcuts: str | None = None
) -> str:
    """`shortcuts`: the line of the one-indicator shortcuts, for the indicators in use."""
    lines = [f"Các lệnh dành cho {ROLE_NAMES.get(role, role)}:"]
    lines += [
        esc(shortcuts if c == "vneid" and shortcuts else _dated(COMMAND_HELP[c], today))
        for c in commands
        if c in COMMAND_HELP
    ]
    if private:
        lines.append(f"Trong tin nhắn riêng, bạn có thể gửi thẳng: {EXAMPLE}")
    return "\n".join(lines)


def _dated(line: str, today: date) -> str:
    """Example days near the reader's own: two days back to report late, a week ahead for
    an absence (a fixed "30/11" reads oddly in March)."""
    past, away = day_month(today - timedelta(days=2)), away_example(today)
    return line.replace("{past}", past).replace("{away}", away)


def unknown_command(command: str) -> str:
    return f"Mình không biết lệnh /{esc(command)}. Gõ /help để xem các lệnh."


EDITED = (
    "Bạn vừa sửa một tin nhắn. Số liệu đã ghi <b>không</b> tự thay đổi theo. "
    "Để sửa, gõ <code>/sua MÃ_PHIẾU vneid 4</code> (mã phiếu có trong tin xác nhận)."
)
NOT_TEXT = f"Mình chỉ đọc được tin nhắn chữ. Báo cáo ví dụ: <code>{EXAMPLE}</code>"
GROUP_GREETING = (
    "Xin chào cả nhóm! Mình là trợ lý báo cáo của Tổ công nghệ số cộng đồng.\n"
    f"• Thành viên báo cáo trong nhóm bằng lệnh: <code>/bc {EXAMPLE}</code>\n"
    "• Quản trị viên gắn nhóm với đơn vị bằng: <code>/ganhom MÃ_ĐƠN_VỊ</code>, "
    "để nhóm nhận bảng tổng hợp hằng tuần."
)
ERROR = "Xin lỗi, có lỗi khi xử lý tin nhắn. Bạn hãy thử lại sau ít phút."


def not_allowed(needed: str) -> str:
    return f"Lệnh này dành cho {ROLE_NAMES.get(needed, needed)} trở lên."


def outside_unit(unit: str) -> str:
    return f"<b>{esc(unit)}</b> không thuộc đơn vị bạn phụ trách."


def unit_unknown(code: str) -> str:
    return f"Không có đơn vị mã <code>{esc(code)}</code>. Mã đơn vị có trong /tiendo."


# --- exports ---------------------------------------------------------------------------------

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

OA_SOMEONE = "Người dùng Zalo"  # an OA user whose name Zalo did not give


def oa_token_failed(app_id: str, reason: str) -> str:
    return (
        f"⚠️ Bot không làm mới được mã truy cập Zalo OA (ứng dụng <code>{esc(app_id)}</code>): "
        f"{esc(reason)}. Tin nhắn qua OA sẽ không gửi được cho đến khi quản trị viên cấp mã "
        "mới bằng lệnh <code>cnsbot zalo-oa-token</code>."
    )


PERIOD_USAGE = "Kỳ báo cáo ghi dạng 2026-11 (tháng), 2026-Q4 (quý) hoặc 2026 (năm)."


def export_title(unit: str, period: str) -> str:
    return f"Kết quả Tổ công nghệ số cộng đồng — {unit} — {period_name(period)}"


def export_ready(unit: str, period: str) -> str:
    return (
        f"📄 Bảng tổng hợp <b>{esc(unit)}</b> {period_name(period)} (Excel, kèm số liệu chi tiết)."
    )


# --- one person, two apps ------------------------------------------------------------------

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


# --- leaders: invites and members ---------------------------------------------------------


def invite_created(code: str, link: str, unit: str, role: str, days: int) -> str:
    return (
        f"📨 Mã mời <code>{esc(code)}</code> vào <b>{esc(unit)}</b> "
        f"(vai trò {ROLE_NAMES.get(role, role)}), dùng được {days} ngày.\n"
        f"Gửi cho người cần tham gia: {esc(link)}\n"
        f"Trên Zalo hoặc khi không bấm được liên kết: gõ <code>/thamgia {esc(code)}</code>. "
        "Hoặc quét mã QR trong ảnh."
    )


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


# --- leaders: progress, missing reports, targets -------------------------------------------


def _rate(got: int, goal: int | None) -> str:
    if not goal:
        return f"{got}"
    return f"{got}/{goal} ({percent(ratio(got, goal))})"


def progress_line(p: UnitProgress, labels: Mapping[str, str]) -> str:
    parts = [
        f"{esc(label)} {_rate(p.counts.get(code, 0), p.targets.get(code))}"
        for code, label in labels.items()
    ]
    return " · ".join(parts)


def progress_report(
    top: UnitProgress,
    children: list[UnitProgress],
    missing: list[Unit],
    period: str,
    today: date,
    labels: Mapping[str, str],
) -> str:
    lines = [
        f"📈 <b>Tiến độ {esc(top.unit.name)}</b> — {period_name(period)} (đến {today:%d/%m})",
        f"Tổng: {progress_line(top, labels)}",
    ]
    if top.villages:
        lines.append(f"Đã báo cáo: {top.villages_reported}/{top.villages} thôn")
    for rank, child in enumerate(children, start=1):
        lines.append(f"{rank}. <b>{esc(child.unit.name)}</b> <code>{esc(child.unit.code)}</code>")
        lines.append(f"    {progress_line(child, labels)}")
    if missing:
        lines.append(missing_list(missing))
    return "\n".join(lines)


def missing_list(missing: list[Unit]) -> str:
    return f"⏳ Chưa báo cáo ({len(missing)}): " + ", ".join(esc(u.name) for u in missing)


def missing_report(unit: str, missing: list[Unit], period: str) -> str:
    if not missing:
        return f"✅ Mọi thôn của {esc(unit)} đã báo cáo {period_name(period)}."
    return f"<b>{esc(unit)}</b>, {period_name(period)}\n{missing_list(missing)}"


def targets_report(
    unit: str, period: str, targets: Mapping[str, int], labels: Mapping[str, str]
) -> str:
    if not targets:
        return f"{esc(unit)} chưa có chỉ tiêu {period_name(period)}."
    lines = [f"🎯 Chỉ tiêu {esc(unit)} {period_name(period)}:"]
    lines += [f"• {esc(labels.get(c, c))}: {targets[c]}" for c in _ordered(targets, labels)]
    return "\n".join(lines)


# --- groups, absences, notices, reminders, tallies ----------------------------------------

GROUP_ONLY = "Hãy dùng lệnh này trong nhóm cần gắn với đơn vị."
BIND_USAGE = "Hãy ghi mã đơn vị, ví dụ: <code>/ganhom 16012</code> (mã có trong /tiendo)."
AWAY_CLEARED = "Đã bỏ đánh dấu vắng: bạn sẽ nhận nhắc báo cáo như thường."
NOTICE_USAGE = "Hãy ghi nội dung sau lệnh, ví dụ: <code>/thongbao Họp tổ lúc 8h thứ Hai</code>."
NOTICE_SEND = "Gửi"
NOTICE_DROP = "Bỏ"
NOTICE_NOT_YOURS = "Thông báo này không phải của bạn."
NOTICE_ALREADY = "Thông báo này đã được xử lý rồi."
NOTICE_DROPPED = "Đã bỏ thông báo, không gửi cho ai."
NOTICE_NONE = "Bạn không có thông báo nào đang gửi."


def away_example(today: date) -> str:
    """An example return day for /vang near the person's own days: a week ahead."""
    return day_month(today + timedelta(days=7))


def away_usage(today: date) -> str:
    return (
        f"Hãy ghi ngày bạn quay lại, ví dụ: <code>/vang {away_example(today)}</code> "
        "(tối đa 180 ngày)."
    )


def group_bound(unit: str) -> str:
    return f"✅ Nhóm này đã gắn với <b>{esc(unit)}</b>: bảng tổng hợp sẽ gửi vào đây mỗi tuần."


def away_set(until: date) -> str:
    return f"Đã ghi nhận bạn vắng đến hết ngày {day_vn(until)}: bot sẽ không nhắc báo cáo."


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


class Wording:
    """The words of reminders and tallies (the `reminders.due.Wording` port)."""

    def reminder(self, name: str, unit: str, period: str, deadline: date) -> str:
        return (
            f"⏰ Chào {esc(name)}! <b>{esc(unit)}</b> chưa có báo cáo {period_name(period)}. "
            f"Hạn chót: <b>{day_vn(deadline)}</b>.\nGửi ngay, ví dụ: <code>{EXAMPLE}</code>\n"
            f"Nếu bạn đi vắng: <code>/vang {away_example(deadline)}</code>."
        )

    def escalation(
        self,
        unit: str,
        missing: list[Unit],
        period: str,
        deadline: date,
        unreachable: list[str],
        outreach: Outreach,
    ) -> str:
        lines = [
            f"⚠️ <b>{esc(unit)}</b>, {period_name(period)}, hạn {day_vn(deadline)}:",
            missing_list(missing),
        ]
        if outreach.reminded:
            lines.append(f"🔔 Hôm nay bot đã nhắc {outreach.reminded} thành viên của các thôn này.")
        else:
            lines.append("🔔 Hôm nay bot không nhắc được thành viên nào của các thôn này.")
        if outreach.away:
            lines.append(f"🏖 Đang vắng nên không nhắc: {_names(outreach.away)}.")
        if outreach.no_chat:
            lines.append(
                f"✉️ Chưa từng nhắn riêng cho bot nên không nhắc được: {_names(outreach.no_chat)}."
            )
        if outreach.empty:
            lines.append(f"👥 Chưa có thành viên nào: {_names(outreach.empty)}.")
        if unreachable:
            lines.append(
                f"📵 Bot không nhắn được cho: {_names(unreachable)} — hãy gọi điện hoặc nhắn "
                "trực tiếp."
            )
        lines.append("Xem chi tiết: /tiendo")
        return "\n".join(lines)

    def deadline_summary(self, unit: str, rows: list[UnitProgress], period: str) -> str:
        lines = [f"📋 <b>{esc(unit)}</b> — hạn báo cáo {period_name(period)} là hôm nay:"]
        for row in sorted(
            rows, key=lambda r: (r.villages_reported / (r.villages or 1), vn_key(r.unit.name))
        ):
            lines.append(
                f"• {esc(row.unit.name)}: {row.villages_reported}/{row.villages} thôn đã báo cáo"
            )
        return "\n".join(lines)

    def tally(
        self,
        top: UnitProgress,
        rows: list[UnitProgress],
        missing: list[Unit],
        week: Period,
        month: Period,
        labels: Mapping[str, str],
    ) -> str:
        lines = [
            f"📊 <b>Tổng hợp tuần {week.start:%d/%m}–{week.end:%d/%m}</b> — {esc(top.unit.name)}",
            "(+ trong tuần · lũy kế tháng/chỉ tiêu · %)",
            f"<b>Tổng</b>: {_tally_line(top, labels)}",
        ]
        for rank, row in enumerate(rows, start=1):
            lines.append(f"{rank}. {esc(row.unit.name)}: {_tally_line(row, labels)}")
        if missing:
            lines.append(missing_list(missing))
        return "\n".join(lines)

    def chart(
        self,
        top: UnitProgress,
        rows: list[UnitProgress],
        month: Period,
        labels: Mapping[str, str],
    ) -> bytes | None:
        """Bars of % of target per unit; None when no unit has a target to measure against."""
        from reminders.chart import ChartLabels, ChartRow, render_progress_chart  # matplotlib: ~1 s

        chart_rows = [ChartRow(r.unit.name, r.counts, r.targets) for r in rows or [top]]
        if not any(r.targets for r in chart_rows):
            return None
        codes = _ordered({c for r in chart_rows for c in r.targets}, labels)
        chart_labels = ChartLabels(
            title=f"{top.unit.name} — tiến độ {period_name(month)}",
            axis="% chỉ tiêu tháng",
            indicators={c: labels.get(c, c) for c in codes},
        )
        return render_progress_chart(chart_rows, chart_labels)


def _names(names: Iterable[str]) -> str:
    return ", ".join(esc(n) for n in sorted(names, key=vn_key))


def _tally_line(p: UnitProgress, labels: Mapping[str, str]) -> str:
    parts = []
    for code in _ordered(set(p.counts) | set(p.targets) | set(p.week), labels):
        got, goal = p.counts.get(code, 0), p.targets.get(code)
        rate = f" {percent(ratio(got, goal))}" if goal else ""
        label = esc(labels.get(code, code))
        parts.append(f"{label} +{p.week.get(code, 0)} · {got}/{goal or '—'}{rate}")
    return "; ".join(parts) or "chưa có số liệu"


WORDING = Wording()


# --- Telegram command menus (setMyCommands) -------------------------------------------------

# The order and who sees which line come from handlers.registry.
MENU_PRIVATE = {
    "bc": "Báo cáo: vneid 5 cks 2",
    "toi": "Số liệu của tôi",
    "huy": "Hủy báo cáo gần nhất",
    "sua": "Sửa một phiếu: /sua MÃ vneid 4",
    "khongphatsinh": "Thôn không phát sinh số liệu tháng này",
    "tiendo": "Tiến độ so với chỉ tiêu",
    "chuabaocao": "Thôn chưa báo cáo",
    "moi": "Tạo mã mời kèm QR",
    "thanhvien": "Thành viên: khóa, mở khóa, vai trò",
    "vang": "Báo đi vắng đến một ngày: không bị nhắc",
    "web": "Mở trang báo cáo và tiến độ",
    "help": "Danh sách lệnh",
}
MENU_GROUP = {
    "bc": "Báo cáo: /bc vneid 5 cks 2",
    "toi": "Số liệu của tôi",
    "tonghop": "Bảng tổng hợp tuần",
    "ganhom": "Gắn nhóm với đơn vị: /ganhom MÃ",
    "help": "Danh sách lệnh",
}


# --- console channel -----------------------------------------------------------------------

BYE = "Tạm biệt!"
NO_SUCH_BUTTON = "Không có nút số này."


def console_notice(chat: str) -> str:
    return f"tin gửi tới {chat}"


def console_file_saved(path: str) -> str:
    return f"  [tệp đính kèm đã lưu: {path}]"


def console_banner(who: str, invites: Iterable[tuple[str, str]], has_token: bool) -> str:
    lines = [
        "cnsbot — kênh console (trò chuyện với bot ngay trong terminal).",
        f"Bạn đang là: {who}. Gõ tin nhắn rồi Enter; /help xem lệnh; !1 bấm nút; /thoat để thoát.",
        f"Thử: {EXAMPLE} · /toi · /huy · tt 3 hôm qua",
    ]
    invites = list(invites)
    if invites:
        lines.append("Mã mời demo (dùng với --as TÊN_MỚI rồi /thamgia MÃ):")
        lines += [f"  {code} — {unit}" for code, unit in invites]
    if not has_token:
        lines.append(
            "Chưa có TELEGRAM_BOT_TOKEN: đặt nó trong tệp .env (xem README) để chạy trên Telegram."
        )
    return "\n".join(lines)
