"""What is said about progress: a member's own figures (/toi), a unit's progress against
its targets (/tiendo, /chitieu) and the villages that have not reported (/chuabaocao)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import assert_never

from handlers.texts import counts_inline, esc, got_of_goal, ordered, period_name, share
from reminders.calendar import Span, month_of
from reminders.progress import UnitProgress
from storage.collation import vn_key
from storage.models import Unit


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
    parts = [
        f"• {esc(labels.get(code, code))}: {done.get(code, 0)}/{targets[code]} "
        f"({share(done.get(code, 0), targets[code])})"
        for code in ordered(targets, labels)
    ]
    return f"Tiến độ {esc(unit)} {period_name(period)}:\n" + "\n".join(parts)


def period_label(span: Span, day: date) -> str:
    match span:
        case Span.today:
            return f"Hôm nay ({day:%d/%m})"
        case Span.week:
            return "Tuần này"
        case Span.month:
            return period_name(month_of(day), capital=True)
        case unreachable:
            assert_never(unreachable)


def progress_line(p: UnitProgress, labels: Mapping[str, str]) -> str:
    parts = [
        f"{esc(label)} {got_of_goal(p.counts.get(code, 0), p.targets.get(code))}"
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
        if not top.missing_listed and (left := villages_left(child)):
            lines.append(f"    {left}")
    if missing:
        lines.append(missing_list(missing))
    return "\n".join(lines)


def villages_left(p: UnitProgress) -> str:
    """Above the commune the villages are not named: how many of a child's are missing."""
    left = p.villages - p.villages_reported
    return f"⏳ Chưa báo cáo: {left}/{p.villages} thôn" if left > 0 else ""


def missing_list(missing: list[Unit]) -> str:
    return f"⏳ Chưa báo cáo ({len(missing)}): " + ", ".join(esc(u.name) for u in missing)


def missing_report(unit: str, missing: list[Unit], period: str) -> str:
    if not missing:
        return f"✅ Mọi thôn của {esc(unit)} đã báo cáo {period_name(period)}."
    return f"<b>{esc(unit)}</b>, {period_name(period)}\n{missing_list(missing)}"


def missing_per_child(top: UnitProgress, children: list[UnitProgress], period: str) -> str:
    """Above the commune: how many villages each child still misses, most first."""
    left = top.villages - top.villages_reported
    if left <= 0:
        return f"✅ Mọi thôn của {esc(top.unit.name)} đã báo cáo {period_name(period)}."
    lines = [
        f"<b>{esc(top.unit.name)}</b>, {period_name(period)}",
        f"⏳ Chưa báo cáo: {left}/{top.villages} thôn",
    ]
    behind = [c for c in children if c.villages > c.villages_reported]
    behind.sort(key=lambda c: (c.villages_reported - c.villages, vn_key(c.unit.name)))
    lines += [
        f"• {esc(c.unit.name)} ({esc(c.unit.code)}): "
        f"{c.villages - c.villages_reported}/{c.villages} thôn"
        for c in behind
    ]
    lines.append("Tên các thôn: /chuabaocao MÃ (mã xã trong ngoặc).")
    return "\n".join(lines)


def targets_report(
    unit: str, period: str, targets: Mapping[str, int], labels: Mapping[str, str]
) -> str:
    if not targets:
        return f"{esc(unit)} chưa có chỉ tiêu {period_name(period)}."
    lines = [f"🎯 Chỉ tiêu {esc(unit)} {period_name(period)}:"]
    lines += [f"• {esc(labels.get(c, c))}: {targets[c]}" for c in ordered(targets, labels)]
    return "\n".join(lines)
