"""`cnsbot indicators ...`: what is counted, as data: add, alias, rename, retire, order."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bot.compose import in_transaction
from bot.settings import Settings
from handlers import indicators as service
from handlers import texts_indicators
from handlers.context import IndicatorCache
from handlers.indicators import Change, IndicatorError
from storage.models import Indicator
from storage.store import Store

app = typer.Typer(
    help="Indicators (what is counted) and the aliases people type. Every change is "
    "audited; --dry-run shows it without keeping it.",
    no_args_is_help=True,
)
out = Console()
DryRun = Annotated[bool, typer.Option("--dry-run", help="Show what would change, keep nothing")]
SEEN_WITHIN = int(IndicatorCache().ttl)


def _run(work: Callable[[Store], Awaitable[list[Change]]], dry_run: bool) -> None:
    """One transaction; kept only when not a dry run and nothing was refused."""
    try:
        changes = asyncio.run(in_transaction(Settings(), work, commit=not dry_run))
    except IndicatorError as refused:
        for problem in refused.problems:
            out.print(
                f"[red]refused:[/red] {texts_indicators.problem_en(problem)}", highlight=False
            )
            out.print(f"  {texts_indicators.problem_plain_vi(problem)}", highlight=False)
        out.print("[red]Nothing was changed.[/red]")
        raise typer.Exit(1) from None
    if not changes:
        out.print("Nothing to change.")
        return
    table = Table("action", "code", "detail", title="Indicators")
    for change in changes:
        table.add_row(change.action, change.code, change.detail)
    out.print(table)
    if dry_run:
        out.print(f"Dry run: {len(changes)} changes would be made; nothing was kept.")
    else:
        out.print(f"{len(changes)} changes made. The running bot sees them within "
                  f"{SEEN_WITHIN} s.")  # fmt: skip


@app.command("list")
def list_() -> None:
    """Every indicator in display order, retired ones too, with its aliases."""

    async def load(store: Store) -> list[tuple[Indicator, list[str]]]:
        return await service.listing(store)

    table = Table("#", "code", "label", "name", "status", "aliases", title="Indicators")
    for indicator, aliases in asyncio.run(in_transaction(Settings(), load, read_only=True)):
        status = "active" if indicator.active else "[dim]retired[/dim]"
        others = ", ".join(a for a in aliases if a != indicator.code)
        table.add_row(str(indicator.position), indicator.code, indicator.short, indicator.name,
                      status, others)  # fmt: skip
    out.print(table)


@app.command()
def add(
    code: Annotated[str, typer.Argument(help="2-16 letters a-z; also the shortcut /CODE")],
    name: Annotated[str, typer.Argument(help='Display name, e.g. "Sổ sức khỏe điện tử"')],
    short: Annotated[str | None, typer.Option(help="Label in tables and receipts")] = None,
    alias: Annotated[
        list[str] | None, typer.Option("--alias", help="What people type (repeat the option)")
    ] = None,
    position: Annotated[
        int | None, typer.Option(help="Place in the display order, 0 first")
    ] = None,
    dry_run: DryRun = False,
) -> None:
    """Add an indicator people can report at once: by code, alias or /CODE."""
    _run(
        lambda store: service.add_indicator(
            store, code, name, short=short, aliases=alias or [], position=position
        ),
        dry_run,
    )


@app.command("alias")
def alias_(
    code: Annotated[str, typer.Argument(help="The indicator")],
    aliases: Annotated[list[str], typer.Argument(help="Aliases, quoted when several words")],
    remove: Annotated[bool, typer.Option("--remove", help="Remove these aliases")] = False,
    dry_run: DryRun = False,
) -> None:
    """Add (or --remove) aliases. An alias of another indicator, a filler or day word, or
    one a typo away from another indicator's alias is refused, with the reason."""
    _run(lambda store: service.change_aliases(store, code, aliases, remove=remove), dry_run)


@app.command()
def rename(
    code: Annotated[str, typer.Argument(help="The indicator")],
    name: Annotated[str, typer.Argument(help="The new display name")],
    short: Annotated[str | None, typer.Option(help="A new label too")] = None,
    dry_run: DryRun = False,
) -> None:
    """Change the display name (and label). Reports and totals are unchanged."""
    _run(lambda store: service.rename(store, code, name, short=short), dry_run)


@app.command()
def retire(code: Annotated[str, typer.Argument()], dry_run: DryRun = False) -> None:
    """Stop taking reports of an indicator; its history, targets and exports stay."""
    _run(lambda store: service.set_active(store, code, False), dry_run)


@app.command()
def restore(code: Annotated[str, typer.Argument()], dry_run: DryRun = False) -> None:
    """Take reports of a retired indicator again."""
    _run(lambda store: service.set_active(store, code, True), dry_run)


@app.command()
def order(
    codes: Annotated[list[str], typer.Argument(help="These first, in this order")],
    dry_run: DryRun = False,
) -> None:
    """Set the display order: the given indicators first, the others after as they were."""
    _run(lambda store: service.reorder(store, codes), dry_run)


@app.command()
def preset(
    name: Annotated[str, typer.Argument(help="'seeds': vssid, sskdt, dvc, more tt aliases")],
    dry_run: DryRun = False,
) -> None:
    """Switch on a set of indicators and aliases; running it twice changes nothing."""
    _run(lambda store: service.apply_preset(store, name), dry_run)
