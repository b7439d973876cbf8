"""The shared helpers of everything the bot says, in Vietnamese: escaping, days, periods,
the decimal comma, percentages, role names and count lines. The texts themselves live by
feature in `texts_<feature>.py` (platform-only texts with their platform in `bot/`).

Output is a small HTML subset (<b>, <i>, <code>); every value a person typed or named
goes through `esc` first. Channels without HTML strip the tags.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from html import escape

from reminders.calendar import Period
from reminders.progress import ratio
from storage.collation import vn_key

# A report as people type it, for the texts that have no indicators at hand (the default
# set); texts that know the indicators in use build theirs with `example`.
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


def share(got: int, goal: int | None) -> str:
    """How much of a target is reached, as a percentage (40,5%): the one place the texts
    turn a count and its target into a percentage."""
    return percent(ratio(got, goal))


def got_of_goal(got: int, goal: int | None) -> str:
    """A count against its target, 17/42 (40,5%); the bare count without a target."""
    return f"{got}/{goal} ({share(got, goal)})" if goal else f"{got}"


ROLE_NAMES = {
    "member": "thành viên tổ",
    "village_lead": "tổ trưởng thôn",
    "commune_leader": "lãnh đạo xã",
    "district_admin": "quản trị huyện/cụm",
    "province_admin": "quản trị tỉnh",
}


def example(labels: Mapping[str, str], counts: Iterable[int] = (5, 2)) -> str:
    """A report in the indicators in use, in display order: vneid 5 cks 2."""
    return " ".join(f"{code} {n}" for code, n in zip(labels, counts, strict=False)) or EXAMPLE


def first_code(labels: Mapping[str, str]) -> str:
    """The first indicator in use, for one-indicator examples (/sua MÃ vneid 4)."""
    return next(iter(labels), "vneid")


def ordered(codes: Iterable[str], labels: Mapping[str, str]) -> list[str]:
    """Codes in the indicators' display order (the labels' order), unknown ones last."""
    rank = {code: n for n, code in enumerate(labels)}
    return sorted(codes, key=lambda c: (rank.get(c, len(rank)), c))


def counts_lines(counts: Mapping[str, int], labels: Mapping[str, str]) -> str:
    return "\n".join(f"• {esc(labels.get(c, c))}: <b>{n}</b>" for c, n in counts.items())


def counts_inline(counts: Mapping[str, int], labels: Mapping[str, str]) -> str:
    if not any(counts.values()):
        return "chưa có"
    return " · ".join(f"{esc(labels.get(c, c))} {counts.get(c, 0)}" for c in labels)


def names(people: Iterable[str]) -> str:
    """Names in Vietnamese order, escaped, comma separated."""
    return ", ".join(esc(n) for n in sorted(people, key=vn_key))


# --- said by every command -----------------------------------------------------------------

ERROR = "Xin lỗi, có lỗi khi xử lý tin nhắn. Bạn hãy thử lại sau ít phút."


def not_allowed(needed: str) -> str:
    return f"Lệnh này dành cho {ROLE_NAMES.get(needed, needed)} trở lên."


def outside_unit(unit: str) -> str:
    return f"<b>{esc(unit)}</b> không thuộc đơn vị bạn phụ trách."


def unit_unknown(code: str) -> str:
    return f"Không có đơn vị mã <code>{esc(code)}</code>. Mã đơn vị có trong /tiendo."
