"""What is shown of a month's sign-off and on-time rate: /tiendo's lines and the web
dashboard's badge (the tallies and the export read `reminders.ontime.month_state` too)."""

from __future__ import annotations

from dataclasses import dataclass
from html import unescape

from handlers import texts_signoff
from handlers.context import Ctx
from reminders.calendar import Period
from reminders.ontime import MonthState, month_state
from storage.models import MonthStatus, Unit


async def state_of(ctx: Ctx, scope: Unit, month: Period) -> MonthState:
    """The month's sign-off and on-time rate for a scope, by the settings' deadline."""
    return await month_state(ctx.store, scope, month, ctx.now, ctx.rules.schedule)


async def progress_lines(ctx: Ctx, scope: Unit, month: Period) -> str:
    """The lines /tiendo adds under its table."""
    lines = texts_signoff.month_state_lines(await state_of(ctx, scope, month))
    return "".join(f"\n{line}" for line in lines)


@dataclass(frozen=True)
class Badge:
    """The web dashboard's view of a month's sign-off: the commune's status (None above
    communes) and the lines /tiendo shows, as plain text for the template to escape."""

    status: MonthStatus | None
    lines: list[str]


async def badge(ctx: Ctx, scope: Unit, month: Period) -> Badge:
    state = await state_of(ctx, scope, month)
    lines = [unescape(line) for line in texts_signoff.month_state_lines(state)]
    return Badge(state.commune.status if state.commune else None, lines)
