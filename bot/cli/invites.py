"""`cnsbot invite create`: a code, a Telegram deep link and a QR code picture."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.words import counted
from bot.compose import in_transaction, system_clock
from bot.settings import Settings
from handlers.qr import invite_link, qr_png
from storage.models import Invite, Role, pk
from storage.store import Store

app = typer.Typer(help="Invites that join a person to a unit with a role.")

_DURATION = re.compile(r"^(\d+)\s*([hdw])$")


def parse_duration(text: str) -> timedelta:
    match = _DURATION.match(text.strip().lower())
    if not match:
        raise typer.BadParameter("use a number and h, d or w: 12h, 30d, 2w")
    number, unit = int(match.group(1)), match.group(2)
    return {
        "h": timedelta(hours=number),
        "d": timedelta(days=number),
        "w": timedelta(weeks=number),
    }[unit]


@app.command()
def create(
    unit: Annotated[str, typer.Option(help="Unit code")],
    role: Annotated[Role, typer.Option(help="Role given to whoever joins")] = Role.member,
    uses: Annotated[
        int | None, typer.Option(min=1, help="How many people may join with it")
    ] = None,
    expires: Annotated[str, typer.Option(help="Valid for: 12h, 30d, 2w")] = "30d",
    qr: Annotated[Path | None, typer.Option(help="Write the QR code PNG here")] = None,
) -> None:
    """Create an invite; print its code and deep link, and write its QR code."""
    settings = Settings()
    lifetime = parse_duration(expires)

    async def work(store: Store) -> tuple[Invite, str]:
        target = await store.units.by_code(unit)
        if target is None:
            raise typer.BadParameter(f"no unit {unit}")
        invite = await store.invites.create(
            pk(target), role, expires_at=system_clock() + lifetime, max_uses=uses
        )
        return invite, target.name

    invite, unit_name = asyncio.run(in_transaction(settings, work))
    link = invite_link(settings.telegram_bot_username, invite.code)
    path = qr or Path(f"invite-{invite.code}.png")
    path.write_bytes(qr_png(link))
    limit = "unlimited uses" if uses is None else counted(uses, "use")
    typer.echo(f"Invite {invite.code} for {unit_name} as {role.value}, {limit}, valid {expires}.")
    typer.echo(f"Join: {link}")
    typer.echo(f"QR code: {path}")
