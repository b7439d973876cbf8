"""The web app's neutral side: sign-in, and every page's data and action through the same
handlers, queries and permission checks as the chat commands (never a second path).

A web request is one transaction, like one chat update. The person is the member of the
session; a page about a unit asks `progress.unit_arg` (the chat's own check) whether the
unit is inside their subtree.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from handlers import nudge, progress, report, signoff_view, texts_web
from handlers.context import Ctx, IndicatorCache, UserError
from handlers.export import export_unit
from handlers.permissions import at_least, require_role
from handlers.types import Clock, Incoming, Reply, Rules
from reminders.calendar import Period, month_of, parse_period, week_of
from reminders.progress import UnitProgress, tally_view
from storage.db import Database
from storage.models import AuditAction, Broadcast, Entry, Level, Member, Role, Unit, pk
from storage.store import Store

PLATFORM = "web"
Handler = Callable[[Ctx, str], Awaitable[Reply]]


class NotFound(Exception):
    """No such unit (or receipt): the page answers 404."""


class Forbidden(Exception):
    """Outside the person's role or subtree: the page answers 403 with the chat's reason."""

    def __init__(self, html: str) -> None:
        super().__init__(html)
        self.html = html


@dataclass(frozen=True)
class Viewer:
    member: Member
    unit: Unit
    csrf: str

    @property
    def is_leader(self) -> bool:
        return at_least(self.member.role, Role.village_lead)


@dataclass(frozen=True)
class Done:
    """What a form post did: the chat's own answer, and whether it was refused."""

    reply: Reply
    refused: bool = False


@dataclass(frozen=True)
class Receipt:
    code: str
    day: date
    counts: dict[str, int]
    cancelled: bool


@dataclass(frozen=True)
class MemberHome:
    labels: dict[str, str]  # indicator code -> label, in display order
    today: date
    earliest: date  # the first day still open for reports
    receipts: list[Receipt]
    village: UnitProgress


@dataclass(frozen=True)
class Dashboard:
    scope: Unit
    period_key: str
    labels: dict[str, str]
    top: UnitProgress
    children: list[UnitProgress]
    missing: list[Unit]
    chain: list[Unit]  # from the person's own unit down to the scope (for the way back)
    weeks: list[Week]  # the last 12 weeks, oldest first
    people: list[Person]  # a village's members (empty above villages)
    notices: list[Notice]  # the viewer's own broadcasts, newest first
    signoff: signoff_view.Badge | None = None  # the month's sign-off and on-time rate
    declared: list[Unit] = field(default_factory=list)  # villages "không phát sinh", by name


@dataclass(frozen=True)
class Person:
    member: Member
    counts: dict[str, int]  # this month
    last_day: date | None


@dataclass(frozen=True)
class Notice:
    broadcast: Broadcast
    sent: int
    waiting: int
    failed: int


@dataclass(frozen=True)
class Week:
    start: date
    counts: dict[str, int]

    def height(self, code: str, peak: int, full: int = 100) -> int:
        return round(full * self.counts.get(code, 0) / peak) if peak else 0


async def web_link(ctx: Ctx, _args: str) -> Reply:
    """`/web`: a link that signs this person in once, for a few minutes."""
    member, _ = ctx.me()
    minutes = ctx.rules.web_link_minutes
    token = await ctx.store.web.issue_ticket(pk(member), ctx.now + timedelta(minutes=minutes))
    url = f"{ctx.rules.web_base_url.rstrip('/')}/web/login/{token}"
    await ctx.store.audit(member.id, AuditAction.web_link)
    return Reply(texts_web.login_link(url, minutes))


