"""The admin pages' neutral side: the unit tree, targets and the audit trail of a subtree.

Every page and action goes through the chat's role and subtree checks (`WebApp._unit`,
`require_role`); a dry run only reads (`db.reading()`), applying is one unit of work that
plans again, applies and commits. Each applied change is audited with before and after.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from handlers import texts_admin as say
from handlers.context import Ctx, UserError
from handlers.folding import fold
from handlers.official_units import official_rows
from handlers.permissions import inside, require_role
from handlers.target_import import TargetPlan, apply_targets, plan_targets, target_rows
from handlers.unit_import import Plan, Row, apply_plan, plan_units
from handlers.web import Forbidden, NotFound, Viewer, WebApp
from reminders.calendar import Period, month_of, parse_period
from reminders.progress import UnitProgress, tally_view
from storage.collation import vn_key
from storage.models import AuditAction, Level, Role, Unit, pk
from storage.roster import AuditRow, audit_in_subtree
from storage.store import Store

Table = list[tuple[int, dict[str, str]]]  # (line in the file, header -> cell)
ADMIN_ROLE = Role.commune_leader  # the lowest role that runs a unit's pages


def audit_detail(unit: str, before: object, after: object) -> str:
    """Who is in the log row; what, before and after go in its detail (JSON)."""
    return json.dumps({"unit": unit, "before": before, "after": after}, ensure_ascii=False)


@dataclass(frozen=True)
class TreeNode:
    unit: Unit
    depth: int
    members: int


@dataclass(frozen=True)
class UnitDiff:
    plan: Plan
    errors: list[str]  # "Dòng 3: ..." in the file's order
    applied: bool = False

    def of(self, kind: str) -> list[object]:
        changes = self.plan.changes
        match kind:
            case "added":
                return [c for c in changes if c.action == "add"]
            case "renamed":
                return [c for c in changes if c.renamed]
            case "moved":
                return [c for c in changes if c.moved]
            case "changed":  # a level changed, nothing else
                return [c for c in changes if c.action == "update" and not (c.renamed or c.moved)]
            case "unchanged":
                return [c for c in changes if c.action == "same"]
        raise ValueError(kind)


@dataclass(frozen=True)
class GridRow:
    unit: Unit
    own: dict[str, int]  # targets set on this unit
    below: dict[str, int]  # the sum of the targets set on the units under it
    progress: UnitProgress | None


@dataclass(frozen=True)
class TargetGrid:
    scope: Unit
    period: Period
    labels: dict[str, str]
    rows: list[GridRow]  # the scope first, then its children
    errors: list[str] = field(default_factory=list)
    message: str = ""


def _line_errors(errors: Iterable[tuple[int, str]]) -> list[str]:
    return [say.line_error(line, text) for line, text in sorted(errors)]


class AdminApp(WebApp):
    # --- scope ----------------------------------------------------------------------

    async def _scope(self, ctx: Ctx, code: str) -> Unit:
        """A unit of my subtree, for someone of at least a commune leader's role."""
        try:
            require_role(ctx, ADMIN_ROLE)
        except UserError as err:
            raise Forbidden(err.html) from err
        return await self._unit(ctx, code)

    # --- units ----------------------------------------------------------------------

    async def tree(self, viewer: Viewer, code: str, search: str = "") -> list[TreeNode]:
        """The subtree under a unit, parents before children; with a search, the units
        whose name or code holds the words (diacritics and case ignored)."""
        async with self.db.reading() as store:
            scope = await self._scope(self._ctx(store, viewer), code)
            units = await store.units.subtree(scope)
            counts = await store.members.active_counts()
        base = scope.path.count("/")
        nodes = [TreeNode(u, u.path.count("/") - base, counts.get(pk(u), 0)) for u in units]
        wanted = fold(search).split()
        if wanted:
            nodes = [n for n in nodes if all(w in fold(f"{n.unit.name} {n.unit.code}")
                                             for w in wanted)]  # fmt: skip
        return nodes

    async def import_units(self, viewer: Viewer, rows: list[Row], *, apply: bool) -> UnitDiff:
        """A unit file: the diff (a dry run keeps nothing), or the diff applied."""
        if not apply:
            async with self.db.reading() as store:
                plan = await self._unit_plan(store, viewer, rows)
                return UnitDiff(plan, _line_errors(plan.errors))
        async with self.db.transaction() as store:
            plan = await self._unit_plan(store, viewer, rows)
            if plan.errors:
                return UnitDiff(plan, _line_errors(plan.errors))
            await apply_plan(store, plan)
            changed = [c for c in plan.changes if c.action != "same"]
            before = {c.code: [c.old_name, c.old_parent] for c in changed if c.action == "update"}
            after = {c.code: [c.name, c.parent] for c in changed}
            await store.audit(
                viewer.member.id,
                AuditAction.admin_units,
                audit_detail(viewer.unit.code, before, after),
            )
            await store.commit()
            return UnitDiff(plan, [], applied=True)

    async def _unit_plan(self, store: Store, viewer: Viewer, rows: list[Row]) -> Plan:
        ctx = self._ctx(store, viewer)
        scope = await self._scope(ctx, "")
        plan = await plan_units(store, rows)
        plan.errors += await _outside_rows(store, scope, plan)
        return plan

    async def import_official(self, viewer: Viewer, province: str, *, apply: bool) -> UnitDiff:
        """The official communes of the admin's own province (province admins only)."""
        rows = official_rows(province)
        if (
            rows is None
            or viewer.member.role is not Role.province_admin
            or viewer.unit.level is not Level.province
            or rows[0].code != viewer.unit.code
        ):
            raise Forbidden(say.OFFICIAL_ONLY_PROVINCE)
        # The province row itself is the admin's own unit: keep its name as it is.
        rows = rows[1:]
        return await self.import_units(viewer, rows, apply=apply)

    # --- targets --------------------------------------------------------------------

    async def targets(self, viewer: Viewer, code: str, period_key: str) -> TargetGrid:
        async with self.db.reading() as store:
            ctx = self._ctx(store, viewer)
            scope = await self._scope(ctx, code)
            return await _grid(ctx, scope, _period(period_key, ctx))

    async def save_targets(
        self, viewer: Viewer, code: str, period_key: str, values: dict[tuple[str, str], str]
    ) -> TargetGrid:
        """The grid's form: (unit code, indicator) -> the typed value; an empty cell sets
        nothing. The units must be the scope and its children (as shown)."""
        async with self.db.transaction() as store:
            ctx = self._ctx(store, viewer)
            scope = await self._scope(ctx, code)
            period = _period(period_key, ctx)
            children = {u.code for u in await store.units.children(scope)} | {scope.code}
            table = [
                (n, {"unit": unit, "indicator": ind, "period": period.key, "value": v})
                for n, ((unit, ind), v) in enumerate(sorted(values.items()), 1)
                if v.strip()
            ]
            if any(unit not in children for unit, _ in values):
                raise Forbidden(say.unit_outside(scope.code))
            grid = await self._targets(ctx, scope, period, table, commit=True)
            await store.commit()
            return grid

    async def upload_targets(
        self, viewer: Viewer, code: str, period_key: str, table: Table, *, apply: bool
    ) -> TargetGrid:
        """A target file (either shape of `target_import`) for units of my subtree: checked
        (a dry run only reads), or applied."""
        async with self.db.transaction() if apply else self.db.reading() as store:
            ctx = self._ctx(store, viewer)
            scope = await self._scope(ctx, code)
            period = _period(period_key, ctx)
            grid = await self._targets(ctx, scope, period, table, commit=apply)
            if apply:
                await store.commit()
            return grid

    async def _targets(
        self, ctx: Ctx, scope: Unit, period: Period, table: Table, *, commit: bool
    ) -> TargetGrid:
        store = ctx.store
        plan = await plan_targets(store, target_rows(table))
        plan.errors += await _targets_outside(store, scope, plan, table)
        if plan.errors:
            return await _grid(ctx, scope, period, errors=_line_errors(plan.errors))
        if not commit:
            return await _grid(ctx, scope, period, message=say.targets_checked(plan.changed))
        codes = {
            i: u.code for i, u in (await store.units.by_ids(u for u, *_ in plan.ready)).items()
        }
        before: dict[str, int | None] = {}
        after: dict[str, int] = {}
        for unit_id, indicator, key, value in plan.ready:  # only what changes is logged
            was = (await store.targets.for_unit(unit_id, key)).get(indicator)
            if was != value:
                name = f"{codes[unit_id]} {indicator} {key}"
                before[name], after[name] = was, value
        await apply_targets(store, plan)
        await store.audit(
            ctx.me()[0].id, AuditAction.admin_targets, audit_detail(scope.code, before, after)
        )
        return await _grid(ctx, scope, period, message=say.targets_saved(plan.changed))

    # --- audit ----------------------------------------------------------------------

    async def audit(self, viewer: Viewer, code: str) -> tuple[Unit, list[AuditRow]]:
        """What the people of my subtree did, newest first."""
        async with self.db.reading() as store:
            scope = await self._scope(self._ctx(store, viewer), code)
            return scope, await audit_in_subtree(store.session, scope)


