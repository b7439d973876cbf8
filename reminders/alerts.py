"""What a commune leader should act on, found once a week with the tally:

- **quiet villages**: no active entry for `quiet_weeks` whole weeks up to the tally's
  Sunday (a village that declared a month of that span "không phát sinh" is not quiet);
- **pace**: an indicator whose month-to-date count, carried on at the same daily rate to
  the month's end, stays under the month's target (from `pace_from_day` of the month on,
  so the first days' noise says nothing);
- **unusual entries**: an entry of the week whose count is far above both the member's
  and the village's usual day for that indicator. "Usual" is the median of the days with
  a report in the `history_days` before the week (a robust figure: one big day does not
  move it), and "far above" is more than max(factor × median, median + margin)
  (3× and +10 by default). Without history the median is 0, so only counts above the
  margin stand out. Each comes with its receipt code, to undo it if it is a mistake.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from reminders.calendar import Period, month_of
from reminders.progress import months_in, tally_view
from storage.collation import vn_key
from storage.models import Level, Unit, pk
from storage.store import Store


@dataclass(frozen=True)
class AlertRules:
    """Settings (`ALERT_*` in `.env`); 0 / False turns a kind of alert off."""

    quiet_weeks: int = 2
    pace: bool = True
    pace_from_day: int = 7
    unusual: bool = True
    factor: int = 3
    margin: int = 10
    history_days: int = 60


@dataclass(frozen=True)
class Pace:
    indicator: str
    done: int
    target: int
    projected: int
    day: date  # month to date: up to this day


@dataclass(frozen=True)
class Unusual:
    receipt: str
    member: str
    village: str
    indicator: str
    count: int
    day: date
    usual: int  # the member's usual day (median)


@dataclass
class Alerts:
    quiet_weeks: int = 0
    quiet: list[Unit] = field(default_factory=list)
    behind: list[Pace] = field(default_factory=list)
    unusual: list[Unusual] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.quiet or self.behind or self.unusual)


def far_above(count: int, usual: float, rules: AlertRules) -> bool:
    return count > max(rules.factor * usual, usual + rules.margin)


async def commune_alerts(store: Store, commune: Unit, week: Period, rules: AlertRules) -> Alerts:
    found = Alerts(quiet_weeks=rules.quiet_weeks)
    if rules.quiet_weeks > 0:
        found.quiet = await quiet_villages(store, commune, week.end, rules.quiet_weeks)
    if rules.pace:
        found.behind = await behind_pace(store, commune, week.end, rules.pace_from_day)
    if rules.unusual:
        found.unusual = await unusual_entries(store, commune, week, rules)
    return found


async def quiet_villages(store: Store, scope: Unit, upto: date, weeks: int) -> list[Unit]:
    start = upto - timedelta(weeks=weeks) + timedelta(days=1)
    counts = await store.entries.totals_by_unit(scope, start, upto)
    declared = await store.nothing.in_subtree(scope, months_in(Period("", start, upto)))
    villages = [
        u
        for u in await store.units.subtree(scope)
        if u.level is Level.village and not counts.get(pk(u)) and u.id not in declared
    ]
    return sorted(villages, key=lambda v: vn_key(v.name))


async def behind_pace(store: Store, scope: Unit, upto: date, from_day: int) -> list[Pace]:
    whole = month_of(upto)
    if upto.day < from_day:
        return []
    top, _, _ = await tally_view(store, scope, Period(whole.key, whole.start, upto))
    days = whole.end.day
    behind = []
    for code, target in top.targets.items():
        done = top.counts.get(code, 0)
        projected = done * days // upto.day
        if target and projected < target:
            behind.append(Pace(code, done, target, projected, upto))
    return behind


async def unusual_entries(
    store: Store, scope: Unit, week: Period, rules: AlertRules
) -> list[Unusual]:
    history_start = week.start - timedelta(days=rules.history_days)
    rows = await store.entries.in_range(scope, history_start, week.end)
    by_member: dict[tuple[int, str], dict[date, int]] = defaultdict(lambda: defaultdict(int))
    by_village: dict[tuple[int, str], dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for entry, _, _ in rows:
        if entry.cancelled_at is None and entry.day < week.start:
            by_member[entry.member_id, entry.indicator][entry.day] += entry.count
            by_village[entry.unit_id, entry.indicator][entry.day] += entry.count
    found = []
    for entry, village, member in rows:
        if entry.cancelled_at is not None or entry.day < week.start:
            continue
        mine = _median(by_member[entry.member_id, entry.indicator])
        theirs = _median(by_village[entry.unit_id, entry.indicator])
        if far_above(entry.count, mine, rules) and far_above(entry.count, theirs, rules):
            found.append(
                Unusual(
                    entry.receipt, member, village, entry.indicator, entry.count, entry.day,
                    round(mine),
                )
            )  # fmt: skip
    return found


def _median(days: dict[date, int]) -> float:
    return statistics.median(days.values()) if days else 0.0
