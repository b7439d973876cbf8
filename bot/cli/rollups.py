"""`cnsbot db verify-rollups [--repair]`: the roll-ups against the raw entries."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from bot.compose import in_transaction
from bot.settings import Settings
from storage import rollup_check
from storage.models import utcnow
from storage.rollup_check import Difference
from storage.store import Store

SHOWN = 20  # differences listed; the rest are counted
# A difference reads "subtree_daily UNIT DAY INDICATOR: roll-up N, entries N" or
# "unit_period UNIT PERIOD: roll-up TOTAL VILLAGES_REPORTED, entries TOTAL VILLAGES_REPORTED"
# or "unit_ontime UNIT MONTH: roll-up ON_TIME, entries ON_TIME".


def verify_rollups(
    repair: Annotated[
        bool, typer.Option("--repair", help="Set the wrong rows to what the entries say")
    ] = False,
) -> None:
    """Recompute the roll-ups of every level (daily counts of each unit's subtree, per
    period each unit's total and reporting villages, per month taken its on-time
    villages) from the raw entries and list every difference (exit 1 if any; with
    --repair they are fixed in the same transaction, and the check repeated)."""

    async def work(store: Store) -> tuple[list[Difference], list[Difference]]:
        await rollup_check.hold_writers(store.session)
        wrong = await rollup_check.differences(store.session)
        left = wrong
        if repair and wrong:
            await rollup_check.repair(store.session, wrong, utcnow())
            left = await rollup_check.differences(store.session)
            await store.commit()
        return wrong, left

    wrong, left = asyncio.run(in_transaction(Settings(), work, commit=repair))
    for d in wrong[:SHOWN]:
        key, have, want = (" ".join(map(str, v)) for v in (d.key, d.have, d.want))
        typer.echo(f"{d.table} {key}: roll-up {have}, entries {want}")
    if len(wrong) > SHOWN:
        typer.echo(f"... and {len(wrong) - SHOWN} more")
    if not wrong:
        typer.echo("Roll-ups match the entries.")
        return
    if repair and not left:
        typer.echo(f"{len(wrong)} roll-up rows repaired; they now match the entries.")
        return
    typer.echo(f"{len(wrong)} roll-up rows differ from the entries.", err=True)
    raise typer.Exit(1)
