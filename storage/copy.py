"""Moving a commune's data from one database to another (SQLite -> PostgreSQL, as a
commune outgrows one process): every table, in the order their foreign keys need, in one
transaction on the target, then the sequences, then a check of counts and sums on both
sides.

The source is read in one snapshot (on SQLite a WAL reader: the bot may keep running,
and what it writes after the snapshot is not copied — stop it before the final copy).
The target must be migrated to the same revision and hold no rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Integer, Table, func, insert, select, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import SQLModel

from storage import models  # noqa: F401  (registers the tables)
from storage.db import Database

BATCH = 2_000


class CopyRefused(Exception):
    """The copy cannot start: the message says why (nothing was written)."""


@dataclass(frozen=True)
class TableCheck:
    table: str
    rows: tuple[int, int]  # source, target
    sums: dict[str, tuple[int, int]]  # integer column -> (source, target)

    @property
    def agrees(self) -> bool:
        return self.rows[0] == self.rows[1] and all(a == b for a, b in self.sums.values())


@dataclass
class CopyReport:
    checks: list[TableCheck] = field(default_factory=list)

    @property
    def agrees(self) -> bool:
        return all(check.agrees for check in self.checks)

    @property
    def rows(self) -> int:
        return sum(check.rows[0] for check in self.checks)


def tables() -> list[Table]:
    return list(SQLModel.metadata.sorted_tables)


def _self_references(table: Table) -> list[str]:
    """Columns pointing into their own table (a unit's parent): written after the rows."""
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]


async def _version(conn: AsyncConnection) -> str | None:
    try:
        return await conn.scalar(text("SELECT version_num FROM alembic_version"))
    except Exception:
        return None


async def _is_empty(conn: AsyncConnection) -> list[str]:
    full = []
    for table in tables():
        if await conn.scalar(select(func.count()).select_from(table)):
            full.append(table.name)
    return full


async def copy_database(
    source: Database, target: Database, *, progress: Callable[[str, int], None] | None = None
) -> CopyReport:
    """Copy everything from `source` into the empty, migrated `target`; then compare."""
    async with source.read_engine.connect() as src, target.engine.connect() as dst:
        src_version, dst_version = await _version(src), await _version(dst)
        if src_version is None:
            raise CopyRefused("the source database has no schema")
        if dst_version != src_version:
            raise CopyRefused(
                f"the target is at migration {dst_version}, the source at {src_version}: "
                "run `cnsbot db upgrade` on both first"
            )
        await dst.rollback()
        full = await _is_empty(dst)
        await dst.rollback()
        if full:
            raise CopyRefused("the target already holds rows in: " + ", ".join(full))
        await src.rollback()
        async with src.begin(), dst.begin():  # one snapshot read, one transaction written
            for table in tables():
                copied = await _copy_table(src, dst, table)
                if progress is not None:
                    progress(table.name, copied)
            if target.engine.dialect.name == "postgresql":
                await _reset_sequences(dst)
    return await compare(source, target)


async def _copy_table(src: AsyncConnection, dst: AsyncConnection, table: Table) -> int:
    later = _self_references(table)
    keys = list(table.primary_key.columns)  # one column, or several (the daily roll-ups)
    pending_links: list[tuple[tuple[object, ...], dict[str, object]]] = []
    copied, last = 0, None
    while True:  # pages by key: each one an index range, within the one snapshot
        query = select(table).order_by(*keys).limit(BATCH)
        if last is not None:
            query = query.where(tuple_(*keys) > tuple_(*last))
        batch = [dict(row._mapping) for row in (await src.execute(query)).all()]
        if not batch:
            break
        last = [batch[-1][k.name] for k in keys]
        for row in batch:
            links = {name: row[name] for name in later if row[name] is not None}
            if links:
                pending_links.append((tuple(row[k.name] for k in keys), links))
                row.update(dict.fromkeys(links))
        await dst.execute(insert(table), batch)
        copied += len(batch)
    for row_key, links in pending_links:  # the rows all exist now: point them at each other
        where = [k == v for k, v in zip(keys, row_key, strict=True)]
        await dst.execute(update(table).where(*where).values(**links))
    return copied


async def _reset_sequences(dst: AsyncConnection) -> None:
    """New rows on the target continue after the copied ids."""
    for table in tables():
        for column in table.primary_key.columns:
            if not (isinstance(column.type, Integer) and column.autoincrement in (True, "auto")):
                continue
            sequence = await dst.scalar(
                text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column.name}
            )
            if sequence is None:
                continue
            top = await dst.scalar(select(func.max(column)))
            await dst.execute(
                text("SELECT setval(CAST(:s AS regclass), :v, :called)"),
                {"s": sequence, "v": top or 1, "called": top is not None},
            )


async def _measure(conn: AsyncConnection, table: Table) -> tuple[int, dict[str, int]]:
    numbers = [c for c in table.columns if isinstance(c.type, Integer)]
    query = select(func.count(), *[func.coalesce(func.sum(c), 0) for c in numbers]).select_from(
        table
    )
    row = (await conn.execute(query)).one()
    return int(row[0]), {c.name: int(v) for c, v in zip(numbers, row[1:], strict=True)}


async def compare(source: Database, target: Database) -> CopyReport:
    """Row counts and the sums of every integer column (ids, counts, attempts), both sides."""
    report = CopyReport()
    async with source.read_engine.connect() as src, target.read_engine.connect() as dst:
        for table in tables():
            rows_a, sums_a = await _measure(src, table)
            rows_b, sums_b = await _measure(dst, table)
            sums = {name: (sums_a[name], sums_b.get(name, 0)) for name in sums_a}
            report.checks.append(TableCheck(table.name, (rows_a, rows_b), sums))
    return report
