"""`cnsbot outbox status|retry`: what is waiting, what was given up on."""

from __future__ import annotations

import asyncio

import typer
from rich.console import Console
from rich.table import Table

from bot.cli.words import counted
from bot.compose import in_transaction, system_clock
from bot.settings import Settings
from storage.models import OutboxStatus
from storage.store import Store

app = typer.Typer(help="The outbox of notifications.")
out = Console()


@app.command()
def status() -> None:
    """Counts per status, and the dead letters with their last error."""

    async def work(store: Store) -> tuple[dict[str, int], list[tuple[str, str, int, str]]]:
        dead = await store.outbox.with_status(OutboxStatus.dead)
        rows = [(m.key, f"{m.platform}:{m.chat_id}", m.attempts, m.last_error) for m in dead]
        return await store.outbox.counts(), rows

    counts, dead = asyncio.run(in_transaction(Settings(), work, read_only=True))
    table = Table("status", "messages", title="Outbox")
    for name in OutboxStatus:
        table.add_row(name.value, str(counts.get(name.value, 0)))
    out.print(table)
    if dead:
        letters = Table("key", "to", "attempts", "last error", title="Dead letters")
        for key, to, attempts, error in dead:
            letters.add_row(key, to, str(attempts), error[:120])
        out.print(letters)


@app.command()
def retry() -> None:
    """Give every dead letter a new round of attempts."""

    async def work(store: Store) -> int:
        return await store.outbox.retry_dead(system_clock())

    count = asyncio.run(in_transaction(Settings(), work))
    verb = "is" if count == 1 else "are"
    typer.echo(f"{counted(count, 'dead letter')} {verb} pending again.")
