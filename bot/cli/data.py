"""`cnsbot targets import`, `cnsbot export`, `cnsbot db backup`."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from sqlalchemy.engine import URL, make_url

from bot.cli.rollups import verify_rollups
from bot.cli.words import counted
from bot.compose import in_transaction
from bot.compose import upgrade as upgrade_database
from bot.settings import Settings
from bot.tables import read_table
from handlers.export import export_unit
from handlers.target_import import TargetPlan, apply_targets, plan_targets, target_rows
from reminders.calendar import parse_period
from storage import migrate
from storage.db import Database
from storage.models import utcnow
from storage.store import Store

targets_app = typer.Typer(help="Targets (chỉ tiêu) per unit, indicator and period.")
db_app = typer.Typer(help="Database maintenance: migrations and backups.")
db_app.command("verify-rollups")(verify_rollups)
T = TypeVar("T")


@targets_app.command("import")
def import_targets(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or XLSX")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change")] = False,
) -> None:
    """Columns: unit (code), indicator, period (2026-11, 2026-Q4, 2026), value; or unit,
    period and one column per indicator (code or alias: vneid, cks, tt, vssid...)."""
    rows = target_rows(read_table(file))

    async def work(store: Store) -> TargetPlan:
        plan = await plan_targets(store, rows)
        if not plan.errors:
            await apply_targets(store, plan)
        return plan

    plan = asyncio.run(in_transaction(Settings(), work, commit=not dry_run))
    for line, message in plan.errors:
        typer.echo(f"line {line}: {message}", err=True)
    if plan.errors:
        typer.echo("Nothing was changed.", err=True)
        raise typer.Exit(1)
    verb = "would change" if dry_run else "changed"
    typer.echo(f"{counted(len(plan.ready), 'target')} read, {plan.changed} {verb}.")


def export(
    unit: Annotated[str, typer.Option(help="Unit code: one row per unit under it")],
    period: Annotated[str, typer.Option(help="2026-11, 2026-Q4 or 2026")],
    out: Annotated[Path, typer.Option(help="FILE.xlsx or FILE.csv")],
) -> None:
    """Write the appendix-shaped table (XLSX with a raw-entries sheet, or CSV)."""
    try:
        span = parse_period(period)
    except ValueError as err:
        raise typer.BadParameter(str(err)) from err

    async def work(store: Store) -> tuple[bytes, bytes]:
        scope = await store.units.by_code(unit)
        if scope is None:
            raise typer.BadParameter(f"no unit {unit}")
        return await export_unit(store, scope, span, schedule=settings.schedule)

    settings = Settings()
    xlsx, csv_bytes = asyncio.run(in_transaction(settings, work, read_only=True))
    out.write_bytes(csv_bytes if out.suffix.lower() == ".csv" else xlsx)
    typer.echo(f"Wrote {out}")


async def _with_db(work: Callable[[Database], Awaitable[T]]) -> T:
    db = Database(Settings().database_url)
    try:
        return await work(db)
    finally:
        await db.dispose()


@db_app.command()
def upgrade(
    revision: Annotated[str, typer.Option(help="Target revision")] = "head",
) -> None:
    """Apply the schema migrations and store the default indicators (the bot also does this
    when it starts; no other command changes the schema)."""
    before, after = asyncio.run(upgrade_database(Settings(), revision))
    typer.echo(f"Schema at {after}" + ("" if before == after else f" (was {before or 'empty'})"))


@db_app.command()
def current() -> None:
    """The schema revision of the database, and whether it matches the code."""
    revision = asyncio.run(_with_db(migrate.current))
    head = migrate.head()
    state = "up to date" if revision == head else f"behind: run `cnsbot db upgrade` to {head}"
    typer.echo(f"Schema at {revision or 'nothing'}; {state}")


@db_app.command()
def check() -> None:
    """Fail when the models and the migrated database differ (a migration is missing)."""
    diffs = asyncio.run(_with_db(migrate.differences))
    for diff in diffs:
        typer.echo(f"  {diff}")
    if diffs:
        raise typer.Exit(1)
    typer.echo("The database matches the models.")


@db_app.command()
def backup(path: Annotated[Path, typer.Argument(help="Where to write the copy")]) -> None:
    """A consistent copy while the bot runs: SQLite's online backup, or pg_dump."""
    url = make_url(Settings().database_url)
    if path.exists():
        raise typer.BadParameter(f"{path} exists; choose a new file")
    if url.get_backend_name() == "postgresql":
        return _pg_dump(url, path)
    if url.get_backend_name() != "sqlite" or not url.database:
        raise typer.BadParameter(f"cannot back up {url.get_backend_name()}")
    source = sqlite3.connect(url.database)
    target = sqlite3.connect(path)
    try:
        with target:
            source.backup(target)
    finally:
        source.close()
        target.close()
    typer.echo(f"Backed up {url.database} to {path}")
    return None


def _pg_dump(url: URL, path: Path) -> None:
    """pg_dump's custom format (restore with pg_restore); the password goes by environment."""
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise typer.BadParameter("pg_dump is not installed (Debian: postgresql-client)")
    env = {**os.environ, "PGPASSWORD": url.password or ""} if url.password else dict(os.environ)
    dsn = url.set(drivername="postgresql", password=None).render_as_string(False)
    done = subprocess.run(
        [pg_dump, "--format=custom", "--file", str(path), "--dbname", dsn],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        path.unlink(missing_ok=True)
        typer.echo(done.stderr.strip(), err=True)
        raise typer.Exit(1)
    typer.echo(f"Backed up {url.database} to {path} (pg_restore reads it)")


def zalo_oa_token(
    refresh_token: Annotated[str, typer.Argument(help="A refresh token from the Zalo console")],
) -> None:
    """Store the OA's first refresh token; the bot refreshes (and re-stores) it from then on."""
    settings = Settings()
    if not settings.zalo_oa_app_id:
        raise typer.BadParameter("set ZALO_OA_APP_ID first")
    app_id = settings.zalo_oa_app_id

    async def work(store: Store) -> None:
        await store.oa_tokens.save(app_id, "", refresh_token.strip(), utcnow())

    asyncio.run(in_transaction(settings, work))
    typer.echo(f"Stored the refresh token for OA app {app_id}.")
