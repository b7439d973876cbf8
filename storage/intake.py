"""What a report reads before it is written: one statement on the intake's hot path.

Before it writes, a report checks the member's reports of the last minute and their counts
of the day (the per-person limits), the confirmations they have waiting (limits too), the
month's lock (a signed-off or approved month of the village or of a unit above it), the
village's "không phát sinh" of the month (which the report ends), and that the receipt code
drawn for it is free. One statement each cost ~0.2-0.3 ms of SQLAlchemy's Python per
report; `ReportReads.read` asks all of them in one prebuilt UNION ALL whose rows are told
apart by their first column. What it finds only routes: a locked month and a declaration
go on to the usual paths (handlers.month_lock, storage.nothing), which read them again.

Concurrency (PostgreSQL, READ COMMITTED): `hold` takes, in one statement, the member's row
(FOR NO KEY UPDATE: one member's reports run one after another, the limits read, then
write) and the rows of the units from the top of the tree down to the village itself (FOR
SHARE: a sign-off takes its commune FOR UPDATE before it reads the figures; a declaration
takes its village FOR UPDATE before it looks for entries). `read` comes after `hold`: a
statement sees what was committed when it started, so after waiting for a lock it sees
the sign-off or the declaration that held it. SQLite runs one writing transaction at a
time (BEGIN IMMEDIATE): the same order without row locks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    bindparam,
    func,
    literal_column,
    null,
    or_,
    text,
    union_all,
)
from sqlalchemy import select as sa_select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import rollups
from storage.codes import random_code
from storage.entries import RECEIPT_LENGTH
from storage.models import Entry, MonthSignoff, NothingToReport, PendingAction, PendingKind, Unit
from storage.signoff import LOCKED, path_ids

_E = Entry.__table__.c  # type: ignore[attr-defined]
_P = PendingAction.__table__.c  # type: ignore[attr-defined]
_S = MonthSignoff.__table__.c  # type: ignore[attr-defined]
_N = NothingToReport.__table__.c  # type: ignore[attr-defined]

# The first column of each row says what it answers.
_RECENT, _WAITING, _LOCKED, _DECLARED, _TAKEN = range(5)


def _tag(n: int) -> ColumnElement[int]:
    return literal_column(str(n))


def _one_row(tag: int, found: ColumnElement[Any]) -> Select[Any]:
    """A branch that always gives one row: (tag, found, NULL...)."""
    return sa_select(_tag(tag), null(), null(), found, null(), null(), null())


_member = bindparam("member", type_=_E.member_id.type)
_since = bindparam("since", type_=_E.created_at.type)
_month = bindparam("month", type_=_S.month.type)
_receipt = bindparam("receipt", type_=_E.receipt.type)

# Built once (building a statement per call cost more than running it).
_READ = union_all(
    # The member's entries of the day and those made within the minute (limits).
    sa_select(
        _tag(_RECENT), _E.receipt, _E.indicator, _E.count, _E.day, _E.cancelled_at.is_(None),
        _E.created_at,
    ).where(_E.member_id == _member, or_(_E.day == bindparam("day"), _E.created_at > _since)),
    # Their reports waiting for confirmation, made within the minute (limits).
    _one_row(_WAITING, func.count()).where(
        _P.member_id == _member, _P.kind == PendingKind.report.name, _P.created_at > _since
    ),
    # A signed-off or approved month of the village or a unit above it (storage.signoff.guard).
    _one_row(_LOCKED, func.count()).where(
        _S.unit_id.in_(bindparam("above", expanding=True)),
        _S.month == _month,
        or_(*(_S.status == status for status in LOCKED)),  # no IN list: built per call
    ),
    # The village's declaration of nothing to report, in force (storage.nothing.active).
    _one_row(_DECLARED, func.count()).where(
        _N.unit_id == bindparam("unit"), _N.month == _month, _N.cancelled_at.is_(None)
    ),
    # The receipt code drawn for this report, already given to a report or a declaration.
    _one_row(_TAKEN, func.count()).where(_E.receipt == _receipt),
    _one_row(_TAKEN, func.count()).where(_N.receipt == _receipt),
)  # fmt: skip

# PostgreSQL only; table names as SQLAlchemy writes them unquoted in the other statements.
_HOLD = text(
    "SELECT unit.id, unit.path, unit.level FROM member, unit"
    " WHERE member.id = :member AND unit.id IN :above "
    "FOR NO KEY UPDATE OF member FOR SHARE OF unit"
).bindparams(bindparam("above", expanding=True))


@dataclass
class ReportChecks:
    """What `ReportReads.read` found for one report."""

    made: int = 0  # reports (receipts, cancelled ones too, and waiting ones) since `since`
    day_totals: dict[str, int] = field(default_factory=dict)  # active counts of `day`
    locked: bool = False  # the month is signed off or approved for this unit or above
    declared: bool = False  # the unit has a "không phát sinh" in force for the month
    receipt: str | None = None  # a free receipt code for the report (None: draw another)


class ReportReads:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def hold(self, member_id: int, unit: Unit) -> None:
        """PostgreSQL: hold the member's row and the rows of the unit and those above it
        until this transaction ends (see the module's docstring); before `read`."""
        if self.s.bind is not None and self.s.bind.dialect.name == "postgresql":
            params = {"member": member_id, "above": path_ids(unit)}
            rows = (await self.s.exec(_HOLD, params=params)).all()  # type: ignore[call-overload]
            rollups.held(self.s, rows)  # the roll-ups need not read them again

    async def read(
        self, *, member_id: int, unit: Unit, day: date, month: str, since: datetime
    ) -> ReportChecks:
        """Everything a report by `member_id` in `unit` for `day` (of `month`) checks
        before it writes, in one statement."""
        receipt = random_code(RECEIPT_LENGTH)
        params = {
            "member": member_id, "day": day, "since": since, "above": path_ids(unit),
            "month": month, "unit": unit.id, "receipt": receipt,
        }  # fmt: skip
        rows = (await self.s.exec(_READ, params=params)).all()  # type: ignore[call-overload]
        found = ReportChecks()
        receipts: set[str] = set()
        taken = 0
        for tag, code, indicator, count, on, active, created in rows:
            if tag == _RECENT:
                if created > since:
                    receipts.add(code)
                if on == day and active:
                    found.day_totals[indicator] = found.day_totals.get(indicator, 0) + count
            elif tag == _WAITING:
                found.made += count
            elif tag == _LOCKED:
                found.locked = count > 0
            elif tag == _DECLARED:
                found.declared = count > 0
            else:
                taken += count
        found.made += len(receipts)
        found.receipt = None if taken else receipt
        return found
