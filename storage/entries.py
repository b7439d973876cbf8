"""Indicators (what is counted), entries (what was logged) and targets (chỉ tiêu)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import rollups
from storage.codes import random_code
from storage.models import (
    Entry,
    Indicator,
    IndicatorAlias,
    Member,
    ReportWord,
    ReportWordKind,
    SubtreeDaily,
    Target,
    Unit,
    pk,
    utcnow,
)
from storage.tally import under

RECEIPT_LENGTH = 6


class Indicators:
    """What is counted. Indicators are never deleted: a retired one (`active` False) takes
    no new reports, and its past entries, targets and exports stay."""

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
        """Every indicator, retired ones too (their history is still shown), in display
        order."""
        stmt = select(Indicator).order_by(col(Indicator.position), col(Indicator.code))
        return (await self.s.exec(stmt)).all()

    async def active(self) -> Sequence[Indicator]:
        """The indicators that take reports, in display order."""
        return [i for i in await self.all() if i.active]

    async def get(self, code: str) -> Indicator | None:
        return await self.s.get(Indicator, code)

    async def aliases(self) -> list[tuple[str, str]]:
        """(alias as written, indicator code) for every alias, retired indicators' too."""
        stmt = select(IndicatorAlias).order_by(col(IndicatorAlias.alias))
        return [(a.alias, a.indicator) for a in (await self.s.exec(stmt)).all()]

    async def labels(self, *, include_retired: bool = False) -> dict[str, str]:
        """Code -> short label ("VNeID", "CKS"), in display order: how every table, tally
        and chart names and orders the indicators."""
        chosen = await self.all() if include_retired else await self.active()
        return {i.code: i.short or i.code for i in chosen}

    async def with_aliases(self, *, include_retired: bool = False) -> list[tuple[str, list[str]]]:
        """(code, aliases) for every active (or every) indicator, in display order."""
        chosen = await self.all() if include_retired else await self.active()
        aliases: dict[str, list[str]] = {i.code: [] for i in chosen}
        for alias, code in await self.aliases():
            if code in aliases:
                aliases[code].append(alias)
        return list(aliases.items())

    async def add_aliases(self, code: str, aliases: Iterable[str]) -> None:
        for alias in dict.fromkeys(aliases):
            self.s.add(IndicatorAlias(alias=alias, indicator=code))
        await self.s.flush()

    async def remove_aliases(self, aliases: Iterable[str]) -> None:
        for alias in aliases:
            row = await self.s.get(IndicatorAlias, alias)
            if row is not None:
                await self.s.delete(row)
        await self.s.flush()

    async def update(
        self,
        code: str,
        *,
        name: str | None = None,
        short: str | None = None,
        active: bool | None = None,
        position: int | None = None,
    ) -> None:
        indicator = await self.s.get(Indicator, code)
        if indicator is None:
            raise KeyError(code)
        if name is not None:
            indicator.name = name
        if short is not None:
            indicator.short = short
        if active is not None:
            indicator.active = active
        if position is not None:
            indicator.position = position
        await self.s.flush()

    async def words(self) -> list[tuple[str, ReportWordKind]]:
        """(word, kind) of the lexicon of words without a count, beside the aliases."""
        rows = (await self.s.exec(select(ReportWord).order_by(col(ReportWord.word)))).all()
        return [(row.word, row.kind) for row in rows]

    async def add_words(self, words: Iterable[tuple[str, ReportWordKind | str]]) -> None:
        """Add words to the lexicon, or change the kind of those already in it."""
        stored = {row.word: row for row in (await self.s.exec(select(ReportWord))).all()}
        for word, kind in dict(words).items():
            if word in stored:
                stored[word].kind = ReportWordKind(kind)
            else:
                self.s.add(ReportWord(word=word, kind=ReportWordKind(kind)))
        await self.s.flush()


