"""Targets (chỉ tiêu) from rows of a file: unit code, indicator, period, value."""

from __future__ import annotations

from dataclasses import dataclass, field

from handlers.folding import fold
from reminders.calendar import parse_period
from storage.cleaning import clean_name
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


async def plan_targets(store: Store, rows: list[TargetRow]) -> TargetPlan:
    plan = TargetPlan()
    codes = {fold(i.code): i.code for i in await store.indicators.all()}
    seen: dict[tuple[str, str, str], int] = {}
    for row in rows:
        unit = await store.units.by_code(row.unit)
        indicator = codes.get(fold(row.indicator).strip())
        try:
            period = parse_period(row.period).key
        except ValueError as err:
            plan.errors.append((row.line, str(err)))
            continue
        value = row.value.replace(".", "").replace(",", "").strip()
        if unit is None:
            plan.errors.append((row.line, f"no unit {row.unit!r}"))
        elif indicator is None:
            plan.errors.append(
                (row.line, f"no indicator {row.indicator!r} ({', '.join(codes.values())})")
            )
        elif not value.isdigit():
            plan.errors.append((row.line, f"value {row.value!r} is not a whole number"))
        elif (key := (row.unit, indicator, period)) in seen:
            plan.errors.append((row.line, f"repeats line {seen[key]}"))
        else:
            seen[key] = row.line
            current = await store.targets.for_unit(unit.id or 0, period)
            plan.changed += current.get(indicator) != int(value)
            plan.ready.append((unit.id or 0, indicator, period, int(value)))
    return plan


async def apply_targets(store: Store, plan: TargetPlan) -> None:
    assert not plan.errors
    for unit_id, indicator, period, value in plan.ready:
        await store.targets.set(unit_id, indicator, period, value)
