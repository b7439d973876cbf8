"""Units (the tree), members, their platform identities, and invites."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import bindparam, func, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import rollups
from storage.codes import random_code
from storage.models import (
    Chat,
    Entry,
    Identity,
    Invite,
    Level,
    LinkCode,
    Member,
    OaToken,
    Role,
    Unit,
    ids_on_path,
    pk,
)
from storage.tally import under

INVITE_LENGTH = 8


class UnitRow(NamedTuple):
    """A unit's place in the tree, without the ORM (for aggregating large subtrees)."""

    id: int
    parent_id: int | None
    level: Level
    path: str
    name: str


class Units:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def get(self, unit_id: int) -> Unit | None:
        return await self.s.get(Unit, unit_id)

    async def by_code(self, code: str) -> Unit | None:
        return (await self.s.exec(select(Unit).where(Unit.code == code))).first()

    async def by_codes(self, codes: Iterable[str]) -> dict[str, Unit]:
        """The units of these codes that exist, by code (one query per 500 codes)."""
        wanted, found = sorted(set(codes)), dict[str, Unit]()
        for start in range(0, len(wanted), 500):
            stmt = select(Unit).where(col(Unit.code).in_(wanted[start : start + 500]))
            found.update((u.code, u) for u in (await self.s.exec(stmt)).all())
        return found

    async def add(self, code: str, name: str, level: Level, parent: Unit | None = None) -> Unit:
        unit = Unit(code=code, name=name, level=level, parent_id=parent.id if parent else None)
        self.s.add(unit)
        await self.s.flush()
        unit.path = f"{parent.path if parent else '/'}{unit.id}/"
        await self.s.flush()
        return unit

    async def update(self, unit: Unit, *, name: str, level: Level, parent: Unit | None) -> Unit:
        """Rename, relevel or move a unit; a move carries its whole subtree along, and its
        roll-ups leave the old ancestors for the new ones (same transaction)."""
        if parent is not None and parent.path.startswith(unit.path):
            raise ValueError(f"{unit.code} cannot move under its own subtree ({parent.code})")
        await rollups.flush(self.s)  # this transaction's reports roll up along the old tree
        relevel = (unit.level is Level.village) != (level is Level.village)
        unit.name, unit.level = name, level
        if relevel:
            await self.s.flush()  # the new level first: see rollups.moved
            await rollups.relevelled(self.s, pk(unit), unit.path, level is Level.village)
        new_path = f"{parent.path if parent else '/'}{unit.id}/"
        if new_path != unit.path:
            old_path = unit.path
            stmt = (
                update(Unit)
                .where(col(Unit.path).startswith(old_path))
                .values(path=new_path + func.substr(col(Unit.path), len(old_path) + 1))
                .execution_options(synchronize_session=False)
            )
            await self.s.exec(stmt)
            await rollups.moved(self.s, pk(unit), old_path, new_path)
            unit.parent_id = parent.id if parent else None
            unit.path = new_path
        await self.s.flush()
        return unit

    async def subtree(self, unit: Unit) -> Sequence[Unit]:
        """The unit and everything under it, parents before children."""
        stmt = select(Unit).where(col(Unit.path).startswith(unit.path)).order_by(col(Unit.path))
        return (await self.s.exec(stmt)).all()

    async def subtree_rows(self, unit: Unit, level: Level | None = None) -> list[UnitRow]:
        """The subtree as plain rows (no ORM objects: a province has thousands of units);
        with `level`, only its units (a country has 3,321 communes: read those, not its
        100,000 villages)."""
        c = Unit.__table__.c  # type: ignore[attr-defined]  # Core columns: no ORM row loading
        stmt = sa_select(c.id, c.parent_id, c.level, c.path, c.name).where(under(unit))
        if level is not None:
            stmt = stmt.where(c.level == level)
        rows = (await self.s.exec(stmt.order_by(c.path))).all()  # type: ignore[call-overload]
        return [UnitRow(*row) for row in rows]

    async def by_ids(self, ids: Iterable[int]) -> dict[int, Unit]:
        wanted = list(ids)
        units: dict[int, Unit] = {}
        for chunk in range(0, len(wanted), 500):
            stmt = select(Unit).where(col(Unit.id).in_(wanted[chunk : chunk + 500]))
            units.update((pk(u), u) for u in (await self.s.exec(stmt)).all())
        return units

    async def roots(self) -> Sequence[Unit]:
        stmt = select(Unit).where(col(Unit.parent_id).is_(None)).order_by(col(Unit.code))
        return (await self.s.exec(stmt)).all()

    async def children(self, unit: Unit) -> Sequence[Unit]:
        stmt = select(Unit).where(Unit.parent_id == unit.id).order_by(Unit.name)
        return (await self.s.exec(stmt)).all()

    async def ancestors(self, unit: Unit) -> list[Unit]:
        """From the root down to the unit itself."""
        ids = ids_on_path(unit.path)
        rows = (await self.s.exec(select(Unit).where(col(Unit.id).in_(ids)))).all()
        by_id = {u.id: u for u in rows}
        return [by_id[i] for i in ids if i in by_id]

    async def count(self) -> int:
        return (await self.s.exec(select(func.count()).select_from(Unit))).one()


