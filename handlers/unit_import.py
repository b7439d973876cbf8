"""Adding villages and groupings to the unit tree from rows of a file (CSV or XLSX).

Planning is separate from applying, so `--dry-run` shows exactly what applying would do,
and a file imported twice changes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from handlers import texts_admin as say
from handlers.folding import fold
from storage.cleaning import clean_name
from storage.models import Level, Unit
from storage.store import Store

LEVEL_WORDS = {
    "province": Level.province, "tinh": Level.province, "thanh pho": Level.province,
    "district": Level.district, "huyen": Level.district, "cum": Level.district,
    "quan": Level.district, "thi xa": Level.district,
    "commune": Level.commune, "xa": Level.commune, "phuong": Level.commune,
    "dac khu": Level.commune,
    "village": Level.village, "thon": Level.village, "ban": Level.village,
    "to dan pho": Level.village, "khu pho": Level.village, "ap": Level.village,
    "xom": Level.village, "khu": Level.village, "to": Level.village,
}  # fmt: skip

# Which levels may sit directly under which: groupings are optional and may nest.
PARENT_LEVELS = {
    Level.province: set(),
    Level.district: {Level.province, Level.district},
    Level.commune: {Level.province, Level.district},
    Level.village: {Level.commune},
}


@dataclass(frozen=True)
class Row:
    line: int
    code: str
    name: str
    level: str
    parent: str

    def __post_init__(self) -> None:
        # A file's cells go into names that chats show: cleaned like chat text, at the door.
        for cell in ("code", "name", "level", "parent"):
            object.__setattr__(self, cell, clean_name(getattr(self, cell)))


@dataclass(frozen=True)
class Change:
    line: int
    action: str  # "add", "update", "same"
    code: str
    name: str
    level: Level
    parent: str
    old_name: str = ""  # an update: what it was, for the diff (renamed, moved)
    old_parent: str = ""

    @property
    def renamed(self) -> bool:
        return self.action == "update" and self.old_name != self.name

    @property
    def moved(self) -> bool:
        return self.action == "update" and self.old_parent != self.parent


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)


async def plan_units(store: Store, rows: list[Row]) -> Plan:
    plan = Plan()
    in_file: dict[str, Row] = {}
    for row in rows:
        if row.code in in_file:
            plan.errors.append((row.line, say.unit_code_repeats(row.code, in_file[row.code].line)))
        in_file[row.code] = row
    for row in rows:
        error = await _check(store, row, in_file)
        if error:
            plan.errors.append((row.line, error))
            continue
        level = LEVEL_WORDS[fold(row.level).strip()]
        existing = await store.units.by_code(row.code)
        action, old_name, old_parent = "add", "", ""
        if existing is not None:
            parent = await store.units.get(existing.parent_id) if existing.parent_id else None
            old_name, old_parent = existing.name, parent.code if parent else ""
            same = (old_name, existing.level, old_parent) == (row.name, level, row.parent)
            action = "same" if same else "update"
        plan.changes.append(
            Change(row.line, action, row.code, row.name, level, row.parent, old_name, old_parent)
        )
    return plan


async def _check(store: Store, row: Row, in_file: dict[str, Row]) -> str | None:
    if not row.code or not row.name:
        return say.UNIT_CODE_NAME_NEEDED
    level = LEVEL_WORDS.get(fold(row.level).strip())
    if level is None:
        return say.unit_level_unknown(row.level)
    if not row.parent:
        return None if level is Level.province else say.UNIT_PARENT_NEEDED
    parent_level = await _level_of(store, row.parent, in_file)
    if parent_level is None:
        return say.unit_parent_missing(row.parent)
    if parent_level not in PARENT_LEVELS[level]:
        return say.unit_parent_wrong(level, parent_level, row.parent)
    return None


async def _level_of(store: Store, code: str, in_file: dict[str, Row]) -> Level | None:
    if code in in_file:
        return LEVEL_WORDS.get(fold(in_file[code].level).strip())
    unit = await store.units.by_code(code)
    return unit.level if unit else None


async def apply_plan(store: Store, plan: Plan) -> None:
    """Apply a plan without errors. Parents are created before children, whatever the order."""
    assert not plan.errors
    pending = [c for c in plan.changes if c.action != "same"]
    # One read of every unit named (a province's file has thousands of rows).
    known = await store.units.by_codes([c.code for c in pending] + [c.parent for c in pending])
    while pending:
        ready = [c for c in pending if not c.parent or c.parent in known]
        if not ready:
            raise ValueError("cycle in parent codes")
        for change in ready:
            known[change.code] = await _apply(store, change, known)
        pending = [c for c in pending if c not in ready]


async def _apply(store: Store, change: Change, known: dict[str, Unit]) -> Unit:
    parent = known[change.parent] if change.parent else None
    unit = known.get(change.code)
    if unit is None:
        return await store.units.add(change.code, change.name, change.level, parent)
    return await store.units.update(unit, name=change.name, level=change.level, parent=parent)