class WebApp:
    def __init__(
        self,
        db: Database,
        *,
        clock: Clock,
        rules: Rules,
        cache: IndicatorCache,
        session_hours: int = 12,
    ) -> None:
        self.db, self.clock, self.rules, self.cache = db, clock, rules, cache
        self.session_hours = session_hours

    # --- signing in -----------------------------------------------------------------

    async def sign_in_link(self, token: str) -> tuple[str, str] | None:
        """A /web ticket -> (session token, CSRF token); None when spent, expired or unknown."""
        async with self.db.transaction() as store:
            member_id = await store.web.redeem_ticket(token, self.clock())
            if member_id is None:
                await store.commit()
                return None
            opened = await self._open(store, member_id)
            await store.commit()
            return opened

    async def sign_in_account(self, platform: str, user_id: str) -> tuple[str, str] | None:
        """A verified platform account (Telegram Mini App) -> a session, if it is a member's."""
        async with self.db.transaction() as store:
            found = await store.members.lookup(platform, user_id)
            if found is None or found[1] is None:
                await store.commit()
                return None
            opened = await self._open(store, pk(found[1]))
            await store.commit()
            return opened

    async def _open(self, store: Store, member_id: int) -> tuple[str, str] | None:
        member = await store.members.get(member_id)
        if member is None or not member.active:
            return None
        expires = self.clock() + timedelta(hours=self.session_hours)
        await store.audit(member_id, AuditAction.web_login)
        return await store.web.open_session(member_id, expires)

    async def viewer(self, session_token: str) -> Viewer | None:
        async with self.db.reading() as store:
            session = await store.web.session(session_token, self.clock())
            if session is None:
                return None
            member = await store.members.get(session.member_id)
            if member is None or not member.active:
                return None
            unit = await store.units.get(member.unit_id)
            assert unit is not None
            return Viewer(member, unit, session.csrf)

    async def sign_out(self, session_token: str) -> None:
        async with self.db.transaction() as store:
            await store.web.close_session(session_token)
            await store.commit()

    # --- pages ----------------------------------------------------------------------

    def _ctx(self, store: Store, viewer: Viewer, key: str = "") -> Ctx:
        member_id = str(viewer.member.id)
        msg = Incoming(
            key=key, platform=PLATFORM, chat_id=f"web:{member_id}", user_id=member_id,
            message_id=key.rpartition(":")[2],
        )  # fmt: skip
        return Ctx(
            msg=msg, store=store, now=self.clock(), rules=self.rules, cache=self.cache,
            member=viewer.member, unit=viewer.unit,
        )  # fmt: skip

    async def home(self, viewer: Viewer, receipts: int = 8) -> MemberHome:
        async with self.db.reading() as store:
            ctx = self._ctx(store, viewer)
            labels = await ctx.labels()
            rows = await store.entries.recent_receipts(pk(viewer.member), receipts)
            village, _, _ = await tally_view(
                store, viewer.unit, month_of(ctx.today), week_of(ctx.today)
            )
            return MemberHome(
                labels, ctx.today, ctx.earliest_open, [_receipt(r) for r in rows], village
            )

    async def dashboard(self, viewer: Viewer, code: str = "") -> Dashboard:
        async with self.db.reading() as store:
            ctx = self._ctx(store, viewer)
            scope = await self._unit(ctx, code)
            period = month_of(ctx.today)
            top, children, missing = await tally_view(store, scope, period, week_of(ctx.today))
            chain = [u for u in await _chain(store, scope) if u.path.startswith(viewer.unit.path)]
            weeks = await _last_weeks(store, scope, ctx.today)
            labels = await ctx.labels()
            people = await _people(store, scope, period) if scope.level is Level.village else []
            notices = await _notices(store, viewer.member)
            declared = await progress.declared_villages(ctx, scope)
            badge = await signoff_view.badge(ctx, scope, period)
            return Dashboard(
                scope, period.key, labels, top, children, missing, chain, weeks, people, notices,
                badge, declared=declared,
            )  # fmt: skip

    async def export(self, viewer: Viewer, code: str, period_key: str) -> tuple[str, bytes]:
        """The same file as `/xuat`: (file name, XLSX)."""
        async with self.db.reading() as store:
            ctx = self._ctx(store, viewer)
            try:
                require_role(ctx, Role.commune_leader)
            except UserError as err:
                raise Forbidden(err.html) from err
            scope = await self._unit(ctx, code)
            try:
                period = parse_period(period_key) if period_key else month_of(ctx.today)
            except ValueError as err:
                raise NotFound(period_key) from err
            xlsx, _ = await export_unit(
                store, scope, period, now=ctx.now, schedule=self.rules.schedule
            )
            return f"tong-hop-{scope.code}-{period.key}.xlsx", xlsx

    async def _unit(self, ctx: Ctx, code: str) -> Unit:
        """The unit of a page, through the chat's own role and subtree checks."""
        try:
            require_role(ctx, Role.village_lead)
        except UserError as err:
            raise Forbidden(err.html) from err
        if code and await ctx.store.units.by_code(code) is None:
            raise NotFound(code)
        try:
            return await progress.unit_arg(ctx, code)
        except UserError as err:
            raise Forbidden(err.html) from err

    # --- actions (one form post = one update, its nonce the update key) ---------------

    async def submit(self, viewer: Viewer, counts: dict[str, int], day: date, nonce: str) -> Done:
        """The form's numbers as the report a person would type, through the chat's path."""
        return await self._act(viewer, nonce, report.submit_report, _report_text(counts, day))

    async def correct(
        self, viewer: Viewer, receipt: str, counts: dict[str, int], day: date, nonce: str
    ) -> Done:
        """The form holds every indicator: the receipt is replaced whole (`/sua MÃ thay ...`)."""
        text = _report_text(counts, day)
        return await self._act(viewer, nonce, report.correct, f"{receipt} thay {text}".strip())

    async def undo(self, viewer: Viewer, receipt: str, nonce: str) -> Done:
        return await self._act(viewer, nonce, report.undo, receipt)

    async def nudge(self, viewer: Viewer, code: str, nonce: str) -> Done:
        """The dashboard's "nhắc" form: `/nhacnho CODE`, through the chat's handler."""
        return await self._act(viewer, nonce, nudge.nudge, code)

    async def _act(self, viewer: Viewer, nonce: str, handler: Handler, args: str) -> Done:
        async with self.db.transaction() as store:
            key = f"{PLATFORM}:{viewer.member.id}:{nonce}"
            if not await store.claim_update(key):
                return Done(Reply(texts_web.ALREADY_DONE))  # the same form sent twice
            ctx = self._ctx(store, viewer, key)
            try:
                async with store.savepoint():
                    done = Done(await handler(ctx, args))
            except UserError as refusal:
                done = Done(Reply(refusal.html), refused=True)  # the key is kept
            await store.commit()
            return done


