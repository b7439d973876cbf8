"""Progress of a unit's children against their targets, and who has not reported.

Counts roll up the tree (a commune's count is its villages' counts). Targets roll up where
they are not set: a commune's own target for an indicator wins; without one it shows the
sum of its villages' targets, if they have any. A quarter's or a year's target, where not
set for that period, is the sum of the months' (a year: of the quarters', each set or
summed from its months).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, timedelta

from reminders.calendar import Period, month_of, parse_period
from storage.collation import vn_key
from storage.models import Level, Unit, pk
from storage.store import Store


def ratio(got: int, goal: int | None) -> float | None:
    """The share of a target reached (0.405), None without a target: the one place a
    rate is computed (chat, tallies, charts and exports all show this figure)."""
    return got / goal if goal else None


@dataclass
class UnitProgress:
    unit: Unit
    counts: dict[str, int] = field(default_factory=dict)
    targets: dict[str, int] = field(default_factory=dict)
    week: dict[str, int] = field(default_factory=dict)
    villages: int = 0
    villages_reported: int = 0
    last_day: date | None = None  # the latest day reported in the period (the subtree's)
    nothing: bool = False  # a village that declared the period "không phát sinh"
    missing_listed: bool = True  # the tally names the villages without a report (see
    # `lists_missing`); if not, it says how many per child (villages - villages_reported)

    def rate(self, indicator: str) -> float | None:
        return ratio(self.counts.get(indicator, 0), self.targets.get(indicator))

    def mean_rate(self) -> float:
        """For ranking: the mean rate over the indicators that have a target (0 if none)."""
        rates = [r for i in self.targets if (r := self.rate(i)) is not None]
        return sum(rates) / len(rates) if rates else 0.0


def _add(into: dict[str, int], more: dict[str, int]) -> None:
    for key, value in more.items():
        into[key] = into.get(key, 0) + value


async def children_progress(
    store: Store, scope: Unit, period: Period, week: Period | None = None
) -> tuple[UnitProgress, list[UnitProgress]]:
    """The scope itself and each direct child (the scope alone when it is a village)."""
    top, children, _ = await tally_view(store, scope, period, week)
    return top, children


def months_in(period: Period) -> list[str]:
    """The month keys a period covers (a declaration is made per month)."""
    keys, day = [], period.start
    while day <= period.end:
        month = month_of(day)
        keys.append(month.key)
        day = month.end + timedelta(days=1)
    return keys


def ids_below(path: str, scope_path: str) -> list[int]:
    """The unit ids on the way from the scope (excluded) down to this unit (included)."""
    return [int(part) for part in path[len(scope_path) :].split("/") if part]


def lists_missing(scope: Unit, children: list[Unit]) -> bool:
    """The villages without a report are named for a commune or below (or a scope whose
    children are villages); above, the tally says how many per child."""
    if scope.level in (Level.commune, Level.village):
        return True
    return any(child.level is Level.village for child in children)


async def tally_view(
    store: Store, scope: Unit, period: Period, week: Period | None = None
) -> tuple[UnitProgress, list[UnitProgress], list[Unit]]:
    """Progress of the scope and its children, and the villages without a report (named
    only where `lists_missing`: `top.missing_listed`).

    Reads only the units shown: the subtree roll-ups of the scope and its children for
    the period and the week, their villages counted in SQL, their reporting villages
    from the period counters (plus the few declarations of nothing to report)."""
    scope_id = pk(scope)
    kids = list(await store.units.children(scope))
    shown = {scope_id: UnitProgress(scope), **{pk(c): UnitProgress(c) for c in kids}}
    top = shown[scope_id]
    span = (period.start, period.end)
    counts, weekly, latest = await store.tallies.counts(
        list(shown), span, (week.start, week.end) if week else span
    )
    for unit_id, node in shown.items():
        node.counts = counts.get(unit_id, {})
        node.week = weekly.get(unit_id, {}) if week else {}
        node.last_day = latest.get(unit_id)
    per_child = await store.tallies.villages_per_child(scope)
    for unit_id, node in shown.items():
        node.villages = per_child.get(unit_id, 0) if node is not top else sum(per_child.values())
    if scope.level is Level.village:
        top.villages = 1
    reporting = await _reporting(store, scope, period, list(shown))
    declared = await store.tallies.declared_villages(scope, months_in(period))
    for unit_id, node in shown.items():
        node.villages_reported = reporting.counted.get(unit_id, 0)
        node.nothing = unit_id in declared and not counts.get(unit_id)
    await reporting.load(list(declared))
    for village, path in declared.items():  # reported, with zeros; counted once
        if not reporting.has(village):
            below = ids_below(path, scope.path)
            for node in (top, shown[below[0]]) if below else (top,):
                node.villages_reported += 1
    targets = await _rolled_up_targets(store, scope, period)
    for unit_id, node in shown.items():
        node.targets = targets.get(unit_id, {})
    children = [shown[pk(c)] for c in kids]
    children.sort(key=lambda p: (-p.mean_rate(), vn_key(p.unit.name)))
    top.missing_listed = lists_missing(scope, kids)
    missing: list[Unit] = []
    if top.missing_listed:
        villages = await store.tallies.villages(scope)
        await reporting.load(villages)
        ids = [v for v in villages if v not in declared and not reporting.has(v)]
        missing = sorted((await store.units.by_ids(ids)).values(), key=lambda v: vn_key(v.name))
    return top, children, missing


@dataclass
class _Reporting:
    """Which villages reported in a period: from the period counters (a whole period, or
    a part with nothing outside it), else from the village rows of the range."""

    store: Store
    key: str | None  # the period counters to ask, None: `villages` is the whole answer
    counted: dict[int, int] = field(default_factory=dict)  # shown unit -> villages reported
    villages: dict[int, bool] = field(default_factory=dict)  # village -> reported (known)

    async def load(self, villages: list[int]) -> None:
        """Read these villages' counters (once, in one query per 500)."""
        unknown = [v for v in villages if v not in self.villages]
        if self.key is None or not unknown:
            return
        for start in range(0, len(unknown), 500):
            part = unknown[start : start + 500]
            found = await self.store.tallies.periods(part, self.key)
            for village in part:
                self.villages[village] = found.get(village, (0, 0))[0] > 0

    def has(self, village: int) -> bool:
        return self.villages.get(village, False)


