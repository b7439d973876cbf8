"""Per-person limits on reports: so many reports a minute (past it: refused), and a daily
total per indicator above which the report waits for its author's confirmation."""

from __future__ import annotations

from datetime import date, timedelta

from handlers import texts_safety
from handlers.context import Ctx, UserError
from handlers.types import Button, Reply
from storage.models import AuditAction, PendingKind, pk

MINUTE = timedelta(minutes=1)
PENDING_LIFETIME = timedelta(hours=24)
HOURS = int(PENDING_LIFETIME.total_seconds() // 3600)


def check(ctx: Ctx, made: int, have: dict[str, int], counts: dict[str, int]) -> dict[str, int]:
    """Refuse a report past the person's reports of the last minute (`made`: recorded,
    cancelled or waiting for confirmation, all of them took the bot's time). Else the
    indicators this report takes past the daily limit -> what the member already has that
    day (`have`). Both read by `storage.intake.ReportReads.read` (since `ctx.now - MINUTE`)."""
    if made >= ctx.rules.reports_per_minute:
        raise UserError(texts_safety.too_many_reports(ctx.rules.reports_per_minute))
    limit = ctx.rules.daily_limit
    return {c: have.get(c, 0) for c, n in counts.items() if have.get(c, 0) + n > limit}


async def ask_to_confirm(
    ctx: Ctx,
    *,
    unit_id: int,
    counts: dict[str, int],
    day: date,
    over: dict[str, int],
    source: str,
) -> Reply:
    """Nothing recorded: the report is kept aside under a code its author confirms."""
    member, _ = ctx.me()
    payload = {"unit": unit_id, "counts": counts, "day": day.isoformat(), "source": source}
    code = await ctx.store.pending.create(
        PendingKind.report, pk(member), payload, now=ctx.now, lifetime=PENDING_LIFETIME
    )
    await ctx.store.audit(member.id, AuditAction.report_held, f"{code} {day} {counts}")
    html = texts_safety.report_needs_confirm(
        counts, await ctx.labels(), day, over, ctx.rules.daily_limit, code, HOURS
    )
    buttons = (
        Button(texts_safety.CONFIRM_REPORT_BUTTON, f"confirm:{code}"),
        Button(texts_safety.DROP_BUTTON, f"drop:{code}"),
    )
    return Reply(html, buttons=buttons, confirm_code=code)
