"""Rosters uploaded on the web: each person's personal invite, whether they joined, and
the audit trail of the admins of a subtree."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import insert, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.codes import random_code
from storage.models import AuditLog, Invite, Member, Role, RosterEntry, Unit, pk, utcnow
from storage.people import INVITE_LENGTH

_CHUNK = 500  # ids and codes per IN (...): well under SQLite's parameter limit


class NewPerson(NamedTuple):
    name: str
    phone: str
    unit_id: int
    role: Role


class RosterRow(NamedTuple):
    entry: RosterEntry
    invite: Invite
    unit: Unit
    member: Member | None


class AuditRow(NamedTuple):
    log: AuditLog
    actor: Member
    unit: Unit


class Rosters:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def add_many(
        self, people: Sequence[NewPerson], *, expires_at: datetime, created_by: int | None
    ) -> list[int]:
        """A personal (one-use) invite and a roster entry per person, in bulk: two
        multi-row inserts and one lookup per chunk instead of a round trip per person.
        Returns the entries' ids, in the order given."""
        now = utcnow()
        codes = _unique_codes(len(people))
        invites = [
            {"code": code, "unit_id": p.unit_id, "role": p.role, "max_uses": 1, "used": 0,
             "expires_at": expires_at, "created_by": created_by, "created_at": now}
            for code, p in zip(codes, people, strict=True)
        ]  # fmt: skip
        await self.s.exec(insert(Invite.__table__), params=invites)  # type: ignore[attr-defined]
        invite_ids: dict[str, int] = {}
        for start in range(0, len(codes), _CHUNK):
            chunk = codes[start : start + _CHUNK]
            stmt = select(Invite.code, Invite.id).where(col(Invite.code).in_(chunk))
            invite_ids.update((code, i or 0) for code, i in (await self.s.exec(stmt)).all())
        entries = [
            {"name": p.name, "phone": p.phone, "unit_id": p.unit_id, "role": p.role,
             "invite_id": invite_ids[code], "created_by": created_by, "created_at": now}
            for code, p in zip(codes, people, strict=True)
        ]  # fmt: skip
        await self.s.exec(insert(RosterEntry.__table__), params=entries)  # type: ignore[attr-defined]
        wanted = [invite_ids[c] for c in codes]
        by_invite: dict[int, int] = {}
        for start in range(0, len(wanted), _CHUNK):
            ids = wanted[start : start + _CHUNK]
            stmt2 = select(RosterEntry.invite_id, RosterEntry.id).where(
                col(RosterEntry.invite_id).in_(ids)
            )
            by_invite.update((inv, i or 0) for inv, i in (await self.s.exec(stmt2)).all())
        return [by_invite[i] for i in wanted]

    async def in_subtree(self, scope: Unit, ids: Sequence[int] | None = None) -> list[RosterRow]:
        """The roster of a subtree (or only the entries `ids`), by unit path then entry."""
        stmt = (
            select(RosterEntry, Invite, Unit, Member)
            .join(Invite, col(Invite.id) == col(RosterEntry.invite_id))
            .join(Unit, col(Unit.id) == col(RosterEntry.unit_id))
            .join(Member, col(Member.id) == col(RosterEntry.member_id), isouter=True)
            .where(col(Unit.path).startswith(scope.path))
            .order_by(col(Unit.path), col(RosterEntry.id))
        )
        if ids is not None:
            stmt = stmt.where(col(RosterEntry.id).in_(list(ids)))
        return [RosterRow(*row) for row in (await self.s.exec(stmt)).all()]

    async def get(self, entry_id: int) -> RosterRow | None:
        stmt = (
            select(RosterEntry, Invite, Unit, Member)
            .join(Invite, col(Invite.id) == col(RosterEntry.invite_id))
            .join(Unit, col(Unit.id) == col(RosterEntry.unit_id))
            .join(Member, col(Member.id) == col(RosterEntry.member_id), isouter=True)
            .where(col(RosterEntry.id) == entry_id)
        )
        row = (await self.s.exec(stmt)).first()
        return RosterRow(*row) if row else None

    async def joined(self, invite_id: int, member_id: int) -> None:
        """The person of this invite's roster entry (if any) joined as this member."""
        stmt = (
            update(RosterEntry)
            .where(col(RosterEntry.invite_id) == invite_id)
            .values(member_id=member_id)
        )
        await self.s.exec(stmt)

    async def revoke(self, row: RosterRow, now: datetime) -> None:
        """The card stops working: its invite expires now."""
        row.invite.expires_at = now
        row.entry.revoked_at = now
        await self.s.flush()

    async def reissue(self, row: RosterRow, invite: Invite, now: datetime) -> None:
        """A new card: the old invite expires, the entry points at the new one."""
        row.invite.expires_at = now
        row.entry.invite_id = pk(invite)
        row.entry.revoked_at = None
        await self.s.flush()


def _unique_codes(count: int) -> list[str]:
    codes: set[str] = set()
    while len(codes) < count:  # 31^8 codes: a clash within one file is rare, but possible
        codes.add(random_code(INVITE_LENGTH))
    return list(codes)


async def audit_in_subtree(session: AsyncSession, scope: Unit, limit: int = 200) -> list[AuditRow]:
    """What the people of a subtree did (newest first): the admin above sees those below."""
    stmt = (
        select(AuditLog, Member, Unit)
        .join(Member, col(Member.id) == col(AuditLog.actor_id))
        .join(Unit, col(Unit.id) == col(Member.unit_id))
        .where(col(Unit.path).startswith(scope.path))
        .order_by(col(AuditLog.id).desc())
        .limit(limit)
    )
    return [AuditRow(*row) for row in (await session.exec(stmt)).all()]
