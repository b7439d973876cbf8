"""`cnsbot api-token create|list|revoke`: tokens of the read-only API, for a subtree."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bot.compose import in_transaction, system_clock
from bot.settings import Settings
from handlers.api import create_token, revoke_token
from storage.api import ApiTokens
from storage.models import ApiToken, Unit
from storage.store import Store

app = typer.Typer(help="Tokens of the read-only API (/api/v1/).")
out = Console()


async def _unit(store: Store, code: str) -> Unit:
    found = await store.units.by_code(code)
    if found is None:
        raise typer.BadParameter(f"no unit {code}")
    return found


@app.command()
def create(
    unit: Annotated[str, typer.Option(help="Code of the unit whose subtree it reads")],
    name: Annotated[str, typer.Option(help="Who uses it, e.g. 'Kho dữ liệu tỉnh'")],
) -> None:
    """Make a token and print it: it is shown this once (only its hash is kept)."""

    async def work(store: Store) -> str:
        try:
            return await create_token(store, await _unit(store, unit), name, None, system_clock())
        except ValueError as err:
            raise typer.BadParameter(str(err)) from err

    token = asyncio.run(in_transaction(Settings(), work))
    typer.echo(f"API token for {unit} (shown once, keep it secret):\n{token}")


@app.command("list")
def list_tokens(
    unit: Annotated[str | None, typer.Option(help="Only this unit's subtree")] = None,
) -> None:
    """Every token (never the token itself: its first characters name it)."""

    async def work(store: Store) -> list[tuple[str, ...]]:
        scope = await _unit(store, unit) if unit else None
        return [_line(t, u) for t, u in await ApiTokens(store.session).in_subtree(scope)]

    rows = asyncio.run(in_transaction(Settings(), work, commit=False))
    table = Table("id", "name", "unit", "starts with", "created", "revoked", title="API tokens")
    for row in rows:
        table.add_row(*row)
    out.print(table)


def _line(token: ApiToken, unit: Unit) -> tuple[str, ...]:
    revoked = f"{token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else ""
    return (
        str(token.id), token.name, unit.code, f"{token.prefix}…",
        f"{token.created_at:%Y-%m-%d %H:%M}", revoked,
    )  # fmt: skip


@app.command()
def revoke(number: Annotated[int, typer.Argument(help="The token's id (see list)")]) -> None:
    """Revoke a token: from now on it is refused."""

    async def work(store: Store) -> None:
        found = await ApiTokens(store.session).get(number)
        if found is None:
            raise typer.BadParameter(f"no token {number}")
        scope = await store.units.get(found.unit_id)
        assert scope is not None
        try:
            await revoke_token(store, scope, number, None, system_clock())
        except ValueError as err:
            raise typer.BadParameter(str(err)) from err

    asyncio.run(in_transaction(Settings(), work))
    typer.echo(f"API token {number} is revoked.")
