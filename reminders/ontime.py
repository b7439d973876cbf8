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
from storage.collation import vn_key
from storage.models import Level, MonthSignoff, MonthStatus, Unit, pk
from storage.people import UnitRow
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
    rows: list[UnitRow] | None = None,
) -> OnTimeView:
    """The scope's rate and each direct child's; before the deadline is over, the rate so
    far (`due` False). `rows`: the subtree, when the caller has it already."""
    deadline = deadline_of(month, schedule or Schedule(), days or WorkingDays())
    cutoff = min(cutoff_of(deadline), now)
    if rows is None:
        rows = await store.units.subtree_rows(scope)
    reported = await store.signoffs.reported_by(
        scope, month.start, month.end, months_in(month), cutoff
    )
    view = OnTimeView(deadline, due=now >= cutoff_of(deadline))
    scope_id = pk(scope)
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


@dataclass(frozen=True)
class Signed:
    """A commune's place in the sign-off chain for a month, with who moved it last."""

    status: MonthStatus
    who: str = ""
    at: datetime | None = None
    reason: str = ""


@dataclass
class MonthState:
    """What /tiendo, the tallies, the dashboard and the export show of a month's sign-off
    and punctuality for a scope."""

    scope: Unit
    month: Period
    on_time: OnTimeView
    names: dict[int, str] = field(default_factory=dict)  # child unit id -> name
    commune: Signed | None = None  # the scope's own commune (a commune or a village scope)
    communes: int = 0  # communes in the scope (above communes)
    signed: int = 0
    approved: int = 0
    not_signed: list[str] = field(default_factory=list)  # their names, Vietnamese order


async def month_state(
    store: Store,
    scope: Unit,
    month: Period,
    now: datetime,
    schedule: Schedule | None = None,
    days: WorkingDays | None = None,
) -> MonthState:
    units = await store.units.subtree_rows(scope)
    view = await on_time_rates(store, scope, month, now, schedule, days, units)
    state = MonthState(scope, month, view)
    state.names = {i: u.name for i, u in (await store.units.by_ids(view.children)).items()}
    if scope.level in (Level.commune, Level.village):
        chain = await store.units.ancestors(scope)
        commune = next((u for u in chain if u.level is Level.commune), None)
        if commune is not None:
            row = await store.signoffs.get(pk(commune), month.key)
            state.commune = await _signed(store, row)
        return state
    rows = await store.signoffs.in_subtree(scope, month.key)
    communes = [u for u in units if u.level is Level.commune]
    state.communes = len(communes)
    for place in communes:
        row = rows.get(place.id)
        found = row.status if row else MonthStatus.open
        state.signed += found is MonthStatus.signed
        state.approved += found is MonthStatus.approved
        if found not in (MonthStatus.signed, MonthStatus.approved):
            state.not_signed.append(place.name)
    state.not_signed.sort(key=vn_key)
    return state


async def _signed(store: Store, row: MonthSignoff | None) -> Signed:
    if row is None:
        return Signed(MonthStatus.open)
    if row.status is MonthStatus.signed:
        who, at = row.signed_by, row.signed_at
    else:
        who, at = row.decided_by, row.decided_at
    member = await store.members.get(who) if who else None
    return Signed(row.status, member.name if member else "", at, row.reason)
