"""Lũy kế ("cumulative"): a unit's counts from the start of the year up to a day, against
the year's target (set for the year, else summed from its quarters and months)."""

from __future__ import annotations

from datetime import date

from reminders.calendar import Period, year_of
from reminders.progress import UnitProgress, tally_view
from storage.models import Unit
from storage.store import Store


def year_to(day: date) -> Period:
    """1 January to `day`, keyed by the year (the year's targets apply)."""
    year = year_of(day)
    return Period(year.key, year.start, min(day, year.end))


async def year_to_date(
    store: Store, scope: Unit, day: date
) -> tuple[UnitProgress, list[UnitProgress]]:
    """The scope and its children from 1 January to `day`."""
    top, children, _ = await tally_view(store, scope, year_to(day))
    return top, children
