"""On-time rate: per unit and month, the share of its villages that had reported (or
declared "không phát sinh") by the end of the month's deadline day, the deadline as the
calendar sets it (moved off days off when the rule says so).

"By the deadline" is the state at that instant: an entry made by then counts even if it
was corrected or undone later; one made after it does not, whatever it is for. Before the
deadline is over, the rate so far is the state a minute after the moment asked (`LIVE`).

Read without the month's entries where it can be (storage/punctual.py): once the
deadline day is over and settled, the schedule takes the month's counts per unit
(`take_on_time`); before that, when nothing was made or cancelled since the moment, the
period counters are that state; otherwise (a past moment) the entries themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from reminders.calendar import (
    Period,
    Schedule,
    WorkingDays,
    at_vn,
    deadline_of,
    month_of,
    vn_today,
)
from reminders.progress import ids_below, months_in
from storage.collation import vn_key
from storage.db import Database
from storage.models import Level, MonthSignoff, MonthStatus, Unit, pk
from storage.store import Store

SETTLE = timedelta(minutes=15)  # longer than any unit of work (the database waits less)
# Before the deadline is over, the rate so far is as of a minute after the moment asked:
# a report that lands while the question is answered may count, and then the period
# counters answer (nothing changed since), not the month's entries.
LIVE = timedelta(minutes=1)


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
    far (`due` False; as of `LIVE` after `now`)."""
    deadline = deadline_of(month, schedule or Schedule(), days or WorkingDays())
    end = cutoff_of(deadline)
    view = OnTimeView(deadline, due=now >= end)
    cutoff = end if view.due else min(now + LIVE, end)
    villages = await store.tallies.villages_per_child(scope)
    on_time = await _on_time(store, scope, month, cutoff, [pk(scope), *villages])
    view.top = OnTime(on_time.get(pk(scope), 0), sum(villages.values()))
    view.top.villages += scope.level is Level.village
    for child, n in villages.items():
        view.children[child] = OnTime(on_time.get(child, 0), n)
    return view


async def _on_time(
    store: Store, scope: Unit, month: Period, cutoff: datetime, ids: list[int]
) -> dict[int, int]:
    """On-time villages under each of `ids` (the scope and its children) at `cutoff`: the
    month's taken counts when it is past (`take_on_time`), the present counters when
    nothing changed since `cutoff`, else the raw entries."""
    keys = months_in(month)
    if len(keys) == 1:
        taken = await store.punctual.counts(month.key, cutoff, ids)
        if taken is not None:
            return taken
        if not await store.punctual.changed_after(cutoff):
            return await _present(store, scope, month, ids)
    reported = await store.punctual.reported_by(scope, month.start, month.end, keys, cutoff)
    return _per_unit(scope, reported, ids)


async def _present(store: Store, scope: Unit, month: Period, ids: list[int]) -> dict[int, int]:
    """Villages reported now: those with a count in the month (period counters) and those
    that declared "không phát sinh" (few; a village with both counts once)."""
    declared = await store.tallies.declared_villages(scope, [month.key])
    counters = await store.tallies.periods([*ids, *declared], month.key)
    reported = {u: v for u, (_, v) in counters.items()}
    declared = {u: p for u, p in declared.items() if not reported.get(u)}
    extra = _per_unit(scope, declared, ids)
    return {u: reported.get(u, 0) + extra.get(u, 0) for u in ids}


def _per_unit(scope: Unit, villages: dict[int, str], ids: list[int]) -> dict[int, int]:
    """How many of these villages (id -> path) lie under the scope and under each child."""
    found = dict.fromkeys(ids, 0)
    for path in villages.values():
        below = ids_below(path, scope.path)
        found[pk(scope)] += 1
        if below and below[0] in found:
            found[below[0]] += 1
    return found


def settled(cutoff: datetime, now: datetime) -> bool:
    """Whether a month's on-time counts can be taken: its cutoff is far enough past that no
    unit of work begun before it is still open (a report stamped 23:59:59 that commits
    a second later must be in them)."""
    return now >= cutoff + SETTLE


async def take_on_time(
    db: Database, now: datetime, schedule: Schedule, days: WorkingDays, months: int = 13
) -> list[str]:
    """Take the on-time counts of every month of the last `months` whose cutoff is
    settled and that has none for it (the deadline settings may have moved it); returns
    the months taken. Idempotent: the schedule runs it at every tick."""
    wanted = {}
    month = month_of(vn_today(now))
    for _ in range(months):
        cutoff = cutoff_of(deadline_of(month, schedule, days))
        if settled(cutoff, now):
            wanted[month.key] = (month, cutoff)
        month = month_of(month.start - timedelta(days=1))
    async with db.reading() as store:
        have = await store.punctual.taken()
    todo = [(m, c) for key, (m, c) in sorted(wanted.items()) if have.get(key) != c]
    for month, cutoff in todo:
        async with db.transaction() as store:
            await store.punctual.take(month.key, cutoff, now)
            await store.commit()
    return [m.key for m, _ in todo]


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
    view = await on_time_rates(store, scope, month, now, schedule, days)
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
    communes = await store.units.subtree_rows(scope, Level.commune)
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
