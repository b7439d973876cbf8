"""Targets (chỉ tiêu) from rows of a file.

Two shapes: one target a row (columns unit, indicator, period, value), or one unit and
period a row with a column per indicator (unit, period, vneid, cks, tt, vssid, ...), as a
commune's own sheet looks. An indicator is named by its code or any of its aliases; an
indicator added with `cnsbot indicators add` is a column at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from handlers import texts_admin as say
from handlers.lexer import phrase_key
from reminders.calendar import parse_period
from storage.cleaning import clean_name
from storage.models import pk
from storage.store import Store


@dataclass(frozen=True)
class TargetRow:
    line: int
    unit: str
    indicator: str
    period: str
    value: str

    def __post_init__(self) -> None:
        # Cleaned like chat text: a NUL in a looked-up code fails on PostgreSQL.
        for cell in ("unit", "indicator", "period", "value"):
            object.__setattr__(self, cell, clean_name(getattr(self, cell)))


@dataclass
class TargetPlan:
    ready: list[tuple[int, str, str, int]] = field(
        default_factory=list
    )  # unit id, ind, period, value
    changed: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


LONG_COLUMNS = ("unit", "indicator", "period", "value")


def target_rows(table: Iterable[tuple[int, dict[str, str]]]) -> list[TargetRow]:
    """Rows of either shape (see above) as one TargetRow per target; in the wide shape an
    empty cell sets nothing."""
    rows = []
    for line, cells in table:
        unit, period = cells.get("unit", ""), cells.get("period", "")
        if "indicator" in cells or "value" in cells:
            rows.append(TargetRow(line, unit, cells.get("indicator", ""), period,
                                  cells.get("value", "")))  # fmt: skip
            continue
        for column, value in cells.items():
            if column not in LONG_COLUMNS and value.strip():
                rows.append(TargetRow(line, unit, column, period, value))
    return rows


def _key(text: str) -> str:
    return " ".join(phrase_key(text))


async def _indicator_names(store: Store) -> tuple[dict[str, str], set[str]]:
    """Folded code or alias -> code, and the codes of retired indicators."""
    indicators = await store.indicators.all()
    names = {_key(i.code): i.code for i in indicators}
    for alias, code in await store.indicators.aliases():
        names.setdefault(_key(alias), code)
    return names, {i.code for i in indicators if not i.active}


async def plan_targets(store: Store, rows: list[TargetRow]) -> TargetPlan:
    plan = TargetPlan()
    names, retired = await _indicator_names(store)
    codes = {i.code: i.code for i in await store.indicators.active()}
    seen: dict[tuple[str, str, str], int] = {}
    for row in rows:
        unit = await store.units.by_code(row.unit)
        indicator = names.get(_key(row.indicator))
        try:
            period = parse_period(row.period).key
        except ValueError:
            plan.errors.append((row.line, say.target_bad_period(row.period)))
            continue
        value = row.value.replace(".", "").replace(",", "").strip()
        if unit is None:
            plan.errors.append((row.line, say.target_no_unit(row.unit)))
        elif indicator is None:
            plan.errors.append(
                (row.line, say.target_no_indicator(row.indicator, ", ".join(codes.values())))
            )
        elif indicator in retired:
            plan.errors.append((row.line, say.target_retired(indicator)))
        elif not value.isdigit():
            plan.errors.append((row.line, say.target_not_whole(row.value)))
        elif (key := (row.unit, indicator, period)) in seen:
            plan.errors.append((row.line, say.target_repeats(seen[key])))
        else:
            seen[key] = row.line
            current = await store.targets.for_unit(pk(unit), period)
            plan.changed += current.get(indicator) != int(value)
            plan.ready.append((pk(unit), indicator, period, int(value)))
    return plan


async def apply_targets(store: Store, plan: TargetPlan) -> None:
    assert not plan.errors
    for unit_id, indicator, period, value in plan.ready:
        await store.targets.set(unit_id, indicator, period, value)