_LOOKUP = (
    select(Identity, Member, Unit)
    .join(Member, col(Member.id) == col(Identity.member_id), isouter=True)
    .join(Unit, col(Unit.id) == col(Member.unit_id), isouter=True)
    .where(col(Identity.platform) == bindparam("platform"))
    .where(col(Identity.user_id) == bindparam("user_id"))
)


class Members:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def get(self, member_id: int) -> Member | None:
        return await self.s.get(Member, member_id)

    async def add(self, name: str, unit: Unit, role: Role = Role.member) -> Member:
        assert unit.id is not None
        member = Member(name=name, unit_id=unit.id, role=role)
        self.s.add(member)
        await self.s.flush()
        return member

    async def by_identity(self, platform: str, user_id: str) -> Member | None:
        stmt = (
            select(Member)
            .join(Identity, col(Identity.member_id) == col(Member.id))
            .where(Identity.platform == platform, Identity.user_id == user_id)
        )
        return (await self.s.exec(stmt)).first()

    async def lookup(
        self, platform: str, user_id: str
    ) -> tuple[Identity, Member | None, Unit | None] | None:
        """The account, its member and the member's unit, in one query (every update asks)."""
        params = {"platform": platform, "user_id": user_id}
        row = (await self.s.exec(_LOOKUP, params=params)).first()
        return (row[0], row[1], row[2]) if row else None

    async def identity(self, platform: str, user_id: str) -> Identity | None:
        stmt = select(Identity).where(Identity.platform == platform, Identity.user_id == user_id)
        return (await self.s.exec(stmt)).first()

    async def link(
        self, member: Member, platform: str, user_id: str, display_name: str = ""
    ) -> Identity:
        assert member.id is not None
        ident = Identity(
            member_id=member.id, platform=platform, user_id=user_id, display_name=display_name
        )
        self.s.add(ident)
        await self.s.flush()
        return ident

    async def identities(self, member_id: int) -> Sequence[Identity]:
        stmt = select(Identity).where(Identity.member_id == member_id).order_by(col(Identity.id))
        return (await self.s.exec(stmt)).all()

    async def in_subtree(self, scope: Unit) -> list[tuple[Member, Unit]]:
        """Everyone in a subtree with their unit, by unit path then name."""
        stmt = (
            select(Member, Unit)
            .join(Unit, col(Unit.id) == col(Member.unit_id))
            .where(col(Unit.path).startswith(scope.path))
            .order_by(col(Unit.path), col(Member.name))
        )
        return [(m, u) for m, u in (await self.s.exec(stmt)).all()]

    async def last_seen(self, platform: str, chat_id: str) -> datetime | None:
        """When the person behind a private chat last wrote to the bot."""
        stmt = select(Identity.last_seen_at).where(
            Identity.platform == platform, Identity.private_chat_id == chat_id
        )
        return (await self.s.exec(stmt)).first()

    async def private_chats(self, member_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
        """member id -> (platform, chat id) of their first identity with a private chat."""
        chats: dict[int, tuple[str, str]] = {}
        ids = list(member_ids)
        for start in range(0, len(ids), 500):  # stay under the database's parameter limit
            stmt = (
                select(Identity)
                .where(col(Identity.member_id).in_(ids[start : start + 500]))
                .where(col(Identity.private_chat_id).is_not(None))
                .order_by(col(Identity.id))
            )
            for ident in (await self.s.exec(stmt)).all():
                chats.setdefault(ident.member_id, (ident.platform, ident.private_chat_id or ""))
        return chats

    async def chat_roles(
        self, member_ids: Sequence[int] | None = None, platform: str | None = None
    ) -> list[tuple[str, str, Role]]:
        """(platform, private chat id, role) of active members: those given, or (None)
        everyone above a plain member. What each chat's command menu should show."""
        stmt = (
            select(Identity.platform, Identity.private_chat_id, Member.role)
            .join(Member, col(Member.id) == col(Identity.member_id))
            .where(col(Identity.private_chat_id).is_not(None), col(Member.active))
            .order_by(col(Identity.id))
        )
        if platform is not None:
            stmt = stmt.where(Identity.platform == platform)
        if member_ids is None:
            stmt = stmt.where(Member.role != Role.member)
        else:
            stmt = stmt.where(col(Member.id).in_(list(member_ids)))
        return [(p, chat or "", Role(role)) for p, chat, role in (await self.s.exec(stmt)).all()]

    async def with_roles(
        self, roles: Sequence[Role], scope: Unit | None = None
    ) -> list[tuple[Member, Unit]]:
        """Active members holding one of the roles (in a subtree), with their units."""
        stmt = (
            select(Member, Unit)
            .join(Unit, col(Unit.id) == col(Member.unit_id))
            .where(col(Member.role).in_(list(roles)), col(Member.active))
            .order_by(col(Member.id))
        )
        if scope is not None:
            stmt = stmt.where(col(Unit.path).startswith(scope.path))
        return [(m, u) for m, u in (await self.s.exec(stmt)).all()]

    async def set_absent(self, member: Member, until: date | None) -> None:
        member.absent_until = until
        await self.s.flush()

    async def set_active(self, member: Member, active: bool) -> None:
        """Lock (False) or unlock a member; their entries stay as they are."""
        member.active = active
        await self.s.flush()

    async def set_role(self, member: Member, role: Role) -> None:
        member.role = role
        await self.s.flush()

    async def place(self, member: Member, unit: Unit, role: Role) -> None:
        """Move a member to a unit with a role, active (an invite used by a member).
        Entries stay with the unit they were reported for."""
        assert unit.id is not None
        member.unit_id, member.role, member.active = unit.id, role, True
        await self.s.flush()

    async def active_counts(self) -> dict[int, int]:
        """Active members per unit id (the unit itself, not its subtree)."""
        stmt = (
            select(Member.unit_id, func.count()).where(Member.active).group_by(col(Member.unit_id))
        )
        return {unit_id: int(n) for unit_id, n in (await self.s.exec(stmt)).all()}

    async def all(self) -> Sequence[Member]:
        return (await self.s.exec(select(Member).order_by(col(Member.id)))).all()


class Invites:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def create(
        self,
        unit_id: int,
        role: Role,
        *,
        expires_at: datetime | None,
        max_uses: int | None = None,
        created_by: int | None = None,
    ) -> Invite:
        """A new invite with an unguessable code (8 of 31 letters and digits: ~10^12)."""
        code = random_code(INVITE_LENGTH)
        invite = Invite(
            code=code,
            unit_id=unit_id,
            role=role,
            expires_at=expires_at,
            max_uses=max_uses,
            created_by=created_by,
        )
        self.s.add(invite)
        await self.s.flush()
        return invite

    async def by_code(self, code: str) -> Invite | None:
        return (await self.s.exec(select(Invite).where(Invite.code == code))).first()

    async def use(self, invite: Invite, now: datetime) -> bool:
        """Count one use, atomically; False when the invite is used up or expired."""
        stmt = (
            update(Invite)
            .where(col(Invite.id) == invite.id)
            .where((col(Invite.max_uses).is_(None)) | (col(Invite.used) < col(Invite.max_uses)))
            .where((col(Invite.expires_at).is_(None)) | (col(Invite.expires_at) > now))
            .values(used=col(Invite.used) + 1)
        )
        result = await self.s.exec(stmt)
        return bool(result.rowcount)

    async def active(self, now: datetime) -> list[tuple[Invite, Unit]]:
        """Invites that can still be used, with their units."""
        stmt = (
            select(Invite, Unit)
            .join(Unit, col(Unit.id) == col(Invite.unit_id))
            .where((col(Invite.expires_at).is_(None)) | (col(Invite.expires_at) > now))
            .where((col(Invite.max_uses).is_(None)) | (col(Invite.used) < col(Invite.max_uses)))
            .order_by(col(Invite.id))
        )
        return [(invite, unit) for invite, unit in (await self.s.exec(stmt)).all()]


class Chats:
    """Group chats bound to units: where tallies and notices go."""

    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def find(self, platform: str, chat_id: str) -> Chat | None:
        stmt = select(Chat).where(Chat.platform == platform, Chat.chat_id == chat_id)
        return (await self.s.exec(stmt)).first()

    async def bind(
        self, platform: str, chat_id: str, unit: Unit, *, title: str, by: int | None
    ) -> Chat:
        stmt = select(Chat).where(Chat.platform == platform, Chat.chat_id == chat_id)
        chat = (await self.s.exec(stmt)).first()
        if chat is None:
            chat = Chat(platform=platform, chat_id=chat_id)
            self.s.add(chat)
        chat.unit_id, chat.title, chat.bound_by = unit.id, title[:200], by
        await self.s.flush()
        return chat

    async def bound(self, scope: Unit | None = None) -> list[tuple[Chat, Unit]]:
        stmt = (
            select(Chat, Unit).join(Unit, col(Unit.id) == col(Chat.unit_id)).order_by(col(Chat.id))
        )
        if scope is not None:
            stmt = stmt.where(col(Unit.path).startswith(scope.path))
        return [(c, u) for c, u in (await self.s.exec(stmt)).all()]


class Links:
    """One person, two apps: one-time codes and the merge they allow."""

    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def create(self, member_id: int, platform: str, expires_at: datetime) -> str:
        link = LinkCode(
            code=random_code(6), member_id=member_id, platform=platform, expires_at=expires_at
        )
        self.s.add(link)
        await self.s.flush()
        return link.code

    async def use(self, code: str, now: datetime) -> LinkCode | None:
        """The unexpired, unused code (now used), or None."""
        stmt = (
            update(LinkCode)
            .where(col(LinkCode.code) == code, col(LinkCode.used_at).is_(None))
            .where(col(LinkCode.expires_at) > now)
            .values(used_at=now)
        )
        if not (await self.s.exec(stmt)).rowcount:
            return None
        return await self.s.get(LinkCode, code)

    async def merge(self, into: Member, other: Member) -> None:
        """Everything of `other` (identities, entries) becomes `into`'s; `other` is retired."""
        for model in (Identity, Entry):
            stmt = update(model).where(col(model.member_id) == other.id).values(member_id=into.id)
            await self.s.exec(stmt)
        other.active = False
        await self.s.flush()


class OaTokens:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    async def get(self, app_id: str) -> OaToken | None:
        return await self.s.get(OaToken, app_id)

    async def save(self, app_id: str, access: str, refresh: str, expires_at: datetime) -> None:
        """Store a new pair (and end any refresh lease)."""
        token = await self.s.get(OaToken, app_id)
        if token is None:
            token = OaToken(app_id=app_id, refresh_token=refresh, expires_at=expires_at)
            self.s.add(token)
        token.access_token, token.refresh_token, token.expires_at = access, refresh, expires_at
        token.refreshing_until = None
        await self.s.flush()

    async def lease_refresh(
        self, app_id: str, refresh: str, now: datetime, until: datetime
    ) -> bool:
        """Take the refresh of this refresh token, unless another holder's lease runs (a
        compare-and-swap on the row: of two processes asking at once, one gets True)."""
        stmt = (
            update(OaToken)
            .where(col(OaToken.app_id) == app_id, col(OaToken.refresh_token) == refresh)
            .where(
                or_(col(OaToken.refreshing_until).is_(None), col(OaToken.refreshing_until) <= now)
            )
            .values(refreshing_until=until)
        )
        result = await self.s.exec(stmt)
        self.s.expire_all()  # the row changed under the session's objects
        return bool(result.rowcount)

    async def end_lease(self, app_id: str) -> None:
        stmt = update(OaToken).where(col(OaToken.app_id) == app_id).values(refreshing_until=None)
        await self.s.exec(stmt)
