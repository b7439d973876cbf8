"""The operations pages' neutral side (groups, outbox, notices, API tokens), for leaders of
communes and above, each inside their own subtree. Notices take the very path of
`/thongbao` (handlers.notices: the draft, its confirmation, `/huythongbao`); unit checks
are the chat's (`progress.unit_arg`, `permissions.inside`); every change is audited."""

from __future__ import annotations

from dataclasses import dataclass, field

from handlers import notices, texts_safety
from handlers import texts_api as texts_ops
from handlers.api import create_token, revoke_token
from handlers.context import Ctx, UserError
from handlers.outbound import PLATFORM as WEBHOOK
from handlers.permissions import RANK, at_least, inside, require_role
from handlers.progress import unit_arg
from handlers.registry import BY_NAME
from handlers.web import Forbidden, NotFound, Viewer, WebApp
from storage import operations as ops
from storage.api import ApiTokens
from storage.collation import vn_key
from storage.models import ApiToken, AuditAction, Broadcast, Chat, OutboxMessage, Role, Unit, pk
from storage.store import Store

ADMIN = BY_NAME["thongbao"].min_role  # who runs a subtree: the role that may send notices


@dataclass(frozen=True)
class Group:
    chat: Chat
    unit: Unit


@dataclass(frozen=True)
class OutboxView:
    counts: dict[str, int]  # the whole queue, by status (numbers only)
    troubled: list[OutboxMessage]  # dead or retrying, to recipients inside the subtree


@dataclass(frozen=True)
class Preview:
    broadcast: Broadcast
    people: int
    groups: int
    per_unit: list[tuple[Unit, int, int]]  # (child unit, people, groups)
    html: str  # the chat's own preview


@dataclass
class Progress:
    broadcast: Broadcast
    counts: dict[str, int] = field(default_factory=dict)
    latest: bool = False  # the author's latest notice still sending: it can be stopped

    @property
    def sent(self) -> int:
        return self.counts.get("sent", 0)

    @property
    def waiting(self) -> int:
        return self.counts.get("pending", 0) + self.counts.get("sending", 0)

    @property
    def failed(self) -> int:
        return self.counts.get("dead", 0) + self.counts.get("undeliverable", 0)