# Built once: every report runs these (building a statement costs more than running it).
_RECEIPT_TAKEN = select(col(Entry.id)).where(col(Entry.receipt) == bindparam("r")).limit(1)
_INSERT_ENTRIES = insert(Entry.__table__)  # type: ignore[attr-defined]
_M = Member.__table__.c  # type: ignore[attr-defined]
# FOR NO KEY UPDATE, as storage.intake's hold: it orders one member's changes after one
# another, and lets the foreign-key checks (KEY SHARE) of a receipt being undone meanwhile
# through (FOR UPDATE blocked them: an undo holding its entries waited for the member's row
# while the undo of the day holding that row waited for the entries, a deadlock).
_LOCK_MEMBER = sa_select(_M.id).where(_M.id == bindparam("m")).with_for_update(key_share=True)
_E = Entry.__table__.c  # type: ignore[attr-defined]
# A member's rows of one day, and those made lately: a handful, read from the member index.
_MEMBER_RECENT = sa_select(
    _E.receipt, _E.indicator, _E.count, _E.day, _E.cancelled_at.is_(None), _E.created_at
).where(
    _E.member_id == bindparam("m"),
    or_(_E.day == bindparam("d"), _E.created_at > bindparam("t")),
)


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
        at: datetime | None = None,
        receipt: str | None = None,
    ) -> str:
        """Store one report (one entry per indicator, one receipt); return the receipt.
        `at`: when it was made (the handler's clock; the per-minute limit counts by it).
        `receipt`: a code the caller found free in this transaction (else one is drawn)."""
        receipt = receipt or await self.new_receipt()
        now = at or utcnow()
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
        rollups.add(self.s, (((unit_id, day, i), n) for i, n in counts.items()))
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

    async def recent_receipts(self, member_id: int, limit: int) -> list[list[Entry]]:
        """A member's latest receipts (cancelled ones too), newest first, with their entries."""
        codes_stmt = (
            select(Entry.receipt, func.max(Entry.id))
            .where(Entry.member_id == member_id)
            .group_by(col(Entry.receipt))
            .order_by(func.max(Entry.id).desc())
            .limit(limit)
        )
        codes = [code for code, _ in (await self.s.exec(codes_stmt)).all()]
        if not codes:
            return []
        rows = (await self.s.exec(select(Entry).where(col(Entry.receipt).in_(codes)))).all()
        by_code: dict[str, list[Entry]] = {}
        for entry in sorted(rows, key=lambda e: pk(e)):
            by_code.setdefault(entry.receipt, []).append(entry)
        return [by_code[code] for code in codes if code in by_code]

    async def cancel(
        self, receipt: str, *, by: int, at: datetime, replaced_by: str | None = None
    ) -> int:
        """Cancel a receipt's active entries; returns how many were cancelled (0: already)."""
        stmt = (
            update(Entry)
            .where(col(Entry.receipt) == receipt, col(Entry.cancelled_at).is_(None))
            .values(cancelled_at=at, cancelled_by=by, replaced_by=replaced_by)
            .returning(_E.day, _E.unit_id, _E.indicator, _E.count)
        )
        return await self._cancelled(stmt)

    async def _cancelled(self, stmt: Any) -> int:
        """Run an UPDATE that cancels entries (RETURNING what it cancelled: only the rows
        this transaction changed) and take them out of the roll-up; returns how many."""
        rows = (await self.s.exec(stmt)).all()
        rollups.add(self.s, (((u, _as_date(d), i), -n) for d, u, i, n in rows))
        return len(rows)

    async def lock_member(self, member_id: int) -> None:
        """Serialize one member's reports until this transaction ends: limits read totals,
        then write. PostgreSQL only: SQLite writes one transaction at a time anyway."""
        if self.s.bind is not None and self.s.bind.dialect.name == "postgresql":
            await self.s.exec(_LOCK_MEMBER, params={"m": member_id})  # type: ignore[call-overload]

    async def member_recent(
        self, member_id: int, day: date, since: datetime
    ) -> tuple[int, dict[str, int]]:
        """For the per-person limits, in one statement: how many reports (receipts,
        cancelled ones too) the member made after `since`, and their active counts per
        indicator on `day`."""
        params = {"m": member_id, "d": day, "t": since}
        rows = (await self.s.exec(_MEMBER_RECENT, params=params)).all()  # type: ignore[call-overload]
        receipts: set[str] = set()
        totals: dict[str, int] = {}
        for receipt, indicator, count, on, active, created in rows:
            if created > since:
                receipts.add(receipt)
            if on == day and active:
                totals[indicator] = totals.get(indicator, 0) + count
        return len(receipts), totals

    async def member_day_entries(
        self, member_id: int, day: date, scope: Unit, upto: int | None = None
    ) -> Sequence[Entry]:
        """A member's active entries of one day in units of `scope`'s subtree (up to entry
        id `upto`: what a leader was shown before confirming)."""
        stmt = (
            select(Entry)
            .join(Unit, col(Unit.id) == col(Entry.unit_id))
            .where(Entry.member_id == member_id, Entry.day == day)
            .where(col(Entry.cancelled_at).is_(None), col(Unit.path).startswith(scope.path))
            .order_by(col(Entry.id))
        )
        if upto is not None:
            stmt = stmt.where(col(Entry.id) <= upto)
        return (await self.s.exec(stmt)).all()

    async def cancel_entries(self, ids: Sequence[int], *, by: int, at: datetime) -> int:
        """Cancel these entries (those still active); returns how many were cancelled."""
        cancelled = 0
        for start in range(0, len(ids), 500):  # bounded statement size
            stmt = (
                update(Entry)
                .where(col(Entry.id).in_(ids[start : start + 500]))
                .where(col(Entry.cancelled_at).is_(None))
                .values(cancelled_at=at, cancelled_by=by)
                .returning(_E.day, _E.unit_id, _E.indicator, _E.count)
            )
            cancelled += await self._cancelled(stmt)
        return cancelled

    async def totals(
        self,
        start: date,
        end: date,
        *,
        member_id: int | None = None,
        unit: Unit | None = None,
    ) -> dict[str, int]:
        """Active counts per indicator for days in [start, end], for a member (from the
        entries) or a subtree (from the roll-up)."""
        if member_id is None:
            return await self._subtree_totals(start, end, unit)
        stmt = (
            select(Entry.indicator, func.sum(Entry.count))
            .where(col(Entry.cancelled_at).is_(None), Entry.day >= start, Entry.day <= end)
            .where(Entry.member_id == member_id)
            .group_by(Entry.indicator)
        )
        if unit is not None:
            stmt = stmt.join(Unit, col(Unit.id) == col(Entry.unit_id)).where(
                col(Unit.path).startswith(unit.path)
            )
        rows = (await self.s.exec(stmt)).all()
        return {indicator: int(total) for indicator, total in rows}

    async def _subtree_totals(self, start: date, end: date, unit: Unit | None) -> dict[str, int]:
        """A subtree's counts: its own roll-up rows (all roots' without a unit)."""
        await rollups.flush(self.s)
        if unit is None:
            roots = sa_select(_U.c.id).where(_U.c.parent_id.is_(None)).scalar_subquery()
            which = _R.unit_id.in_(roots)
        else:
            which = _R.unit_id == pk(unit)
        stmt = (
            sa_select(_R.indicator, func.sum(_R.n))
            .where(which, _R.day.between(start, end))
            .group_by(_R.indicator)
        )
        rows = (await self.s.exec(stmt)).all()  # type: ignore[call-overload]  # a Core select
        return {indicator: int(total) for indicator, total in rows if total}

    async def totals_by_unit(
        self, scope: Unit, start: date, end: date
    ) -> dict[int, dict[str, int]]:
        """Active counts per unit (its own entries) and indicator, for a whole subtree,
        from the roll-up: a unit's own count is its subtree's less its children's."""
        await rollups.flush(self.s)
        stmt = (
            sa_select(_R.unit_id, _U.c.parent_id, _R.indicator, func.sum(_R.n))
            .join(_U, _U.c.id == _R.unit_id)
            .where(under(scope), _R.day.between(start, end))
            .group_by(_R.unit_id, _U.c.parent_id, _R.indicator)
        )
        own: dict[int, dict[str, int]] = {}
        below: list[tuple[int, str, int]] = []
        for unit_id, parent_id, indicator, total in (await self.s.exec(stmt)).all():  # type: ignore[call-overload]
            mine = own.setdefault(unit_id, {})
            mine[indicator] = mine.get(indicator, 0) + int(total)
            if unit_id != pk(scope) and parent_id is not None:
                below.append((parent_id, indicator, int(total)))
        for parent_id, indicator, total in below:
            if parent_id in own:
                own[parent_id][indicator] = own[parent_id].get(indicator, 0) - total
        return {
            unit_id: kept
            for unit_id, counts in own.items()
            if (kept := {i: n for i, n in counts.items() if n})
        }

    async def totals_by_day(
        self, scope: Unit, start: date, end: date
    ) -> dict[date, dict[str, int]]:
        """Active counts of a subtree per day and indicator (for charts over weeks), from
        the scope's own roll-up rows."""
        await rollups.flush(self.s)
        stmt = (
            sa_select(_R.day, _R.indicator, func.sum(_R.n))
            .where(_R.unit_id == pk(scope), _R.day.between(start, end))
            .group_by(_R.day, _R.indicator)
        )
        result: dict[date, dict[str, int]] = {}
        rows = (await self.s.exec(stmt)).all()  # type: ignore[call-overload]  # a Core select
        for day, indicator, total in rows:
            if total:
                result.setdefault(_as_date(day), {})[indicator] = int(total)
        return result

    async def by_member(
        self, scope: Unit, start: date, end: date
    ) -> dict[int, tuple[dict[str, int], date]]:
        """Per member who reported in a unit's subtree: counts per indicator, last day."""
        stmt = (
            select(Entry.member_id, Entry.indicator, func.sum(Entry.count), func.max(Entry.day))
            .join(Unit, col(Unit.id) == col(Entry.unit_id))
            .where(col(Unit.path).startswith(scope.path))
            .where(col(Entry.cancelled_at).is_(None), Entry.day >= start, Entry.day <= end)
            .group_by(col(Entry.member_id), col(Entry.indicator))
        )
        result: dict[int, tuple[dict[str, int], date]] = {}
        for member_id, indicator, total, last in (await self.s.exec(stmt)).all():
            counts, latest = result.get(member_id, ({}, _as_date(last)))
            counts[indicator] = int(total)
            result[member_id] = (counts, max(latest, _as_date(last)))
        return result

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


_R = SubtreeDaily.__table__.c  # type: ignore[attr-defined]
_U = Unit.__table__  # type: ignore[attr-defined]


def _as_date(value: date | str) -> date:
    """MAX(day) comes back as text from SQLite (an aggregate loses the column's type)."""
    return value if isinstance(value, date) else date.fromisoformat(value)
