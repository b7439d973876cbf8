from datetime import UTC, date, datetime

import pytest

from reminders.calendar import (
    DayOffRule,
    Schedule,
    WorkingDays,
    deadline_of,
    earliest_open_day,
    month_of,
    quarter_of,
    reminder_days,
    vn_today,
    week_of,
    year_of,
)


def test_the_vietnamese_day_starts_seven_hours_before_utc() -> None:
    assert vn_today(datetime(2026, 11, 20, 16, 59, tzinfo=UTC)) == date(2026, 11, 20)
    assert vn_today(datetime(2026, 11, 20, 17, 0, tzinfo=UTC)) == date(2026, 11, 21)


def test_periods() -> None:
    assert month_of(date(2026, 2, 14)) == month_of(date(2026, 2, 1))
    assert month_of(date(2026, 2, 14)).end == date(2026, 2, 28)
    assert month_of(date(2028, 2, 14)).end == date(2028, 2, 29)
    assert quarter_of(date(2026, 11, 21)).key == "2026-Q4"
    assert quarter_of(date(2026, 11, 21)).end == date(2026, 12, 31)
    assert year_of(date(2026, 11, 21)).key == "2026"
    week = week_of(date(2026, 11, 21))
    assert (week.key, week.start, week.end) == ("2026-W47", date(2026, 11, 16), date(2026, 11, 22))
    assert date(2026, 11, 22) in week and date(2026, 11, 23) not in week


@pytest.mark.parametrize(
    "today, grace, first_open",
    [
        (date(2026, 11, 21), 5, date(2026, 11, 1)),
        (date(2026, 12, 5), 5, date(2026, 11, 1)),
        (date(2026, 12, 6), 5, date(2026, 12, 1)),
        (date(2027, 1, 3), 5, date(2026, 12, 1)),
        (date(2026, 12, 1), 0, date(2026, 12, 1)),
    ],
)
def test_a_month_stays_open_for_the_grace_days(today: date, grace: int, first_open: date) -> None:
    assert earliest_open_day(today, grace) == first_open


@pytest.mark.parametrize(
    "month, moved, kept",
    [
        (date(2026, 2, 1), date(2026, 2, 23), date(2026, 2, 20)),  # Tết, then a weekend
        (date(2026, 6, 1), date(2026, 6, 22), date(2026, 6, 20)),  # a Saturday
        (date(2026, 9, 1), date(2026, 9, 21), date(2026, 9, 20)),  # a Sunday
        (date(2026, 11, 1), date(2026, 11, 20), date(2026, 11, 20)),  # a Friday: unchanged
    ],
)
def test_a_deadline_on_a_day_off_moves_to_the_next_working_day(
    month: date, moved: date, kept: date
) -> None:
    days = WorkingDays()
    assert deadline_of(month_of(month), Schedule(), days) == moved
    assert deadline_of(month_of(month), Schedule(on_day_off=DayOffRule.keep), days) == kept


def test_reminders_count_back_from_the_real_deadline() -> None:
    # June 2026: the deadline moves from Saturday the 20th to Monday the 22nd; 5 days before
    # is Wednesday the 17th, 2 days before is Saturday the 20th, moved back to Friday the 19th.
    june = month_of(date(2026, 6, 1))
    assert reminder_days(june, Schedule(), WorkingDays()) == {
        date(2026, 6, 17): {5}, date(2026, 6, 19): {2}, date(2026, 6, 22): {0},
    }  # fmt: skip
    kept = reminder_days(june, Schedule(on_day_off=DayOffRule.keep), WorkingDays())
    assert kept == {date(2026, 6, 15): {5}, date(2026, 6, 18): {2}, date(2026, 6, 19): {0}}