class Operations:
    def __init__(self, webapp: WebApp) -> None:
        self.web = webapp

    def _admin(self, store: Store, viewer: Viewer, needed: Role = ADMIN) -> Ctx:
        ctx = self.web._ctx(store, viewer)  # the web app's own context
        try:
            require_role(ctx, needed)
        except UserError as err:
            raise Forbidden(err.html) from err
        return ctx

    # --- groups ---------------------------------------------------------------------

    async def groups(self, viewer: Viewer) -> list[Group]:
        async with self.web.db.reading() as store:
            self._admin(store, viewer)
            return [Group(c, u) for c, u in await store.chats.bound(viewer.unit)]

    async def unbind(self, viewer: Viewer, chat_pk: int) -> str:
        async with self.web.db.transaction() as store:
            self._admin(store, viewer)
            chat = await store.session.get(Chat, chat_pk)
            unit = await store.units.get(chat.unit_id) if chat and chat.unit_id else None
            if chat is None or unit is None:
                raise NotFound(str(chat_pk))
            if not inside(unit, viewer.unit):
                raise Forbidden(texts_ops.group_outside(unit.name))
            await _may_unbind(store, viewer, chat, unit)
            await ops.unbind(store.session, chat)
            detail = f"{chat.platform}:{chat.chat_id} was {unit.code}"
            await store.audit(viewer.member.id, AuditAction.unbind, detail)
            await store.commit()
            return texts_ops.unbound(chat.title, unit.name)

    # --- outbox ---------------------------------------------------------------------

    async def _recipients(self, store: Store, scope: Unit, member: Role) -> set[tuple[str, str]]:
        """The chats of a subtree: its members' private chats and its bound groups (and the
        outbound webhook, for a province's admin)."""
        people = await store.members.in_subtree(scope)
        chats = set((await store.members.private_chats([pk(m) for m, _ in people])).values())
        chats |= {(c.platform, c.chat_id) for c, _ in await store.chats.bound(scope)}
        if at_least(member, Role.province_admin):
            chats.add((WEBHOOK, "signoff"))
        return chats

    async def outbox(self, viewer: Viewer) -> OutboxView:
        async with self.web.db.reading() as store:
            self._admin(store, viewer)
            mine = await self._recipients(store, viewer.unit, viewer.member.role)
            rows = [m for m in await ops.troubled(store.session) if (m.platform, m.chat_id) in mine]
            return OutboxView(await store.outbox.counts(), rows)

    async def retry(self, viewer: Viewer, message_id: int) -> str:
        async with self.web.db.transaction() as store:
            self._admin(store, viewer)
            row = await store.session.get(OutboxMessage, message_id)
            if row is None:
                raise NotFound(str(message_id))
            mine = await self._recipients(store, viewer.unit, viewer.member.role)
            if (row.platform, row.chat_id) not in mine:
                raise Forbidden(texts_ops.MESSAGE_OUTSIDE)
            if not await ops.retry_one(store.session, message_id, self.web.clock()):
                return texts_ops.NOT_DEAD
            await store.audit(viewer.member.id, AuditAction.outbox_retry, f"{message_id} {row.key}")
            await store.commit()
            return texts_ops.RETRIED

    # --- notices (the path of /thongbao) --------------------------------------------

    async def preview(self, viewer: Viewer, text: str) -> Preview:
        """A draft, as `/thongbao TEXT` makes it, with who receives it per unit below."""
        async with self.web.db.transaction() as store:
            ctx = self._admin(store, viewer)
            reply = await notices.notice(ctx, text)  # refusals (empty, too long) raise
            draft = await ops.latest_draft(store.session, pk(viewer.member))
            assert draft is not None
            per_unit, people, groups = await _per_unit(store, viewer.unit)
            await store.commit()
            return Preview(draft, people, groups, per_unit, reply.html)

    async def confirm(self, viewer: Viewer, broadcast_id: int, send: bool) -> str:
        async with self.web.db.transaction() as store:
            ctx = self._admin(store, viewer)
            await self._notice_inside(store, viewer, broadcast_id)
            reply = await notices.confirm(ctx, f"bcast:{'ok' if send else 'no'}:{broadcast_id}")
            await store.commit()
            return reply.html

    async def _notice_inside(self, store: Store, viewer: Viewer, broadcast_id: int) -> Broadcast:
        found = await store.broadcasts.get(broadcast_id)
        unit = await store.units.get(found.unit_id) if found else None
        if found is None or unit is None:
            raise NotFound(str(broadcast_id))
        if not inside(unit, viewer.unit):
            raise Forbidden(texts_ops.NOTICE_OUTSIDE)
        return found

    async def progress(self, viewer: Viewer, broadcast_id: int) -> Progress:
        async with self.web.db.reading() as store:
            self._admin(store, viewer)
            found = await self._notice_inside(store, viewer, broadcast_id)
            latest = await store.broadcasts.latest_sending(pk(viewer.member))
            counts = await store.outbox.counts(broadcast_id)
            return Progress(found, counts, latest is not None and latest.id == found.id)

    async def stop(self, viewer: Viewer, broadcast_id: int) -> str:
        """`/huythongbao`, which stops the author's latest notice: this page's, or none."""
        async with self.web.db.transaction() as store:
            ctx = self._admin(store, viewer)
            latest = await store.broadcasts.latest_sending(pk(viewer.member))
            if latest is None or latest.id != broadcast_id:
                raise Forbidden(texts_ops.NOT_STOPPABLE)
            reply = await notices.stop_notice(ctx, "")
            await store.commit()
            return reply.html

    async def mine(self, viewer: Viewer) -> list[Progress]:
        async with self.web.db.reading() as store:
            self._admin(store, viewer)
            found = await store.broadcasts.by_author(pk(viewer.member))
            return [Progress(b, await store.outbox.counts(b.id)) for b in found]

    # --- API tokens -----------------------------------------------------------------

    async def tokens(self, viewer: Viewer) -> list[tuple[ApiToken, Unit]]:
        async with self.web.db.reading() as store:
            self._admin(store, viewer)
            return await ApiTokens(store.session).in_subtree(viewer.unit)

    async def create_token(self, viewer: Viewer, code: str, name: str) -> tuple[str, Unit]:
        """A token for a unit of my subtree (the chat's own unit check): shown once."""
        async with self.web.db.transaction() as store:
            ctx = self._admin(store, viewer)
            try:
                unit = await unit_arg(ctx, code)
            except UserError as err:
                raise Forbidden(err.html) from err
            try:
                token = await create_token(store, unit, name, viewer.member.id, ctx.now)
            except ValueError as err:
                raise UserError(str(err)) from err
            await store.commit()
            return token, unit

    async def revoke_token(self, viewer: Viewer, number: int) -> str:
        async with self.web.db.transaction() as store:
            ctx = self._admin(store, viewer)
            try:
                await revoke_token(store, viewer.unit, number, viewer.member.id, ctx.now)
            except ValueError as err:
                raise Forbidden(str(err)) from err
            await store.commit()
            return texts_ops.token_revoked(number)


async def _may_unbind(store: Store, viewer: Viewer, chat: Chat, unit: Unit) -> None:
    """The rule of `/ganhom` for moving a bound group (handlers.notices): its binder, or
    someone of a higher role (a locked binder's peers too); anyone responsible for the unit
    when no binder is recorded."""
    binder = await store.members.get(chat.bound_by) if chat.bound_by else None
    me = viewer.member
    if binder is None or binder.id == me.id:
        return
    if RANK[me.role] > RANK[binder.role] - (0 if binder.active else 1):
        return
    raise Forbidden(texts_safety.bind_taken(unit.name, binder.name, binder.role))


async def _per_unit(store: Store, scope: Unit) -> tuple[list[tuple[Unit, int, int]], int, int]:
    """Recipients per direct child of the scope (the scope itself for its own members):
    people with a private chat, and bound groups; and the totals without duplicates."""
    people = [(m, u) for m, u in await store.members.in_subtree(scope) if m.active]
    chats = await store.members.private_chats([pk(m) for m, _ in people])
    groups = await store.chats.bound(scope)
    children = {u.id: u for u in await store.units.children(scope)} if scope.id else {}
    counts: dict[int, list[int]] = {}

    def child_of(unit: Unit) -> int:
        below = [int(p) for p in unit.path[len(scope.path) :].split("/") if p]
        return below[0] if below and below[0] in children else pk(scope)

    for member, unit in people:
        if member.id in chats:
            counts.setdefault(child_of(unit), [0, 0])[0] += 1
    for _, unit in groups:
        counts.setdefault(child_of(unit), [0, 0])[1] += 1
    units = {pk(scope): scope, **{k or 0: v for k, v in children.items()}}
    rows = [(units[k], n[0], n[1]) for k, n in counts.items()]
    rows.sort(key=lambda r: (r[0].id != scope.id, vn_key(r[0].name)))
    total_people = len(set(chats.values()))
    total_groups = len({(c.platform, c.chat_id) for c, _ in groups})
    return rows, total_people, total_groups
