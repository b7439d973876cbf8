"""Leaders' view: `/tiendo`, `/chuabaocao`, `/chitieu` for a unit of their subtree."""

from __future__ import annotations

import re

from handlers import (
    signoff_view,
    texts,
    texts_export,
    texts_nudge,
    texts_progress,
    texts_reminders,
)
from handlers.context import Ctx, UserError
from handlers.export import export_unit
from handlers.permissions import require_inside
from handlers.types import Button, File, Reply
from reminders.calendar import month_of, parse_period, week_of
from reminders.cumulative import year_to_date
from reminders.progress import children_progress, months_in, tally_view
from storage.collation import vn_key
from storage.models import Level, Unit

PERIOD_WORD = re.compile(r"^\d{4}(-(\d{1,2}|[qQ][1-4]))?$")
NUDGE_ACTION = "nudge"  # the button under a missing list: `nudge:UNIT_ID` (handlers.nudge)


async def unit_arg(ctx: Ctx, args: str) -> Unit:
    """The unit named by code in the arguments (checked against the subtree), else my unit."""
    _, mine = ctx.me()
    code = args.strip().split()[0] if args.strip() else ""
    if not code:
        return mine
    unit = await ctx.store.units.by_code(code) or await ctx.store.units.by_code(code.upper())
    if unit is None:
        raise UserError(texts.unit_unknown(code))
    require_inside(ctx, unit)
    return unit


async def progress(ctx: Ctx, args: str) -> Reply:
    scope = await unit_arg(ctx, args)
    period = month_of(ctx.today)
    top, children, missing = await tally_view(ctx.store, scope, period, week_of(ctx.today))
    figures = [data for p in (top, *children) for data in (p.counts, p.targets)]
    labels = await ctx.labels_with(*figures)  # a retired indicator where figures hold it
    html = texts_progress.progress_report(top, children, missing, period.key, ctx.today, labels)
    html += await signoff_view.progress_lines(ctx, scope, period)  # sign-off, on-time rate
    return Reply("\n".join([html, *await _progress_extras(ctx, scope, labels)]))


async def _progress_extras(ctx: Ctx, scope: Unit, labels: dict[str, str]) -> list[str]:
    """The villages that declared the month "không phát sinh", and the year to date."""
    lines = []
    declared = await declared_villages(ctx, scope)
    if declared:
        lines.append(texts_nudge.nothing_line(declared))
    year, _ = await year_to_date(ctx.store, scope, ctx.today)
    lines.append(texts_reminders.WORDING.year_to_date(year, str(ctx.today.year), ctx.today, labels))
    return lines


async def declared_villages(ctx: Ctx, scope: Unit) -> list[Unit]:
    """Villages of the subtree with this month declared "không phát sinh", by name."""
    ids = await ctx.store.nothing.in_subtree(scope, months_in(month_of(ctx.today)))
    units = await ctx.store.units.by_ids(ids)
    villages = [u for u in units.values() if u.level is Level.village]
    return sorted(villages, key=lambda u: vn_key(u.name))


async def not_reported(ctx: Ctx, args: str) -> Reply:
    """The villages without a report this month, named from the commune down; above it,
    how many of each child's (a province has thousands), with the code to ask for names."""
    scope = await unit_arg(ctx, args)
    period = month_of(ctx.today)
    top, children, missing = await tally_view(ctx.store, scope, period)
    if top.missing_listed:
        html = texts_progress.missing_report(scope.name, missing, period.key)
        behind = bool(missing)
    else:
        html = texts_progress.missing_per_child(top, children, period.key)
        behind = top.villages > top.villages_reported
    buttons = (Button(texts_nudge.BUTTON, f"{NUDGE_ACTION}:{scope.id}"),) if behind else ()
    return Reply(html, buttons=buttons)


async def targets(ctx: Ctx, args: str) -> Reply:
    scope = await unit_arg(ctx, args)
    period = month_of(ctx.today)
    top, _ = await children_progress(ctx.store, scope, period)
    labels = await ctx.labels_with(top.targets)
    return Reply(texts_progress.targets_report(scope.name, period.key, top.targets, labels))


async def export(ctx: Ctx, args: str) -> Reply:
    """`/xuat [UNIT] [PERIOD]`: the appendix-shaped Excel file, sent as a document."""
    words = args.split()
    period_word = next((w for w in words if PERIOD_WORD.match(w)), None)
    unit_word = next((w for w in words if w != period_word), "")
    try:
        period = parse_period(period_word) if period_word else month_of(ctx.today)
    except ValueError as err:
        raise UserError(texts_export.PERIOD_USAGE) from err
    scope = await unit_arg(ctx, unit_word)
    xlsx, _ = await export_unit(ctx.store, scope, period, now=ctx.now, schedule=ctx.rules.schedule)
    name = f"tong-hop-{scope.code}-{period.key}.xlsx"
    return Reply(texts_export.export_ready(scope.name, period.key), files=(File(name, xlsx),))
