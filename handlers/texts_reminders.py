"""The words of reminders, escalations, deadline summaries and weekly tallies: the
`reminders.due.Wording` port (the chart is drawn in `reminders.chart`; only its title
and axis are words)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from handlers.texts import (
    EXAMPLE,
    day_vn,
    esc,
    example,
    got_of_goal,
    names,
    ordered,
    period_name,
    share,
)
from handlers.texts_progress import missing_list, villages_left
from handlers.texts_team import away_example
from reminders.alerts import Alerts
from reminders.calendar import Period
from reminders.due import Outreach
from reminders.progress import UnitProgress
from storage.collation import vn_key
from storage.models import Unit


class Wording:
    """The words of reminders and tallies (the `reminders.due.Wording` port)."""

    def reminder(
        self,
        name: str,
        unit: str,
        period: str,
        deadline: date,
        labels: Mapping[str, str] | None = None,
    ) -> str:
        said = esc(example(labels)) if labels else EXAMPLE
        return (
            f"⏰ Chào {esc(name)}! <b>{esc(unit)}</b> chưa có báo cáo {period_name(period)}. "
            f"Hạn chót: <b>{day_vn(deadline)}</b>.\nGửi ngay, ví dụ: <code>{said}</code>\n"
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
            lines.append(f"🏖 Đang vắng nên không nhắc: {names(outreach.away)}.")
        if outreach.no_chat:
            lines.append(
                f"✉️ Chưa từng nhắn riêng cho bot nên không nhắc được: {names(outreach.no_chat)}."
            )
        if outreach.empty:
            lines.append(f"👥 Chưa có thành viên nào: {names(outreach.empty)}.")
        if unreachable:
            lines.append(
                f"📵 Bot không nhắn được cho: {names(unreachable)} — hãy gọi điện hoặc nhắn "
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
            if not top.missing_listed and (left := villages_left(row)):
                lines.append(f"    {left}")
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
        from reminders.chart import progress_chart  # matplotlib: ~1 s, only when drawing

        title = f"{top.unit.name} — tiến độ {period_name(month)}"
        return progress_chart(top, rows, labels, title=title, axis="% chỉ tiêu tháng")

    def year_to_date(
        self, top: UnitProgress, year: str, upto: date, labels: Mapping[str, str]
    ) -> str:
        """The "lũy kế" line: from 1 January to `upto`, against the year's target."""
        parts = [
            f"{esc(label)} {got_of_goal(top.counts.get(code, 0), top.targets.get(code))}"
            for code, label in labels.items()
        ]
        return f"📅 Lũy kế {period_name(year)} (đến {upto:%d/%m}): " + " · ".join(parts)

    def alerts(self, unit: str, found: Alerts, labels: Mapping[str, str]) -> str:
        """A commune's weekly alerts (reminders.alerts); only the parts with something."""
        lines = [f"🚨 <b>Cảnh báo {esc(unit)}</b>"]
        if found.quiet:
            lines.append(
                f"🔕 Không có báo cáo {found.quiet_weeks} tuần qua ({len(found.quiet)} thôn): "
                + names(v.name for v in found.quiet)
            )
        for pace in found.behind:
            lines.append(
                f"🐢 {esc(labels.get(pace.indicator, pace.indicator))}: {pace.done}/{pace.target} "
                f"đến {pace.day:%d/%m}, với nhịp này cả tháng chỉ đạt khoảng {pace.projected} "
                f"({share(pace.projected, pace.target)}); "
                f"cần thêm {pace.target - pace.done}."
            )
        for odd in found.unusual[:UNUSUAL_SHOWN]:
            lines.append(
                f"❗ {esc(odd.member)} ({esc(odd.village)}) ghi "
                f"{esc(labels.get(odd.indicator, odd.indicator))} {odd.count} ngày "
                f"{day_vn(odd.day)} — thường chỉ khoảng {odd.usual}/ngày. Nếu nhầm, hủy: "
                f"<code>/huy {esc(odd.receipt)}</code>"
            )
        if len(found.unusual) > UNUSUAL_SHOWN:
            more = len(found.unusual) - UNUSUAL_SHOWN
            lines.append(f"… và {more} mục khác: xem bảng Excel (/xuat), trang “Số liệu chi tiết”.")
        return "\n".join(lines)


UNUSUAL_SHOWN = 10  # a message stays well under Zalo's 2,000 characters


def _tally_line(p: UnitProgress, labels: Mapping[str, str]) -> str:
    parts = []
    for code in ordered(set(p.counts) | set(p.targets) | set(p.week), labels):
        got, goal = p.counts.get(code, 0), p.targets.get(code)
        rate = f" {share(got, goal)}" if goal else ""
        label = esc(labels.get(code, code))
        parts.append(f"{label} +{p.week.get(code, 0)} · {got}/{goal or '—'}{rate}")
    return "; ".join(parts) or "chưa có số liệu"


WORDING = Wording()
