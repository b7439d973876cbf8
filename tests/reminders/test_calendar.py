from datetime import UTC, date, datetime

import pytest

from reminders.calendar import earliest_open_day, month_of, quarter_of, vn_today, week_of, year_of


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
