"""`/toi`: the member's own totals, and their unit against its target."""

from __future__ import annotations

from handlers import texts_progress
from handlers.context import Ctx
from handlers.types import Reply
from reminders.calendar import Span, month_of, quarter_of, week_of, year_of
from storage.models import pk


async def my_totals(ctx: Ctx, _args: str) -> Reply:
    member, unit = ctx.me()
    today, entries = ctx.today, ctx.store.entries
    rows = []
    spans = ((Span.today, None), (Span.week, week_of(today)), (Span.month, month_of(today)))
    for span, period in spans:
        start, end = (today, today) if period is None else (period.start, period.end)
        counts = await entries.totals(start, end, member_id=member.id)
        rows.append((texts_progress.period_label(span, today), counts))
    # The unit's progress against the nearest target that is set: month, quarter, year.
    shown: tuple[str, dict[str, int], dict[str, int]] = (month_of(today).key, {}, {})
    for period in (month_of(today), quarter_of(today), year_of(today)):
        targets = await ctx.store.targets.for_unit(pk(unit), period.key)
        if targets:
            done = await entries.totals(period.start, period.end, unit=unit)
            shown = (period.key, done, targets)
            break
    # A retired indicator still shows where these figures hold it.
    labels = await ctx.labels_with(*(counts for _, counts in rows), shown[1], shown[2])
    progress = texts_progress.unit_progress(unit.name, *shown, labels)
    return Reply(texts_progress.my_summary(member.name, unit.name, rows, labels, progress))