def _period(key: str, ctx: Ctx) -> Period:
    try:
        return parse_period(key) if key else month_of(ctx.today)
    except ValueError as err:
        raise NotFound(key) from err


async def _outside_rows(store: Store, scope: Unit, plan: Plan) -> list[tuple[int, str]]:
    """A change must land strictly under my unit, and touch no unit outside it."""
    errors = []
    for change in plan.changes:
        if change.action == "same":
            continue
        existing = await store.units.by_code(change.code)
        if existing is not None and not inside(existing, scope):
            errors.append((change.line, say.unit_outside(change.code)))
        elif existing is not None and existing.id == scope.id:
            errors.append((change.line, say.unit_is_yours(change.code)))
        elif existing is not None and change.parent == change.code:
            errors.append((change.line, say.unit_cycle(change.code)))
        else:
            parent = await store.units.by_code(change.parent) if change.parent else None
            if parent is None and not _planned(plan, change.parent):
                errors.append((change.line, say.unit_outside(change.parent or change.code)))
            elif parent is not None and not inside(parent, scope):
                errors.append((change.line, say.unit_outside(change.parent)))
            elif existing is not None and parent is not None and inside(parent, existing):
                errors.append((change.line, say.unit_cycle(change.code)))
    return errors


def _planned(plan: Plan, code: str) -> bool:
    """A parent added by the same file (under my unit, as its own row is checked)."""
    return bool(code) and any(c.code == code and c.action == "add" for c in plan.changes)


