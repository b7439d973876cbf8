"""Roll-ups: active counts per unit, indicator and day (`entry_daily`).

Kept by `storage.entries.Entries` in the same transaction as every entry written or
cancelled, so no caller can forget them; the tallies read them instead of the entries.
Upserts add a delta (`n = n + excluded.n`): two transactions adding to the same row at
once both count (PostgreSQL locks the row for the second until the first ends; SQLite
writes one transaction at a time). Rows are written in key order, so two transactions
touching the same rows never wait on each other in a circle.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import bindparam, func, text
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Entry, EntryDaily

Key = tuple[date, int, str]  # day, unit id, indicator

_D = EntryDaily.__table__  # type: ignore[attr-defined]
_E = Entry.__table__.c  # type: ignore[attr-defined]


def _upsert(dialect: object) -> object:
    stmt = dialect.insert(_D).values(  # type: ignore[attr-defined]
        day=bindparam("day"), unit_id=bindparam("unit_id"), indicator=bindparam("indicator"),
        n=bindparam("n"),
    )  # fmt: skip
    return stmt.on_conflict_do_update(
        index_elements=["day", "unit_id", "indicator"], set_={"n": _D.c.n + stmt.excluded.n}
    )


# Built once: every report runs one.
_UPSERT = {"postgresql": _upsert(postgresql), "sqlite": _upsert(sqlite)}

_HOLD_WRITERS = text("LOCK TABLE entry, entry_daily IN SHARE ROW EXCLUSIVE MODE")

# What the roll-up should hold, from the raw entries.
_FROM_ENTRIES = (
    sa_select(_E.day, _E.unit_id, _E.indicator, func.sum(_E.count))
    .where(_E.cancelled_at.is_(None))
    .group_by(_E.day, _E.unit_id, _E.indicator)
)


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


async def add(session: AsyncSession, deltas: Iterable[tuple[Key, int]]) -> None:
    """Add each delta to its row (created when missing), in key order."""
    summed: dict[Key, int] = {}
    for key, delta in deltas:
        summed[key] = summed.get(key, 0) + delta
    rows = [
        {"day": day, "unit_id": unit_id, "indicator": indicator, "n": n}
        for (day, unit_id, indicator), n in sorted(summed.items())
        if n
    ]
    if rows:
        stmt = _UPSERT["postgresql" if _dialect(session) == "postgresql" else "sqlite"]
        await session.exec(stmt, params=rows)  # type: ignore[call-overload]


async def from_entries(session: AsyncSession) -> dict[Key, int]:
    """The roll-up recomputed from the active entries (rows above zero only)."""
    rows = (await session.exec(_FROM_ENTRIES)).all()  # type: ignore[call-overload]
    return {(_day(d), u, i): int(n) for d, u, i, n in rows if n}


async def stored(session: AsyncSession) -> dict[Key, int]:
    """The roll-up as stored (rows above zero only: a row emptied by cancellations is 0)."""
    stmt = sa_select(_D.c.day, _D.c.unit_id, _D.c.indicator, _D.c.n).where(_D.c.n != 0)
    rows = (await session.exec(stmt)).all()  # type: ignore[call-overload]
    return {(_day(d), u, i): int(n) for d, u, i, n in rows}


async def differences(session: AsyncSession) -> list[tuple[Key, int, int]]:
    """(key, stored, from entries) for every row where the roll-up and the entries differ."""
    have, want = await stored(session), await from_entries(session)
    return [
        (key, have.get(key, 0), want.get(key, 0))
        for key in sorted(set(have) | set(want))
        if have.get(key, 0) != want.get(key, 0)
    ]


async def repair(session: AsyncSession, wrong: Iterable[tuple[Key, int, int]]) -> int:
    """Bring these rows to what the entries say (a delta each); returns how many."""
    deltas = [(key, want - have) for key, have, want in wrong]
    await add(session, deltas)
    return len(deltas)


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


async def hold_writers(session: AsyncSession) -> None:
    """PostgreSQL: hold off writers of entries and roll-ups until the transaction ends
    (reads go on), so a comparison and its repair see no report half-counted. (SQLite:
    a transaction that writes already excludes every other writer.)"""
    if _dialect(session) == "postgresql":
        await session.exec(_HOLD_WRITERS)  # type: ignore[call-overload]
