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


def _ids_below(path: str, scope_path: str) -> list[int]:
    """The unit ids on the way from the scope (excluded) down to this unit (included)."""
    return [int(part) for part in path[len(scope_path) :].split("/") if part]


async def tally_view(
    store: Store, scope: Unit, period: Period, week: Period | None = None
) -> tuple[UnitProgress, list[UnitProgress], list[Unit]]:
    """Progress of the scope and its children, and the villages without a report, from one
    load of the subtree (plain rows) and one aggregate of the period and the week.

    Only the scope and its direct children are shown, so every count is added straight
    into the child it belongs to (found from the unit's path), not up every level."""
    rows = await store.units.subtree_rows(scope)
    span = (period.start, period.end)
    counts, weekly, latest = await store.entries.totals_by_unit_two(
        scope, span, (week.start, week.end) if week else span
    )
    if week is None:
        weekly = {}
    declared = await store.nothing.in_subtree(scope, months_in(period))
    scope_id = pk(scope)
    child_ids = [row.id for row in rows if row.parent_id == scope_id and row.id != scope_id]
    missing_ids = [
        r.id
        for r in rows
        if r.level is Level.village and not counts.get(r.id) and r.id not in declared
    ]
    units = await store.units.by_ids([*child_ids, *missing_ids])
    units[scope_id] = scope
    shown = {i: UnitProgress(units[i]) for i in (scope_id, *child_ids)}
    top = shown[scope_id]
    child_of: dict[int, int] = {}
    for row in rows:
        below = _ids_below(row.path, scope.path)
        child_of[row.id] = below[0] if below else scope_id
        if row.level is Level.village:
            reported = 1 if counts.get(row.id) or row.id in declared else 0
            for node in (top, shown[below[0]]) if below else (top,):
                node.villages += 1
                node.villages_reported += reported
    for totals, field_name in ((counts, "counts"), (weekly, "week")):
        for unit_id, by_indicator in totals.items():
            if unit_id not in child_of:
                continue  # another root's unit (no join for a root scope)
            _add(getattr(top, field_name), by_indicator)
            child_id = child_of[unit_id]
            if child_id != scope_id:
                _add(getattr(shown[child_id], field_name), by_indicator)
    for unit_id, day in latest.items():
        if unit_id not in child_of:
            continue  # another root's unit (no join for a root scope)
        child = shown[child_of[unit_id]]
        for node in (top, child) if child is not top else (top,):
            node.last_day = max(node.last_day or day, day)
    targets = await _rolled_up_targets(store, scope, period, {r.id: r.path for r in rows})
    for unit_id, node in shown.items():
        node.targets = targets.get(unit_id, {})
        node.nothing = unit_id in declared and not counts.get(unit_id)
    children = [shown[i] for i in child_ids]
    children.sort(key=lambda p: (-p.mean_rate(), vn_key(p.unit.name)))
    missing = sorted((units[i] for i in missing_ids), key=lambda v: vn_key(v.name))
    return top, children, missing


async def _rolled_up_targets(
    store: Store, scope: Unit, period: Period, paths: dict[int, str]
) -> dict[int, dict[str, int]]:
    """Each unit's target per indicator: its own where set, else the sum of its children's
    (computed only for units that have targets and the units above them)."""
    own = await own_targets(store, scope, period)
    scope_id = pk(scope)
    parent: dict[int, int] = {}
    for unit_id in own:
        chain = [scope_id, *_ids_below(paths.get(unit_id, ""), scope.path)]
        for upper, lower in itertools.pairwise(chain):
            parent[lower] = upper
    involved = set(own) | set(parent) | set(parent.values())
    depth = {u: paths.get(u, "").count("/") for u in involved}
    result: dict[int, dict[str, int]] = {}
    for unit_id in sorted(involved, key=lambda u: depth[u], reverse=True):
        mine = result.setdefault(unit_id, {})
        mine.update(own.get(unit_id, {}))  # its own target wins over its children's sum
        if unit_id in parent and unit_id != scope_id:
            _add(result.setdefault(parent[unit_id], {}), mine)
    return result


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
    nothing to report, by name."""
    counts = await store.entries.totals_by_unit(scope, period.start, period.end)
    declared = await store.nothing.in_subtree(scope, months_in(period))
    villages = [
        u
        for u in await store.units.subtree(scope)
        if u.level is Level.village and (pk(u)) not in declared
    ]
    return sorted((v for v in villages if not counts.get(pk(v))), key=lambda v: vn_key(v.name))
