"""Rosters on the web: a file of people (name, phone, village code, role) checked line by
line, a personal one-use invite for each, the printable pack of their cards, who joined,
and the admin's actions on a card (revoke, re-issue) or a member (lock, unlock, role) —
the member actions through the chat's own handlers (`/khoa`, `/mokhoa`, `/vaitro`)."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from datetime import timedelta

from handlers import team
from handlers import texts_admin as say
from handlers.admin import ADMIN_ROLE, AdminApp, Table, _line_errors, audit_detail
from handlers.context import UserError
from handlers.folding import fold
from handlers.invite_pack import Card, pack_pdf, pack_xlsx
from handlers.permissions import RANK, inside, require_may_give, require_role, role_named
from handlers.qr import invite_link
from handlers.web import Done, Forbidden, NotFound, Viewer
from storage.cleaning import clean_name
from storage.models import AuditAction, Level, Member, Role, Unit, pk
from storage.roster import NewPerson, RosterRow
from storage.store import Store

ROSTER_INVITE_DAYS = 60
NAME_MAX = 80
HEADERS = {  # folded header -> column
    "name": "name", "ho ten": "name", "ho va ten": "name", "ten": "name",
    "phone": "phone", "dien thoai": "phone", "so dien thoai": "phone", "sdt": "phone",
    "village_code": "village", "village": "village", "ma thon": "village", "unit": "village",
    "thon": "village", "role": "role", "vai tro": "role",
}  # fmt: skip
_PHONE = re.compile(r"^0\d{9}$")

# The card actions of the roster page and what the audit calls them.
_AUDITED = {"revoke": AuditAction.admin_revoke, "reissue": AuditAction.admin_reissue}


@dataclass
class RosterPlan:
    people: list[NewPerson] = field(default_factory=list)
    units: dict[int, Unit] = field(default_factory=dict)
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def error_lines(self) -> list[str]:
        return _line_errors(self.errors)


PAGE_SIZE = 100
STATUSES = ("joined", "waiting", "revoked")
OTHERS = "others"  # members who joined another way (/moi, the CLI): managed here too


@dataclass(frozen=True)
class RosterPage:
    scope: Unit
    rows: list[RosterRow]  # this page's, of the status asked for
    counts: dict[str, int]  # the whole subtree's, by status
    status: str  # "" for all
    page: int
    pages: int
    others: list[tuple[Member, Unit]] = field(default_factory=list)  # status "others" only

    def count(self, status: str) -> int:
        return self.counts.get(status, 0)


def _pages(count: int, page: int) -> tuple[int, int]:
    """(number of pages, the page asked for within them)."""
    pages = max(1, -(-count // PAGE_SIZE))
    return pages, min(max(page, 1), pages)


def status_of(row: RosterRow) -> str:
    """joined, revoked or waiting (a card not used yet)."""
    if row.member is not None:
        return "joined"
    return "revoked" if row.entry.revoked_at is not None else "waiting"


def _phone(text: str) -> str | None:
    digits = re.sub(r"[\s.\-()]", "", text)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    elif len(digits) == 9 and digits.isdigit() and digits[0] != "0":
        digits = "0" + digits  # typed into Excel as a number: the leading 0 was dropped
    return digits if _PHONE.match(digits) else None


def _cells(cells: dict[str, str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for header, value in cells.items():
        column = HEADERS.get(fold(header).replace("_", " ").strip()) or HEADERS.get(header)
        if column:
            found.setdefault(column, value)
    return found


async def plan_roster(store: Store, scope: Unit, my_role: Role, table: Table) -> RosterPlan:
    plan = RosterPlan()
    seen: dict[tuple[str, int, str], int] = {}
    by_code: dict[str, Unit | None] = {}
    if not table:
        plan.errors.append((1, say.ROSTER_EMPTY))
    for line, raw in table:
        cells = _cells(raw)
        name = clean_name(cells.get("name", ""))
        code = clean_name(cells.get("village", ""))
        phone_text = clean_name(cells.get("phone", ""))
        role_text = clean_name(cells.get("role", "")) or Role.member.value
        if not name:
            plan.errors.append((line, say.ROSTER_NAME_NEEDED))
            continue
        if len(name) > NAME_MAX:
            plan.errors.append((line, say.ROSTER_NAME_LONG))
            continue
        if not code:
            plan.errors.append((line, say.ROSTER_UNIT_NEEDED))
            continue
        if code not in by_code:
            by_code[code] = await store.units.by_code(code)
        unit = by_code[code]
        phone = _phone(phone_text) if phone_text else ""
        role = role_named(role_text)
        if unit is None:
            plan.errors.append((line, say.roster_no_unit(code)))
        elif not inside(unit, scope):
            plan.errors.append((line, say.unit_outside(code)))
        elif unit.level is not Level.village:
            plan.errors.append((line, say.roster_not_village(code)))
        elif phone is None:
            plan.errors.append((line, say.roster_bad_phone(phone_text)))
        elif role is None:
            plan.errors.append((line, say.roster_bad_role(role_text)))
        elif RANK[role] > RANK[my_role]:
            plan.errors.append((line, say.roster_role_too_high(role)))
        elif (key := (fold(name), pk(unit), phone)) in seen:
            plan.errors.append((line, say.roster_repeats(seen[key])))
        else:
            seen[key] = line
            plan.units[pk(unit)] = unit
            plan.people.append(NewPerson(name, phone, pk(unit), role))
    return plan


class RosterApp(AdminApp):
    def __init__(self, *args: object, bot_username: str | None = None, **kw: object) -> None:
        super().__init__(*args, **kw)  # type: ignore[arg-type]
        self.bot_username = bot_username

    def link(self, code: str) -> str:
        return invite_link(self.bot_username, code)

    async def upload_roster(
        self, viewer: Viewer, code: str, table: Table, *, apply: bool
    ) -> tuple[RosterPlan, list[int]]:
        """A roster file: checked (a dry run keeps nothing), or a card for every row."""
        if not apply:
            async with self.db.reading() as store:
                scope = await self._scope(self._ctx(store, viewer), code)
                return await plan_roster(store, scope, viewer.member.role, table), []
        async with self.db.transaction() as store:
            ctx = self._ctx(store, viewer)
            scope = await self._scope(ctx, code)
            plan = await plan_roster(store, scope, viewer.member.role, table)
            if plan.errors:
                return plan, []
            ids = await store.rosters.add_many(
                plan.people,
                expires_at=ctx.now + timedelta(days=ROSTER_INVITE_DAYS),
                created_by=viewer.member.id,
            )
            after = {"entries": len(ids), "first": ids[0], "last": ids[-1]}
            detail = audit_detail(scope.code, None, after)
            await store.audit(viewer.member.id, AuditAction.admin_roster, detail)
            await store.commit()
            return plan, ids

    async def roster(
        self, viewer: Viewer, code: str, status: str = "", page: int = 1
    ) -> RosterPage:
        """Who joined and who has not, a page of 100 at a time, optionally of one status."""
        async with self.db.reading() as store:
            scope = await self._scope(self._ctx(store, viewer), code)
            rows = await store.rosters.in_subtree(scope)
            carded = {r.member.id for r in rows if r.member is not None}
            others = [(m, u) for m, u in await store.members.in_subtree(scope)
                      if m.id not in carded and m.id != viewer.member.id]  # fmt: skip
        counts = {s: 0 for s in STATUSES} | {OTHERS: len(others)}
        for row in rows:
            counts[status_of(row)] += 1
        if status == OTHERS:
            pages, page = _pages(len(others), page)
            shown_others = others[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
            return RosterPage(scope, [], counts, OTHERS, page, pages, shown_others)
        if status in STATUSES:
            rows = [r for r in rows if status_of(r) == status]
        pages, page = _pages(len(rows), page)
        shown = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        return RosterPage(scope, shown, counts, status if status in STATUSES else "", page, pages)

    async def pack(self, viewer: Viewer, code: str, kind: str) -> tuple[str, bytes]:
        """The cards not yet used in a subtree: (file name, PDF or XLSX). Audited."""
        async with self.db.transaction() as store:
            scope = await self._scope(self._ctx(store, viewer), code)
            rows = [r for r in await store.rosters.in_subtree(scope) if status_of(r) == "waiting"]
            await store.audit(
                viewer.member.id, AuditAction.admin_pack, audit_detail(scope.code, None, len(rows))
            )
            await store.commit()
        cards = [
            Card(r.entry.name, r.entry.phone, r.unit.name, r.unit.code, r.entry.role.value,
                 r.invite.code, self.link(r.invite.code))
            for r in rows
        ]  # fmt: skip
        name = f"the-moi-{scope.code}"
        if kind == "pdf":  # ~8 ms a card: built off the event loop, the bot keeps answering
            title = f"{say.PACK_SHEET} {scope.name}"
            return f"{name}.pdf", await asyncio.to_thread(pack_pdf, cards, title)
        if kind == "xlsx":
            return f"{name}.xlsx", pack_xlsx(cards)
        raise NotFound(kind)

    async def card_action(self, viewer: Viewer, entry_id: int, action: str) -> str:
        """Revoke or re-issue one card of my subtree, of a role I may give."""
        async with self.db.transaction() as store:
            ctx = self._ctx(store, viewer)
            try:
                require_role(ctx, ADMIN_ROLE)
            except UserError as err:
                raise Forbidden(err.html) from err
            row = await store.rosters.get(entry_id)
            if row is None:
                raise NotFound(str(entry_id))
            if not inside(row.unit, viewer.unit):
                raise Forbidden(say.unit_outside(row.unit.code))
            try:
                require_may_give(ctx, row.entry.role)
            except UserError as err:
                raise Forbidden(err.html) from err
            if row.member is not None:
                return say.ALREADY_JOINED
            before = {"invite": row.invite.code}
            if action == "revoke":
                await store.rosters.revoke(row, ctx.now)
                done, after = say.revoked(row.entry.name), None
            elif action == "reissue":
                invite = await store.invites.create(
                    pk(row.unit), row.entry.role, max_uses=1, created_by=viewer.member.id,
                    expires_at=ctx.now + timedelta(days=ROSTER_INVITE_DAYS),
                )  # fmt: skip
                await store.rosters.reissue(row, invite, ctx.now)
                done, after = say.reissued(row.entry.name, invite.code), {"invite": invite.code}
            else:
                raise NotFound(action)
            detail = audit_detail(row.unit.code, before, after)
            await store.audit(viewer.member.id, _AUDITED[action], detail)
            await store.commit()
            return done

    async def member_action(
        self, viewer: Viewer, member_id: int, action: str, role: str, nonce: str
    ) -> Done:
        """Lock, unlock or give a role: the chat's own commands, with every check they make."""
        match action:
            case "lock":
                return await self._act(viewer, nonce, team.confirm_lock, f"lock:ok:{member_id}")
            case "unlock":
                return await self._act(viewer, nonce, team.reactivate, str(member_id))
            case "role":
                return await self._act(viewer, nonce, team.change_role, f"{member_id} {role}")
        raise NotFound(action)
