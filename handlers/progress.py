"""Leaders' view: `/tiendo`, `/chuabaocao`, `/chitieu` for a unit of their subtree."""

from __future__ import annotations

import re

from handlers import signoff_view, texts
from handlers.context import Ctx, UserError
from handlers.export import export_unit
from handlers.permissions import require_inside
from handlers.types import File, Reply
from reminders.calendar import month_of, parse_period, week_of
from reminders.progress import children_progress, tally_view, villages_missing
from storage.models import Unit

PERIOD_WORD = re.compile(r"^\d{4}(-(\d{1,2}|[qQ][1-4]))?$")


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
    html = texts.progress_report(top, children, missing, period.key, ctx.today, labels)
    html += await signoff_view.progress_lines(ctx, scope, period)  # sign-off, on-time rate
    return Reply(html)


async def not_reported(ctx: Ctx, args: str) -> Reply:
    scope = await unit_arg(ctx, args)
    period = month_of(ctx.today)
    missing = await villages_missing(ctx.store, scope, period)
    return Reply(texts.missing_report(scope.name, missing, period.key))


async def targets(ctx: Ctx, args: str) -> Reply:
    scope = await unit_arg(ctx, args)
    period = month_of(ctx.today)
    top, _ = await children_progress(ctx.store, scope, period)
    labels = await ctx.labels_with(top.targets)
    return Reply(texts.targets_report(scope.name, period.key, top.targets, labels))


async def export(ctx: Ctx, args: str) -> Reply:
    """`/xuat [UNIT] [PERIOD]`: the appendix-shaped Excel file, sent as a document."""
    words = args.split()
    period_word = next((w for w in words if PERIOD_WORD.match(w)), None)
    unit_word = next((w for w in words if w != period_word), "")
    try:
        period = parse_period(period_word) if period_word else month_of(ctx.today)
    except ValueError as err:
        raise UserError(texts.PERIOD_USAGE) from err
    scope = await unit_arg(ctx, unit_word)
    xlsx, _ = await export_unit(ctx.store, scope, period, now=ctx.now, schedule=ctx.rules.schedule)
    name = f"tong-hop-{scope.code}-{period.key}.xlsx"
    return Reply(texts.export_ready(scope.name, period.key), files=(File(name, xlsx),))
