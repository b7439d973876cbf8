"""Texts of targeted nudges (`/nhacnho`), leaders' alerts, the cumulative ("lũy kế") line
and the "không phát sinh" labels of progress views."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from html import escape

from handlers.texts import EXAMPLE, period_name
from storage.collation import vn_key
from storage.models import Unit

COMMAND = "nhacnho"
BUTTON = "🔔 Nhắc các thôn này"
BUTTON_STALE = "Nút này không còn dùng được. Hãy gửi /nhacnho."
NOTHING_MARK = "không phát sinh"
NOTHING_TITLE = "Không phát sinh số liệu"
WEB_HINT = "Gửi lời nhắc tới thành viên các thôn này (mỗi người tối đa 1 lần/ngày)."


def _names(names: Iterable[str]) -> str:
    return ", ".join(escape(n) for n in sorted(names, key=vn_key))


# --- /nhacnho --------------------------------------------------------------------------------


def nudge_message(name: str, village: str, period: str, leader: str) -> str:
    """What a member of a village still missing receives."""
    return (
        f"🔔 Chào {escape(name)}! {escape(leader)} nhắc: <b>{escape(village)}</b> chưa có báo "
        f"cáo {period_name(period)}.\nGửi ngay, ví dụ: <code>{EXAMPLE}</code>\n"
        f"Nếu thôn không có số liệu: <code>/khongphatsinh</code>."
    )


def nothing_missing(unit: str, period: str) -> str:
    return f"✅ Mọi thôn của {escape(unit)} đã báo cáo {period_name(period)}: không cần nhắc ai."


def nudge_done(
    unit: str,
    period: str,
    villages: int,
    reached: Sequence[str],
    nudged_today: Sequence[str],
    away: Sequence[str],
    no_chat: Sequence[str],
    empty: Sequence[str],
) -> str:
    lines = [
        f"🔔 <b>{escape(unit)}</b>, {period_name(period)}: {villages} thôn chưa báo cáo.",
        f"Đã gửi lời nhắc tới {len(reached)} thành viên"
        + (f": {_names(reached)}." if reached else "."),
    ]
    if nudged_today:
        lines.append(f"⏭ Đã được nhắc hôm nay nên không nhắc lại: {_names(nudged_today)}.")
    if away:
        lines.append(f"🏖 Đang vắng nên không nhắc: {_names(away)}.")
    if no_chat:
        lines.append(f"✉️ Chưa từng nhắn riêng cho bot nên không nhắc được: {_names(no_chat)}.")
    if empty:
        lines.append(f"👥 Chưa có thành viên nào: {_names(empty)}.")
    return "\n".join(lines)


# --- "không phát sinh" in progress views ---------------------------------------------------


def nothing_line(villages: Sequence[Unit]) -> str:
    """The villages of a progress view that declared the month "không phát sinh"."""
    return f"🈳 Không phát sinh ({len(villages)}): {_names(v.name for v in villages)}"


# --- lũy kế (cumulative from the start of the year) ----------------------------------------
# (Its line in chat and tallies is `texts.Wording.year_to_date`, beside the tally's words.)

EXPORT_YEAR_SHEET = "Lũy kế từ đầu năm"


def export_year_title(unit: str, year: str, upto: date) -> str:
    return f"Lũy kế từ đầu năm {year} đến {upto:%d/%m/%Y} — {unit}"