async def _reporting(store: Store, scope: Unit, period: Period, shown: list[int]) -> _Reporting:
    whole = _covering(period)
    if whole is not None and not await _active_outside(store, scope, period, whole):
        rows = await store.tallies.periods(shown, whole.key)
        return _Reporting(store, whole.key, {u: v for u, (_, v) in rows.items()})
    found = _Reporting(store, None)
    for village, path in (
        await store.tallies.villages_reporting(scope, period.start, period.end)
    ).items():
        found.villages[village] = True
        below = ids_below(path, scope.path)
        for unit_id in (pk(scope), below[0]) if below else (pk(scope),):
            found.counted[unit_id] = found.counted.get(unit_id, 0) + 1
    return found


def _covering(period: Period) -> Period | None:
    """The month, quarter or year a period is keyed by, when it lies inside it."""
    try:
        whole = parse_period(period.key)
    except ValueError:
        return None
    return whole if whole.start <= period.start and period.end <= whole.end else None


async def _active_outside(store: Store, scope: Unit, period: Period, whole: Period) -> bool:
    """Whether the scope has counts in the covering period but outside `period` (then its
    counters are not this period's: a year to date read on a past day)."""
    before = await store.tallies.active_between(
        pk(scope), whole.start, period.start - timedelta(days=1)
    )
    return before or await store.tallies.active_between(
        pk(scope), period.end + timedelta(days=1), whole.end
    )


async def _rolled_up_targets(
    store: Store, scope: Unit, period: Period
) -> dict[int, dict[str, int]]:
    """Each unit's target per indicator: its own where set, else the sum of its children's
    (computed only for units that have targets and the units above them)."""
    own = await own_targets(store, scope, period)
    paths = await store.tallies.paths(list(own))
    scope_id = pk(scope)
    parent: dict[int, int] = {}
    for unit_id in own:
        chain = [scope_id, *ids_below(paths.get(unit_id, ""), scope.path)]
        for upper, lower in itertools.pairwise(chain):
            parent[lower] = upper
    involved = set(own) | set(parent) | set(parent.values())
    result: dict[int, dict[str, int]] = {}
    for unit_id in sorted(involved, key=lambda u: _depth(u, parent, scope_id), reverse=True):
        mine = result.setdefault(unit_id, {})
        mine.update(own.get(unit_id, {}))  # its own target wins over its children's sum
        if unit_id in parent and unit_id != scope_id:
            _add(result.setdefault(parent[unit_id], {}), mine)
    return result


def _depth(unit_id: int, parent: dict[int, int], scope_id: int) -> int:
    """How many steps below the scope (from the chains built from the targets' paths)."""
    steps = 0
    while unit_id in parent and unit_id != scope_id:
        unit_id, steps = parent[unit_id], steps + 1
    return steps


def parts_of(period: Period) -> list[Period]:
    """The periods a year (its quarters) or a quarter (its months) is made of; none else."""
    key = period.key
    if len(key) == 4:
        return [parse_period(f"{key}-Q{q}") for q in range(1, 5)]
    if "-Q" in key:
        return [parse_period(k) for k in months_in(period)]
    return []


async def own_targets(store: Store, scope: Unit, period: Period) -> dict[int, dict[str, int]]:
    """The targets set for the period itself; for a quarter or a year, where a unit has
    none for an indicator, the sum of its targets of the quarters (a year) or months (a
    quarter) it covers, themselves summed from months where not set."""
    own = await store.targets.in_subtree(scope, period.key)
    summed: dict[int, dict[str, int]] = {}
    for part in parts_of(period):
        for unit_id, by_indicator in (await own_targets(store, scope, part)).items():
            _add(summed.setdefault(unit_id, {}), by_indicator)
    for unit_id, by_indicator in summed.items():
        mine = own.setdefault(unit_id, {})
        for code, value in by_indicator.items():
            mine.setdefault(code, value)
    return own


async def villages_missing(store: Store, scope: Unit, period: Period) -> list[Unit]:
    """Villages of the subtree with no active entry in the period and no declaration of
    nothing to report, by name (from the village rows; a commune or a few: its callers
    ask per commune or village)."""
    reporting = await store.tallies.villages_reporting(scope, period.start, period.end)
    declared = await store.tallies.declared_villages(scope, months_in(period))
    villages = await store.tallies.villages(scope)
    ids = [v for v in villages if v not in reporting and v not in declared]
    return sorted((await store.units.by_ids(ids)).values(), key=lambda v: vn_key(v.name))
