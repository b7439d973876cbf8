"""`cnsbot db copy --to URL`: a commune's data from this database (DATABASE_URL) into
another, e.g. from SQLite to PostgreSQL, checked by counts and sums on both sides."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from sqlalchemy.engine import make_url

from bot.settings import Settings
from storage import migrate
from storage.copy import CopyRefused, copy_database
from storage.db import Database


def copy(
    to: Annotated[str, typer.Option("--to", help="The target database URL (empty, any engine)")],
) -> None:
    """Copy every table (and the update keys) into an empty database, then compare."""
    source_url = Settings().database_url
    if make_url(source_url) == make_url(to):
        raise typer.BadParameter("the target is the source database", param_hint="--to")
    shown = make_url(to).render_as_string(hide_password=True)

    async def work() -> bool:
        source, target = Database(source_url), Database(to)
        try:
            await migrate.upgrade(target)  # an empty target is brought to the newest schema
            report = await copy_database(
                source, target, progress=lambda name, n: typer.echo(f"  {name}: {n} rows")
            )
        finally:
            await source.dispose()
            await target.dispose()
        for check in report.checks:
            if not check.agrees:
                typer.echo(f"DIFFERS {check.table}: rows {check.rows}, sums {check.sums}", err=True)
        typer.echo(
            f"Copied {report.rows} rows into {shown}; counts and sums agree: {report.agrees}"
        )
        return report.agrees

    try:
        agrees = asyncio.run(work())
    except CopyRefused as refused:
        typer.echo(f"Not copied: {refused}", err=True)
        raise typer.Exit(1) from None
    if not agrees:
        raise typer.Exit(1)
