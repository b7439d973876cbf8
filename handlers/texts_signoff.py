"""Texts of the month's sign-off chain (/chot, /duyet, /tralai, /mochot), the lock of a
signed-off or approved month, and the on-time rate."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from html import unescape

from handlers import texts_reminders
from handlers.texts import day_vn, esc, percent, period_name
from reminders.calendar import VN
from reminders.ontime import MonthState
from storage.collation import vn_key
from storage.models import Level, MonthStatus

STATUS_NAMES = {
    MonthStatus.open: "chưa chốt",
    MonthStatus.signed: "đã chốt",
    MonthStatus.approved: "đã duyệt",
    MonthStatus.returned: "trả lại",
}
STATUS_ICONS = {
    MonthStatus.open: "⬜",
    MonthStatus.signed: "📝",
    MonthStatus.approved: "✅",
    MonthStatus.returned: "↩️",
}
SHOWN_NAMES = 10  # names listed in a line before "và N xã khác"


def moment(at: datetime) -> str:
    """An instant as people read it, in Vietnam time: 10:05 21/11/2026."""
    return f"{at.astimezone(VN):%H:%M %d/%m/%Y}"


def _totals(totals: Mapping[str, int], labels: Mapping[str, str]) -> str:
    parts = [f"{esc(label)} {totals.get(code, 0)}" for code, label in labels.items()]
    return ", ".join(parts) or "chưa có số liệu"


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(esc(n) for n in names[:SHOWN_NAMES])
    more = len(names) - SHOWN_NAMES
    return f"{shown} và {more} xã khác" if more > 0 else shown


# --- /chot ------------------------------------------------------------------------------


def signed(
    commune: str, month: str, totals: Mapping[str, int], labels: Mapping[str, str],
    missing: Sequence[str], notified: int,
) -> str:  # fmt: skip
    lines = [
        f"📝 Đã chốt số liệu {period_name(month)} của <b>{esc(commune)}</b>.",
        f"Tổng: {_totals(totals, labels)}.",
    ]
    if missing:
        lines.append(f"⚠️ Còn {len(missing)} thôn chưa báo cáo: {_names(missing)}.")
    lines.append(
        "Từ giờ tháng này không nhận thêm báo cáo hay sửa đổi, để số đã chốt giữ đúng; "
        f"cấp trên sẽ duyệt hoặc trả lại. Đã báo cho {notified} người ở cấp trên."
    )
    return "\n".join(lines)


def signed_notice(
    commune: str, code: str, month: str, who: str, at: datetime,
    totals: Mapping[str, int], labels: Mapping[str, str], missing: int,
) -> str:  # fmt: skip
    key = _month_arg(month)
    lines = [
        f"📝 <b>{esc(commune)}</b> đã chốt số liệu {period_name(month)} "
        f"({esc(who)}, {moment(at)}).",
        f"Tổng: {_totals(totals, labels)}.",
    ]
    if missing:
        lines.append(f"Còn {missing} thôn chưa báo cáo.")
    lines.append(
        f"Duyệt: <code>/duyet {esc(code)} {key}</code> · "
        f"Trả lại: <code>/tralai {esc(code)} LÝ_DO</code>"
    )
    return "\n".join(lines)


def already_signed(commune: str, month: str, who: str, at: datetime) -> str:
    return (
        f"{esc(commune)} đã chốt số liệu {period_name(month)} lúc {moment(at)} ({esc(who)}), "
        "đang chờ cấp trên duyệt. Không có gì thay đổi."
    )


def already_approved(commune: str, month: str, who: str, at: datetime) -> str:
    return (
        f"Số liệu {period_name(month)} của {esc(commune)} đã được {esc(who)} duyệt lúc "
        f"{moment(at)}. Không có gì thay đổi."
    )


def future(month: str) -> str:
    return f"{period_name(month, capital=True)} chưa đến, chưa thể chốt."


NOT_A_COMMUNE = (
    "Chỉ lãnh đạo một xã mới chốt số liệu, cho xã của mình. Cấp trên duyệt: "
    "<code>/duyet MÃ_XÃ</code>."
)
BAD_PERIOD = (
    "Mình chưa hiểu tháng nào. Ví dụ: <code>tháng này</code>, <code>tháng trước</code>, "
    "<code>10/2026</code> (<code>/chot tháng trước</code>, <code>/duyet 16012 10/2026</code>)."
)

# --- /duyet, /tralai, /mochot ---------------------------------------------------------------

DECIDE_USAGE = (
    "Cần mã xã. Ví dụ: <code>/duyet 16012</code>, <code>/duyet 16012 10/2026</code>, "
    "<code>/tralai 16012 thiếu số thôn 3</code>, <code>/mochot 16012 10/2026 sửa số thôn 2</code>."
)


def reason_missing(command: str, code: str) -> str:
    return (
        f"Cần ghi lý do, để xã biết phải làm gì. Ví dụ: "
        f"<code>/{command} {esc(code)} thiếu số liệu thôn 3</code>."
    )


def not_a_commune(unit: str) -> str:
    return f"<b>{esc(unit)}</b> không phải là một xã do bạn duyệt (chỉ duyệt xã cấp dưới)."


def nothing_to_approve(commune: str, month: str | None) -> str:
    when = f" {period_name(month)}" if month else ""
    return f"{esc(commune)} không có số liệu{when} nào đã chốt và đang chờ duyệt."


def nothing_to_reopen(commune: str, month: str | None) -> str:
    when = f" {period_name(month)}" if month else ""
    return f"{esc(commune)} không có số liệu{when} nào đã duyệt để mở lại."


def approved(commune: str, month: str) -> str:
    return (
        f"✅ Đã duyệt số liệu {period_name(month)} của <b>{esc(commune)}</b>. Tháng này đã khóa; "
        "mở lại nếu cần: <code>/mochot MÃ_XÃ LÝ_DO</code>."
    )


def approved_notice(commune: str, month: str, who: str, at: datetime) -> str:
    return (
        f"✅ Số liệu {period_name(month)} của <b>{esc(commune)}</b> đã được {esc(who)} duyệt "
        f"({moment(at)}). Tháng này đã khóa."
    )


def returned(commune: str, month: str, reason: str) -> str:
    return (
        f"↩️ Đã trả lại số liệu {period_name(month)} của <b>{esc(commune)}</b>. Lý do: {esc(reason)}"
    )


def returned_notice(commune: str, month: str, who: str, at: datetime, reason: str) -> str:
    return (
        f"↩️ Số liệu {period_name(month)} của <b>{esc(commune)}</b> bị {esc(who)} trả lại "
        f"({moment(at)}). Lý do: {esc(reason)}\nTháng này lại nhận báo cáo và sửa đổi; "
        f"xong thì chốt lại: <code>/chot {_month_arg(month)}</code>."
    )


def reopened(commune: str, month: str, reason: str) -> str:
    return (
        f"🔓 Đã mở lại số liệu {period_name(month)} của <b>{esc(commune)}</b>. Lý do: {esc(reason)}"
    )


def reopened_notice(commune: str, month: str, who: str, at: datetime, reason: str) -> str:
    return (
        f"🔓 {esc(who)} đã mở lại số liệu {period_name(month)} của <b>{esc(commune)}</b> "
        f"({moment(at)}). Lý do: {esc(reason)}\nSửa xong thì chốt lại: "
        f"<code>/chot {_month_arg(month)}</code>."
    )


def _month_arg(month: str) -> str:
    """A month key (2026-11) as typed after a command: 11/2026."""
    year, _, number = month.partition("-")
    return f"{int(number)}/{year}"


# --- the lock -----------------------------------------------------------------------------


def locked_approved(commune: str, code: str, month: str, who: str, at: datetime) -> str:
    return (
        f"🔒 Số liệu {period_name(month)} của {esc(commune)} đã được {esc(who)} duyệt lúc "
        f"{moment(at)} và đã khóa: không thể báo cáo, sửa hay hủy cho tháng này. Cần điều "
        f"chỉnh: nhờ lãnh đạo xã đề nghị cấp trên mở lại "
        f"(<code>/mochot {esc(code)} {_month_arg(month)} LÝ_DO</code>)."
    )


def locked_signed(commune: str, code: str, month: str, who: str, at: datetime) -> str:
    return (
        f"📝 {esc(commune)} đã chốt số liệu {period_name(month)} lúc {moment(at)} "
        f"({esc(who)}), đang chờ cấp trên duyệt: không nhận thêm báo cáo, sửa hay hủy cho "
        "tháng này, để số đã chốt giữ đúng. Cần bổ sung: báo lãnh đạo xã; cấp trên có thể "
        f"trả lại (<code>/tralai {esc(code)} LÝ_DO</code>) để xã sửa rồi chốt lại."
    )


# --- status and on-time rate, shown in /tiendo, tallies, the dashboard and exports ---------


def status_line(status: MonthStatus, who: str = "", at: datetime | None = None) -> str:
    """`📝 Chốt số liệu: đã chốt — Lê Thị Bình, 10:05 21/11/2026`."""
    text = f"{STATUS_ICONS[status]} Chốt số liệu: {STATUS_NAMES[status]}"
    if who and at is not None:
        text += f" — {esc(who)}, {moment(at)}"
    return text


def status_plain(status: MonthStatus, who: str = "", at: datetime | None = None) -> str:
    """The same line without marks, for a spreadsheet cell."""
    text = f"Chốt số liệu: {STATUS_NAMES[status]}"
    if who and at is not None:
        text += f" — {who}, {moment(at)}"
    return text


def reason_line(reason: str) -> str:
    return f"Lý do: {esc(reason)}"


def communes_line(signed: int, approved: int, communes: int) -> str:
    return f"📝 Chốt số liệu: {signed} xã đã chốt, {approved} xã đã duyệt, trên {communes} xã"


def not_signed_line(names: Sequence[str]) -> str:
    return f"⬜ Chưa chốt số liệu ({len(names)}): {_names(names)}"


def on_time_line(on_time: int, villages: int, rate: float | None, deadline: date) -> str:
    return f"⏱ Đúng hạn (hạn {day_vn(deadline)}): {on_time}/{villages} thôn ({percent(rate)})"


def on_time_unit(name: str, on_time: int, villages: int, rate: float | None) -> str:
    return f"• {esc(name)}: {on_time}/{villages} ({percent(rate)})"


def on_time_plain(on_time: int, villages: int, rate: float | None, deadline: date) -> str:
    return f"Đúng hạn (hạn {day_vn(deadline)}): {on_time}/{villages} thôn ({percent(rate)})"


def deadline_ahead(deadline: date) -> str:
    return f"⏱ Hạn báo cáo: {day_vn(deadline)}"


def not_signed_summary(names: Sequence[str], month: str) -> str:
    if not names:
        return f"📝 Mọi xã đã chốt số liệu {period_name(month)}."
    return f"⬜ Chưa chốt số liệu {period_name(month)} ({len(names)}): {_names(names)}"


def _state_status(state: MonthState, plain: bool) -> list[str]:
    if state.commune is not None:
        c = state.commune
        line = (status_plain if plain else status_line)(c.status, c.who, c.at)
        reason = f"Lý do: {c.reason}" if plain else reason_line(c.reason)
        return [line, reason] if c.reason else [line]
    if not state.communes:
        return []
    lines = [communes_line(state.signed, state.approved, state.communes)]
    if state.not_signed:
        lines.append(not_signed_line(state.not_signed))
    return [strip_marks(line) for line in lines] if plain else lines


def strip_marks(line: str) -> str:
    """A chat line for a spreadsheet cell: no leading icon, no HTML escapes."""
    text = line.split(" ", 1)[1] if line[:1] in {"📝", "⬜", "⏱"} else line
    return unescape(text)


def month_state_lines(state: MonthState) -> list[str]:
    """The sign-off status and the on-time rate, as chat lines (/tiendo, tallies)."""
    lines = _state_status(state, plain=False)
    if state.scope.level is Level.village:
        return lines
    view = state.on_time
    if not view.due:
        return [*lines, deadline_ahead(view.deadline)]
    top = view.top
    lines.append(on_time_line(top.on_time, top.villages, top.rate, view.deadline))
    if state.scope.level in (Level.province, Level.district):
        for unit_id, rate in sorted(
            view.children.items(), key=lambda kv: vn_key(state.names.get(kv[0], ""))
        ):
            name = state.names.get(unit_id, "?")
            lines.append(on_time_unit(name, rate.on_time, rate.villages, rate.rate))
    return lines


def month_state_rows(state: MonthState) -> list[list[object]]:
    """The same for the export's sign-off sheet, a line of text a row (the decimal comma
    kept: the cells are text)."""
    lines: list[str] = _state_status(state, plain=True)
    view = state.on_time
    if state.scope.level is not Level.village:
        if not view.due:
            lines.append(f"Hạn báo cáo: {day_vn(view.deadline)}")
        else:
            top = view.top
            lines.append(on_time_plain(top.on_time, top.villages, top.rate, view.deadline))
            for unit_id, rate in sorted(
                view.children.items(), key=lambda kv: vn_key(state.names.get(kv[0], ""))
            ):
                name = state.names.get(unit_id, "?")
                lines.append(f"• {name}: {rate.on_time}/{rate.villages} ({percent(rate.rate)})")
    return [[line] for line in lines]


EXPORT_SHEET = "Chốt số liệu"


def export_title(unit: str, month: str) -> str:
    """The sign-off sheet's title (a cell: not escaped, `export.cell` cleans it)."""
    return f"Chốt số liệu và báo cáo đúng hạn — {unit} — {period_name(month)}"


class Wording(texts_reminders.Wording):
    """The words of reminders and tallies with the month's sign-off and on-time rate: the
    whole `reminders.due.Wording` port (the bot and its scheduled jobs use this one)."""

    def month_state(self, state: MonthState) -> str:
        return "\n".join(month_state_lines(state))

    def not_signed_off(self, names: list[str], period: str) -> str:
        return not_signed_summary(names, period)


WORDING = Wording()
