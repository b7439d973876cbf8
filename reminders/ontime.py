"""On-time rate: per unit and month, the share of its villages that had reported (or
declared "không phát sinh") by the end of the month's deadline day, the deadline as the
calendar sets it (moved off days off when the rule says so).

"By the deadline" is the state at that instant: an entry made by then counts even if it
was corrected or undone later; one made after it does not, whatever it is for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from reminders.calendar import Period, Schedule, WorkingDays, at_vn, deadline_of
from reminders.progress import months_in
from storage.models import Level, Unit
from storage.store import Store


@dataclass
class OnTime:
    on_time: int = 0
    villages: int = 0

    @property
    def rate(self) -> float | None:
        return self.on_time / self.villages if self.villages else None


@dataclass
class OnTimeView:
    deadline: date
    due: bool  # the deadline day is over: the rate is final
    top: OnTime = field(default_factory=OnTime)
    children: dict[int, OnTime] = field(default_factory=dict)  # child unit id -> its rate


def cutoff_of(deadline: date) -> datetime:
    """The instant the deadline day ends, in Vietnam."""
    return at_vn(deadline + timedelta(days=1), time(0, 0))


async def on_time_rates(
    store: Store,
    scope: Unit,
    month: Period,
    now: datetime,
    schedule: Schedule | None = None,
    days: WorkingDays | None = None,
) -> OnTimeView:
    """The scope's rate and each direct child's; before the deadline is over, the rate so
    far (`due` False)."""
    deadline = deadline_of(month, schedule or Schedule(), days or WorkingDays())
    cutoff = min(cutoff_of(deadline), now)
    rows = await store.units.subtree_rows(scope)
    reported = await store.signoffs.reported_by(
        scope, month.start, month.end, months_in(month), cutoff
    )
    view = OnTimeView(deadline, due=now >= cutoff_of(deadline))
    scope_id = scope.id or 0
    for row in rows:
        if row.level is not Level.village:
            continue
        below = [int(p) for p in row.path[len(scope.path) :].split("/") if p]
        nodes = [view.top]
        if below:
            nodes.append(view.children.setdefault(below[0], OnTime()))
        for node in nodes:
            node.villages += 1
            node.on_time += row.id in reported
    view.children.pop(scope_id, None)
    return view
