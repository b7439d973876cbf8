"""Reporting periods and weeks, computed in Vietnam time (Asia/Ho_Chi_Minh)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

import holidays

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def vn_today(now: datetime) -> date:
    """The Vietnamese calendar day of an aware instant."""
    return now.astimezone(VN).date()


@dataclass(frozen=True)
class Period:
    key: str  # "2026-11", "2026-Q4", "2026"
    start: date
    end: date  # inclusive

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def month_of(day: date) -> Period:
    start = day.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return Period(f"{day:%Y-%m}", start, end)


def quarter_of(day: date) -> Period:
    q = (day.month - 1) // 3
    start = date(day.year, 3 * q + 1, 1)
    end = month_of(date(day.year, 3 * q + 3, 1)).end
    return Period(f"{day.year}-Q{q + 1}", start, end)


def year_of(day: date) -> Period:
    return Period(str(day.year), date(day.year, 1, 1), date(day.year, 12, 31))


def week_of(day: date) -> Period:
    """ISO week, Monday to Sunday."""
    start = day - timedelta(days=day.weekday())
    iso = day.isocalendar()
    return Period(f"{iso.year}-W{iso.week:02d}", start, start + timedelta(days=6))


def earliest_open_day(today: date, grace_days: int) -> date:
    """First day a report may still be logged for.

    A month stays open through the first `grace_days` days of the next month (late
    reports of the last evenings), then it is closed and only corrections by leaders
    could change it.
    """
    this_month = month_of(today).start
    if today.day <= grace_days:
        return month_of(this_month - timedelta(days=1)).start
    return this_month


def parse_period(text: str) -> Period:
    """ "2026-11" (month), "2026-Q4" (quarter) or "2026" (year); ValueError otherwise."""
    text = text.strip().upper()
    if len(text) == 4 and text.isdigit():
        return year_of(date(int(text), 1, 1))
    year, _, rest = text.partition("-")
    if year.isdigit() and rest.startswith("Q") and rest[1:] in ("1", "2", "3", "4"):
        return quarter_of(date(int(year), 3 * int(rest[1:]), 1))
    if year.isdigit() and rest.isdigit() and 1 <= int(rest) <= 12:
        return month_of(date(int(year), int(rest), 1))
    raise ValueError(f"not a period: {text!r} (2026-11, 2026-Q4 or 2026)")


class Span(StrEnum):
    """The stretches of time a member's own totals are shown for (`/toi`)."""

    today = "today"
    week = "week"
    month = "month"


class DayOffRule(StrEnum):
    """What a deadline that falls on a day off becomes."""

    next_working_day = "next_working_day"  # Civil Code art. 148: the next working day
    keep = "keep"  # the calendar day, even on a weekend or holiday


@dataclass(frozen=True)
class Schedule:
    """When reminders and tallies go out (settings)."""

    deadline_day: int = 20
    on_day_off: DayOffRule = DayOffRule.next_working_day
    offsets: tuple[int, ...] = (5, 2, 0)  # days before the deadline; 0 is the deadline morning
    send_at: time = time(8, 0)
    tally_weekday: int = 0  # Monday
    tally_at: time = time(8, 0)


class WorkingDays:
    """Weekends and Vietnamese public holidays (the `holidays` package) are days off."""

    def __init__(self, extra_days_off: frozenset[date] = frozenset()) -> None:
        self._holidays = holidays.country_holidays("VN")
        self._extra = extra_days_off

    def is_working(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._holidays and day not in self._extra

    def on_or_before(self, day: date) -> date:
        while not self.is_working(day):
            day -= timedelta(days=1)
        return day

    def on_or_after(self, day: date) -> date:
        while not self.is_working(day):
            day += timedelta(days=1)
        return day


def nominal_deadline(month: Period, schedule: Schedule) -> date:
    """The deadline day as set (the last day when the month is shorter), day off or not."""
    return month.start + timedelta(days=min(schedule.deadline_day, month.end.day) - 1)


def deadline_of(month: Period, schedule: Schedule, days: WorkingDays) -> date:
    """The real deadline of a month: the set day, moved to the next working day when it is a
    day off and the rule says so (Civil Code art. 148)."""
    day = nominal_deadline(month, schedule)
    if schedule.on_day_off is DayOffRule.next_working_day:
        return days.on_or_after(day)
    return day


def reminder_days(month: Period, schedule: Schedule, days: WorkingDays) -> dict[date, set[int]]:
    """Working day -> the offsets that fall on it, counted back from the real deadline (a
    weekend or holiday moves a reminder to the working day before; two may land on one day
    and become one message)."""
    deadline = deadline_of(month, schedule, days)
    result: dict[date, set[int]] = {}
    for offset in schedule.offsets:
        day = days.on_or_before(deadline - timedelta(days=offset))
        result.setdefault(day, set()).add(offset)
    return result


def at_vn(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=VN)


def parse_week(text: str) -> Period:
    """ISO week "2026-W47"; ValueError otherwise."""
    year, _, week = text.strip().upper().partition("-W")
    if not (year.isdigit() and week.isdigit()):
        raise ValueError(f"not a week: {text!r} (e.g. 2026-W47)")
    return week_of(date.fromisocalendar(int(year), int(week), 1))
