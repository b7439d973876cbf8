"""`cnsbot units ...`: the unit tree from official data and from the commune's own files."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from bot.cli.words import counted, was_were
from bot.compose import in_transaction
from bot.settings import Settings
from bot.tables import read_table
from handlers.official_units import official_rows as official_list
from handlers.unit_import import Plan, Row, apply_plan, plan_units
from storage.models import Unit, pk
from storage.store import Store

# No square brackets in help: rich reads "[district]" as markup and prints nothing.
app = typer.Typer(help="The unit tree: province > district (optional) > commune > village.")
out = Console()


def official_rows(province: str) -> list[Row]:
    """The province and its communes from `vietnam-provinces` (embedded, no network)."""
    rows = official_list(province)
    if rows is None:
        raise typer.BadParameter(f"no province {province!r} (give a name or a code, e.g. 38)")
    return rows


def file_rows(path: Path) -> list[Row]:
    rows = []
    for line, cells in read_table(path):
        parent = cells.get("parent_code") or cells.get("parent", "")
        rows.append(
            Row(line, cells.get("code", ""), cells.get("name", ""), cells.get("level", ""), parent)
        )
    return rows


def _show(plan: Plan, dry_run: bool) -> None:
    if plan.errors:
        for line, message in plan.errors:
            out.print(f"[red]line {line}:[/red] {escape(message)}", highlight=False)
        out.print("[red]Nothing was changed.[/red]")
        raise typer.Exit(1)
    table = Table("line", "action", "code", "name", "level", "parent", title="Units")
    for c in plan.changes:
        if c.action != "same":
            cells = (str(c.line), c.action, c.code, c.name, c.level, c.parent)
            table.add_row(*(escape(v) for v in cells))
    if table.row_count:
        out.print(table)
    added = plan.count("add")
    verb = "would be" if dry_run else was_were(added)
    out.print(f"{added} {verb} added, {plan.count('update')} updated, "
              f"{plan.count('same')} unchanged.")  # fmt: skip


async def _import(rows: list[Row], store: Store) -> Plan:
    plan = await plan_units(store, rows)
    if not plan.errors:
        await apply_plan(store, plan)
    return plan


def _run(rows: list[Row], dry_run: bool) -> None:
    plan = asyncio.run(
        in_transaction(Settings(), lambda store: _import(rows, store), commit=not dry_run)
    )
    _show(plan, dry_run)


@app.command("import-official")
def import_official(
    province: Annotated[str, typer.Option(help="Province name or code, e.g. 'Thanh Hóa' or 38")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change")] = False,
) -> None:
    """Create a province and its communes from the official list (34 provinces, 2025)."""
    _run(official_rows(province), dry_run)


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or XLSX")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change")] = False,
) -> None:
    """Add villages and groupings: columns code, name, level, parent_code."""
    _run(file_rows(file), dry_run)


@app.command()
def tree(code: Annotated[str | None, typer.Argument(help="Start at this unit")] = None) -> None:
    """Print the tree with the number of active members in each unit."""

    async def load(store: Store) -> list[tuple[Unit, int]]:
        roots = [await store.units.by_code(code)] if code else list(await store.units.roots())
        units: list[Unit] = []
        for root in roots:
            if root is None:
                raise typer.BadParameter(f"no unit {code}")
            units += await store.units.subtree(root)
        counts = await store.members.active_counts()
        return [(u, counts.get(pk(u), 0)) for u in units]

    rows = asyncio.run(in_transaction(Settings(), load, read_only=True))
    nodes: dict[int | None, Tree] = {}
    top = Tree("Units", hide_root=True)
    for unit, members in rows:
        parent = nodes.get(unit.parent_id, top)
        about = f"{unit.code}, {unit.level}, {counted(members, 'member')}"
        label = f"{escape(unit.name)} [dim]({escape(about)})[/dim]"
        nodes[unit.id] = parent.add(label)
    out.print(top)