def _report_text(counts: dict[str, int], day: date) -> str:
    """The form's numbers as a person would type them (zeros left out)."""
    text = " ".join(f"{code} {n}" for code, n in counts.items() if n)
    return f"{text} ngày {day:%d/%m/%Y}" if text else ""


def _receipt(entries: list[Entry]) -> Receipt:
    return Receipt(
        code=entries[0].receipt,
        day=entries[0].day,
        counts={e.indicator: e.count for e in entries},
        cancelled=all(e.cancelled_at is not None for e in entries),
    )


async def _last_weeks(store: Store, scope: Unit, today: date, count: int = 12) -> list[Week]:
    """Counts of the scope's subtree per week (Monday to Sunday), the current week last."""
    first = week_of(today).start - timedelta(weeks=count - 1)
    by_day = await store.entries.totals_by_day(scope, first, today)
    weeks = [Week(first + timedelta(weeks=n), {}) for n in range(count)]
    for day, counts in by_day.items():
        week = weeks[(day - first).days // 7]
        for code, n in counts.items():
            week.counts[code] = week.counts.get(code, 0) + n
    return weeks


async def _people(store: Store, village: Unit, period: Period) -> list[Person]:
    reported = await store.entries.by_member(village, period.start, period.end)
    people = [m for m, _ in await store.members.in_subtree(village)]
    return [Person(m, *reported.get(pk(m), ({}, None))) for m in people]


async def _notices(store: Store, member: Member) -> list[Notice]:
    if not at_least(member.role, Role.commune_leader):
        return []
    found = []
    for broadcast in await store.broadcasts.by_author(pk(member)):
        counts = await store.outbox.counts(broadcast.id)
        waiting = counts.get("pending", 0) + counts.get("sending", 0)
        failed = counts.get("dead", 0) + counts.get("undeliverable", 0)
        found.append(Notice(broadcast, counts.get("sent", 0), waiting, failed))
    return found


async def _chain(store: Store, unit: Unit) -> list[Unit]:
    """The unit and the units above it, top first (from its materialized path)."""
    ids = [int(part) for part in unit.path.split("/") if part]
    found = await store.units.by_ids(ids)
    return [found[i] for i in ids if i in found]
