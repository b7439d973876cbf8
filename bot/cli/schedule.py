"""`cnsbot remind` and `cnsbot tally`: what the schedule sends, on demand or as a dry run."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import func
from sqlmodel import col, select

from bot.compose import in_transaction, planner_of, system_clock
from bot.render import html_to_plain
from bot.settings import Settings
from handlers.texts_signoff import WORDING
from reminders.calendar import VN, month_of, parse_week
from reminders.cumulative import year_to_date
from reminders.due import run_event
from reminders.progress import tally_view
from storage.models import OutboxMessage
from storage.store import Store

out = Console()


def remind(
    at: Annotated[
        str | None, typer.Option(help="Moment, e.g. 2026-11-18T08:00 (Vietnam time)")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show, queue nothing")] = False,
) -> None:
    """Show (with --dry-run) or queue what the schedule sends at a moment: reminders,
    escalations, deadline summaries, weekly tallies."""
    settings = Settings()
    now = system_clock()
    moment = datetime.fromisoformat(at) if at else now
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=VN)
    if moment > now and not dry_run:
        # Running a future event now would send it early, on half its data, and claim the
        # key the scheduler runs it under: the real one would never go out.
        raise typer.BadParameter(
            f"{moment:%Y-%m-%d %H:%M %Z} is in the future: add --dry-run to see what it will "
            "send; the scheduler sends it when it is due.",
            param_hint="--at",
        )
    planner = planner_of(settings)
    events = planner.events_between(moment - planner.grace, moment)

    async def work(store: Store) -> list[tuple[str, str, str]]:
        last = (await store.session.exec(select(func.max(OutboxMessage.id)))).one() or 0
        for event in events:
            # A dry run shows everything, even events that already ran (nothing is kept).
            if dry_run or await store.claim_update(f"job:{event.key}"):
                await run_event(store, event, planner, WORDING)
        stmt = (
            select(OutboxMessage)
            .where(col(OutboxMessage.id) > last)
            .order_by(col(OutboxMessage.id))
        )
        rows = (await store.session.exec(stmt)).all()
        return [(m.kind, f"{m.platform}:{m.chat_id}", html_to_plain(m.html)) for m in rows]

    rows = asyncio.run(in_transaction(settings, work, commit=not dry_run))
    out.print(
        f"Events due at {moment:%Y-%m-%d %H:%M %Z}: {', '.join(e.key for e in events) or 'none'}"
    )
    table = Table("kind", "to", "message", title="Would be sent" if dry_run else "Queued")
    for kind, to, text in rows:
        table.add_row(kind, to, text[:160])
    out.print(table)


def tally(
    unit: Annotated[str, typer.Option(help="Unit code")],
    week: Annotated[str, typer.Option(help="ISO week, e.g. 2026-W47")],
    png: Annotated[Path | None, typer.Option(help="Write the chart here")] = None,
) -> None:
    """Print a unit's weekly tally, and write its chart."""
    try:
        span = parse_week(week)
    except ValueError as err:
        raise typer.BadParameter(str(err)) from err

    async def work(store: Store) -> tuple[str, bytes | None]:
        scope = await store.units.by_code(unit)
        if scope is None:
            raise typer.BadParameter(f"no unit {unit}")
        month = month_of(span.end)
        top, rows, missing = await tally_view(store, scope, month, span)
        labels = await store.indicators.labels()
        text = WORDING.tally(top, rows, missing, span, month, labels)
        year, _ = await year_to_date(store, scope, span.end)
        text += "\n" + WORDING.year_to_date(year, str(span.end.year), span.end, labels)
        return text, WORDING.chart(top, rows, month, labels)

    text, chart = asyncio.run(in_transaction(Settings(), work, read_only=True))
    typer.echo(html_to_plain(text))
    if png is not None:
        if chart is None:
            typer.echo("No chart could be drawn.", err=True)
            raise typer.Exit(1)
        png.write_bytes(chart)
        typer.echo(f"Chart: {png}")
