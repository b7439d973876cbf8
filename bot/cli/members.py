"""`cnsbot members list|lock|unlock|role`: the chat's /thanhvien, /khoa, /mokhoa, /vaitro for
whoever runs the server. Every change is audited (actor: none, "cli"); --dry-run shows it
and keeps nothing."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bot.compose import in_transaction
from bot.settings import Settings
from handlers.permissions import role_named
from storage.models import AuditAction, Member, Role, Unit
from storage.store import Store

app = typer.Typer(help="Members: list them, lock, unlock, change a role.")
out = Console()

DryRun = Annotated[bool, typer.Option("--dry-run", help="Show the change, keep nothing")]


async def _member(store: Store, member_id: int) -> tuple[Member, Unit]:
    member = await store.members.get(member_id)
    unit = await store.units.get(member.unit_id) if member else None
    if member is None or unit is None:
        raise typer.BadParameter(f"no member {member_id}", param_hint="MEMBER_ID")
    return member, unit


def _done(message: str, dry_run: bool) -> None:
    typer.echo(f"{message}{' (dry run: nothing changed)' if dry_run else ''}")


@app.command("list")
def list_(
    unit: Annotated[str | None, typer.Option(help="Unit code: that unit and below")] = None,
) -> None:
    """Members with their ids, units, roles, and whether they are locked."""

    async def work(store: Store) -> list[tuple[str, ...]]:
        if unit is None:
            members = await store.members.all()
            units = await store.units.by_ids({m.unit_id for m in members})
            people = [(m, units[m.unit_id]) for m in members]
        else:
            scope = await store.units.by_code(unit)
            if scope is None:
                raise typer.BadParameter(f"no unit {unit}", param_hint="--unit")
            people = await store.members.in_subtree(scope)
        # Plain values: the rows are read after the transaction has closed.
        return [
            (str(m.id), m.name, u.code, m.role.value, "active" if m.active else "locked")
            for m, u in people
        ]

    rows = asyncio.run(in_transaction(Settings(), work, read_only=True))
    table = Table("id", "name", "unit", "role", "status", title="Members")
    for row in rows:
        table.add_row(*row)
    out.print(table)


@app.command()
def lock(member_id: int, dry_run: DryRun = False) -> None:
    """Lock a member: they can no longer report; their entries stay counted."""
    _set_active(member_id, False, dry_run)


@app.command()
def unlock(member_id: int, dry_run: DryRun = False) -> None:
    """Unlock a member: they can report again."""
    _set_active(member_id, True, dry_run)


def _set_active(member_id: int, active: bool, dry_run: bool) -> None:
    async def work(store: Store) -> str:
        member, unit = await _member(store, member_id)
        if member.active == active:
            return f"{member.name} ({unit.code}) is already {'active' if active else 'locked'}."
        await store.members.set_active(member, active)
        action = AuditAction.reactivate if active else AuditAction.deactivate
        await store.audit(None, action, f"{member.id} {member.name} (cli)")
        return f"{'Unlocked' if active else 'Locked'} #{member.id} {member.name} ({unit.code})."

    _done(asyncio.run(in_transaction(Settings(), work, commit=not dry_run)), dry_run)


@app.command()
def role(
    member_id: int,
    new_role: Annotated[
        str, typer.Argument(metavar="ROLE", help="member, village_lead, commune_leader, ...")
    ],
    dry_run: DryRun = False,
) -> None:
    """Give a member another role (the English names, or the Vietnamese ones)."""
    wanted = role_named(new_role)
    if wanted is None:
        names = ", ".join(r.value for r in Role)
        raise typer.BadParameter(f"unknown role {new_role!r}; roles: {names}", param_hint="ROLE")

    async def work(store: Store) -> str:
        member, unit = await _member(store, member_id)
        if member.role == wanted:
            return f"{member.name} ({unit.code}) is already {wanted.value}."
        old = member.role
        await store.members.set_role(member, wanted)
        await store.audit(None, AuditAction.role, f"{member.id} {old} -> {wanted} (cli)")
        return f"#{member.id} {member.name} ({unit.code}): {old.value} -> {wanted.value}."

    _done(asyncio.run(in_transaction(Settings(), work, commit=not dry_run)), dry_run)
