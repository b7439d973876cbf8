"""Progress of a unit's children against their targets, and who has not reported.

Counts roll up the tree (a commune's count is its villages' counts). Targets roll up where
they are not set: a commune's own target for an indicator wins; without one it shows the
sum of its villages' targets, if they have any.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reminders.calendar import Period
from storage.models import Level, Unit
from storage.store import Store


@dataclass
class UnitProgress:
    unit: Unit
    counts: dict[str, int] = field(default_factory=dict)
    targets: dict[str, int] = field(default_factory=dict)
    week: dict[str, int] = field(default_factory=dict)
    villages: int = 0
    villages_reported: int = 0

    def rate(self, indicator: str) -> float | None:
        goal = self.targets.get(indicator)
        return None if not goal else self.counts.get(indicator, 0) / goal

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


async def tally_view(
    store: Store, scope: Unit, period: Period, week: Period | None = None
) -> tuple[UnitProgress, list[UnitProgress], list[Unit]]:
    """Progress of the scope and its children, and the villages without a report, from one
    load of the subtree and one aggregate of the period."""
    units = list(await store.units.subtree(scope))
    counts = await store.entries.totals_by_unit(scope, period.start, period.end)
    weekly = await store.entries.totals_by_unit(scope, week.start, week.end) if week else {}
    own_targets = await store.targets.in_subtree(scope, period.key)
    progress = {u.id: UnitProgress(u) for u in units}
    # Deepest first, so each unit is complete before it is added to its parent.
    for unit in sorted(units, key=lambda u: u.path.count("/"), reverse=True):
        node = progress[unit.id]
        _add(node.counts, counts.get(unit.id or 0, {}))
        _add(node.week, weekly.get(unit.id or 0, {}))
        if unit.level is Level.village:
            node.villages += 1
            node.villages_reported += 1 if counts.get(unit.id or 0) else 0
        node.targets.update(own_targets.get(unit.id or 0, {}))  # its own target wins
        parent = progress.get(unit.parent_id) if unit.id != scope.id else None
        if parent is not None:
            _add(parent.counts, node.counts)
            _add(parent.week, node.week)
            parent.villages += node.villages
            parent.villages_reported += node.villages_reported
            _add(parent.targets, node.targets)
    top = progress[scope.id]
    children = [progress[u.id] for u in units if u.parent_id == scope.id]
    children.sort(key=lambda p: (-p.mean_rate(), p.unit.name))
    missing = [u for u in units if u.level is Level.village and not counts.get(u.id or 0)]
    return top, children, sorted(missing, key=lambda v: v.name)


async def villages_missing(store: Store, scope: Unit, period: Period) -> list[Unit]:
    """Villages of the subtree with no active entry in the period, by name."""
    counts = await store.entries.totals_by_unit(scope, period.start, period.end)
    villages = [u for u in await store.units.subtree(scope) if u.level is Level.village]
    return sorted((v for v in villages if not counts.get(v.id or 0)), key=lambda v: v.name)
