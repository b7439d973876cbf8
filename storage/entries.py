"""Indicators (what is counted), entries (what was logged) and targets (chỉ tiêu)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import bindparam, case, func, insert, update
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.codes import random_code
from storage.models import (
    Entry,
    Indicator,
    IndicatorAlias,
    Member,
    ReportWord,
    Target,
    Unit,
    utcnow,
)

RECEIPT_LENGTH = 6


class Indicators:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def add(
        self, code: str, name: str, aliases: Iterable[str], *, short: str = "", position: int = 0
    ) -> None:
        self.s.add(Indicator(code=code, name=name, short=short or code.upper(), position=position))
        for alias in dict.fromkeys(aliases):
            self.s.add(IndicatorAlias(alias=alias, indicator=code))
        await self.s.flush()

    async def all(self) -> Sequence[Indicator]:
        stmt = select(Indicator).where(Indicator.active).order_by(col(Indicator.position))
        return (await self.s.exec(stmt)).all()

    async def with_aliases(self) -> list[tuple[str, list[str]]]:
        """(code, aliases) for every active indicator, in display order."""
        aliases: dict[str, list[str]] = {i.code: [] for i in await self.all()}
        for row in (await self.s.exec(select(IndicatorAlias))).all():
            if row.indicator in aliases:
                aliases[row.indicator].append(row.alias)
        return list(aliases.items())

    async def words(self) -> list[tuple[str, str]]:
        """(word, kind) of the lexicon of words without a count, beside the aliases."""
        rows = (await self.s.exec(select(ReportWord).order_by(col(ReportWord.word)))).all()
        return [(row.word, row.kind) for row in rows]

    async def add_words(self, words: Iterable[tuple[str, str]]) -> None:
        """Add words to the lexicon, or change the kind of those already in it."""
        stored = {row.word: row for row in (await self.s.exec(select(ReportWord))).all()}
        for word, kind in dict(words).items():
            if word in stored:
                stored[word].kind = kind
            else:
                self.s.add(ReportWord(word=word, kind=kind))
        await self.s.flush()


# Built once: every report runs these (building a statement costs more than running it).
_RECEIPT_TAKEN = select(col(Entry.id)).where(col(Entry.receipt) == bindparam("r")).limit(1)
_INSERT_ENTRIES = insert(Entry.__table__)  # type: ignore[attr-defined]


class Entries:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def new_receipt(self) -> str:
        while True:
            code = random_code(RECEIPT_LENGTH)
            if (await self.s.exec(_RECEIPT_TAKEN, params={"r": code})).first() is None:
                return code

    async def add_report(
        self,
        *,
        member_id: int,
        unit_id: int,
        counts: dict[str, int],
        day: date,
        source: str,
        replaces: str | None = None,
    ) -> str:
        """Store one report (one entry per indicator, one receipt); return the receipt."""
        receipt = await self.new_receipt()
        now = utcnow()
        rows = [
            {
                "receipt": receipt, "member_id": member_id, "unit_id": unit_id,
                "indicator": indicator, "count": count, "day": day, "source": source[:120],
                "created_at": now, "replaces": replaces,
            }
            for indicator, count in counts.items()
        ]  # fmt: skip
        # Core, not ORM objects: a report is written, never read back in this transaction.
        await self.s.exec(_INSERT_ENTRIES, params=rows)
        return receipt

    async def by_receipt(self, receipt: str) -> Sequence[Entry]:
        stmt = select(Entry).where(Entry.receipt == receipt).order_by(col(Entry.id))
        return (await self.s.exec(stmt)).all()

    async def last_active_receipt(self, member_id: int) -> str | None:
        stmt = (
            select(Entry.receipt)
            .where(Entry.member_id == member_id, col(Entry.cancelled_at).is_(None))
            .order_by(col(Entry.id).desc())
            .limit(1)
        )
        return (await self.s.exec(stmt)).first()

    async def cancel(
        self, receipt: str, *, by: int, at: datetime, replaced_by: str | None = None
    ) -> int:
        """Cancel a receipt's active entries; returns how many were cancelled (0: already)."""
        stmt = (
            update(Entry)
            .where(col(Entry.receipt) == receipt, col(Entry.cancelled_at).is_(None))
            .values(cancelled_at=at, cancelled_by=by, replaced_by=replaced_by)
        )
        result = await self.s.exec(stmt)
        return int(result.rowcount)

    async def totals(
        self,
        start: date,
        end: date,
        *,
        member_id: int | None = None,
        unit: Unit | None = None,
    ) -> dict[str, int]:
        """Active counts per indicator for days in [start, end], for a member or a subtree."""
        stmt = (
            select(Entry.indicator, func.sum(Entry.count))
            .where(col(Entry.cancelled_at).is_(None), Entry.day >= start, Entry.day <= end)
            .group_by(Entry.indicator)
        )
        if member_id is not None:
            stmt = stmt.where(Entry.member_id == member_id)
        if unit is not None:
            stmt = stmt.join(Unit, col(Unit.id) == col(Entry.unit_id)).where(
                col(Unit.path).startswith(unit.path)
            )
        rows = (await self.s.exec(stmt)).all()
        return {indicator: int(total) for indicator, total in rows}

    async def totals_by_unit(
        self, scope: Unit, start: date, end: date
    ) -> dict[int, dict[str, int]]:
        """Active counts per unit (its own entries) and indicator, for a whole subtree."""
        stmt = (
            select(Entry.unit_id, Entry.indicator, func.sum(Entry.count))
            .join(Unit, col(Unit.id) == col(Entry.unit_id))
            .where(col(Unit.path).startswith(scope.path))
            .where(col(Entry.cancelled_at).is_(None), Entry.day >= start, Entry.day <= end)
            .group_by(col(Entry.unit_id), col(Entry.indicator))
        )
        result: dict[int, dict[str, int]] = {}
        for unit_id, indicator, total in (await self.s.exec(stmt)).all():
            result.setdefault(unit_id, {})[indicator] = int(total)
        return result

    async def totals_by_unit_two(
        self, scope: Unit, span: tuple[date, date], inner: tuple[date, date]
    ) -> tuple[dict[int, dict[str, int]], dict[int, dict[str, int]]]:
        """Like totals_by_unit for two ranges (a month and a week), in one pass over the
        rows of both; read from the covering index ix_entry_tally alone."""
        low, high = min(span[0], inner[0]), max(span[1], inner[1])
        # Table columns, not the ORM's: thousands of plain rows, no ORM row loading.
        entry, unit = Entry.__table__.c, Unit.__table__.c  # type: ignore[attr-defined]
        in_span = case((entry.day.between(span[0], span[1]), entry.count), else_=0)
        in_inner = case((entry.day.between(inner[0], inner[1]), entry.count), else_=0)
        stmt = (
            sa_select(entry.unit_id, entry.indicator, func.sum(in_span), func.sum(in_inner))
            .where(entry.cancelled_at.is_(None), entry.day >= low, entry.day <= high)
            .group_by(entry.unit_id, entry.indicator)
        )
        if scope.parent_id is not None:  # a root's subtree is every unit under it: no join
            table = Unit.__table__  # type: ignore[attr-defined]
            stmt = stmt.join(table, unit.id == entry.unit_id).where(
                unit.path.startswith(scope.path)
            )
        outer: dict[int, dict[str, int]] = {}
        week: dict[int, dict[str, int]] = {}
        rows = (await self.s.exec(stmt)).all()  # type: ignore[call-overload]  # a Core select
        for unit_id, indicator, total, inner_total in rows:
            if total:
                outer.setdefault(unit_id, {})[indicator] = int(total)
            if inner_total:
                week.setdefault(unit_id, {})[indicator] = int(inner_total)
        return outer, week

    async def in_range(self, scope: Unit, start: date, end: date) -> list[tuple[Entry, str, str]]:
        """Every entry (cancelled too) of a subtree with unit and member names, oldest first."""
        stmt = (
            select(Entry, Unit.name, Member.name)
            .join(Unit, col(Unit.id) == col(Entry.unit_id))
            .join(Member, col(Member.id) == col(Entry.member_id))
            .where(col(Unit.path).startswith(scope.path), Entry.day >= start, Entry.day <= end)
            .order_by(col(Entry.day), col(Entry.id))
        )
        return [(entry, unit, member) for entry, unit, member in (await self.s.exec(stmt)).all()]


class Targets:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def set(self, unit_id: int, indicator: str, period: str, value: int) -> None:
        stmt = select(Target).where(
            Target.unit_id == unit_id, Target.indicator == indicator, Target.period == period
        )
        target = (await self.s.exec(stmt)).first()
        if target is None:
            self.s.add(Target(unit_id=unit_id, indicator=indicator, period=period, value=value))
        else:
            target.value = value
        await self.s.flush()

    async def in_subtree(self, scope: Unit, period: str) -> dict[int, dict[str, int]]:
        """Targets set on the units of a subtree for one period: unit id -> indicator -> value."""
        stmt = (
            select(Target)
            .join(Unit, col(Unit.id) == col(Target.unit_id))
            .where(col(Unit.path).startswith(scope.path), Target.period == period)
        )
        result: dict[int, dict[str, int]] = {}
        for target in (await self.s.exec(stmt)).all():
            result.setdefault(target.unit_id, {})[target.indicator] = target.value
        return result

    async def for_unit(self, unit_id: int, period: str) -> dict[str, int]:
        stmt = select(Target).where(Target.unit_id == unit_id, Target.period == period)
        return {t.indicator: t.value for t in (await self.s.exec(stmt)).all()}