async def _targets_outside(
    store: Store, scope: Unit, plan: TargetPlan, table: Table
) -> list[tuple[int, str]]:
    ids = {unit_id for unit_id, *_ in plan.ready}
    units = await store.units.by_ids(ids)
    outside = {u.code for u in units.values() if not inside(u, scope)}
    return [(line, say.unit_outside(cells.get("unit", ""))) for line, cells in table
            if cells.get("unit", "") in outside]  # fmt: skip


async def _grid(
    ctx: Ctx, scope: Unit, period: Period, *, errors: list[str] | None = None, message: str = ""
) -> TargetGrid:
    store = ctx.store
    top, children, _ = await tally_view(store, scope, period)
    targets = await store.targets.in_subtree(scope, period.key)
    rows = await store.units.subtree_rows(scope)
    shown = [top, *sorted(children, key=lambda p: vn_key(p.unit.name))]
    below: dict[int, dict[str, int]] = {pk(p.unit): {} for p in shown}
    for row in rows:
        for p in shown:
            if row.id != p.unit.id and row.path.startswith(p.unit.path):
                sums = below[pk(p.unit)]
                for indicator, value in targets.get(row.id, {}).items():
                    sums[indicator] = sums.get(indicator, 0) + value
    labels = await ctx.labels()
    grid = [GridRow(p.unit, targets.get(pk(p.unit), {}), below[pk(p.unit)], p)
            for p in shown]  # fmt: skip
    return TargetGrid(scope, period, labels, grid, errors or [], message)
