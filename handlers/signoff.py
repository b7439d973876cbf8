"""The month's sign-off chain: a commune leader signs the month off (`/chot`), the level
above approves it (`/duyet`) or returns it with a reason (`/tralai`), and may reopen an
approved month (`/mochot`). Each step is audited and tells the other side through the
outbox.

Which month `/chot` means without one: the latest month whose deadline has come (from the
deadline day on, the current month; before it, the month before), which is the month a
leader is handing upward at that time. `tháng này`, `tháng trước`, `10/2026`, `2026-10`
and `tháng 10` name one.

A signed-off month (not yet approved) refuses reports, corrections and "không phát sinh"
just as an approved one does: the snapshot must stay what the commune handed upward. To
change it, the level above returns it (`/tralai`) and the commune signs off again.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from handlers import month_lock, outbound, texts, texts_signoff
from handlers.context import Ctx, UserError
from handlers.folding import fold
from handlers.outbound import MonthEvent
from handlers.permissions import require_inside
from handlers.types import Reply
from reminders.calendar import Period, WorkingDays, deadline_of, month_of
from reminders.progress import villages_missing
from storage.models import AuditAction, Level, MonthSignoff, MonthStatus, OutboxKind, Role, Unit, pk
from storage.signoff import path_ids

ADMINS = (Role.district_admin, Role.province_admin)
REASON_LIMIT = 300  # characters of a reason kept (it is shown in chats and pages)


def default_month(ctx: Ctx) -> Period:
    """The latest month whose deadline has come."""
    this = month_of(ctx.today)
    if ctx.today >= deadline_of(this, ctx.rules.schedule, WorkingDays()):
        return this
    return month_of(this.start - timedelta(days=1))


def parse_month(text: str, today: date) -> Period | None:
    """`tháng này`, `tháng trước`, `10/2026`, `2026-10`, `tháng 10`; None when empty."""
    words = fold(text).split()
    if not words:
        return None
    joined = " ".join(words)
    if joined in ("thang nay", "nay"):
        return month_of(today)
    if joined in ("thang truoc", "truoc"):
        return month_of(month_of(today).start - timedelta(days=1))
    if m := re.fullmatch(r"(?:thang )?(\d{1,2})[/-](\d{4})", joined):
        return _month(int(m[2]), int(m[1]))
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", joined):
        return _month(int(m[1]), int(m[2]))
    if m := re.fullmatch(r"thang (\d{1,2})", joined):
        number = int(m[1])
        return _month(today.year if number <= today.month else today.year - 1, number)
    raise UserError(texts_signoff.BAD_PERIOD)


def _month(year: int, number: int) -> Period:
    if not 1 <= number <= 12:
        raise UserError(texts_signoff.BAD_PERIOD)
    return month_of(date(year, number, 1))


async def _notify(ctx: Ctx, people: list[tuple[int, str]], key: str, html: str) -> int:
    """Queue one message per person (their private chat); returns how many were queued."""
    chats = await ctx.store.members.private_chats([member_id for member_id, _ in people])
    queued = 0
    for member_id, _ in people:
        if (chat := chats.get(member_id)) is not None:
            platform, chat_id = chat
            added = await ctx.store.outbox.enqueue(
                f"{key}:{member_id}",
                kind=OutboxKind.signoff,
                platform=platform,
                chat_id=chat_id,
                html=html,
                recipient_id=member_id,
            )
            queued += int(added)
    return queued


async def _above(ctx: Ctx, commune: Unit) -> list[tuple[int, str]]:
    """The admins of the units above a commune (district, province)."""
    above = set(path_ids(commune)) - {commune.id}
    admins = await ctx.store.members.with_roles(ADMINS)
    return [(pk(m), m.name) for m, u in admins if u.id in above]


async def _leaders(ctx: Ctx, commune: Unit) -> list[tuple[int, str]]:
    leaders = await ctx.store.members.with_roles([Role.commune_leader], commune)
    return [(pk(m), m.name) for m, u in leaders if u.id == commune.id]


# --- /chot ---------------------------------------------------------------------------------


async def sign_off(ctx: Ctx, args: str) -> Reply:
    """`/chot [KỲ]`: snapshot the commune's figures of the month and hand them upward."""
    member, commune = ctx.me()
    if commune.level is not Level.commune:
        raise UserError(texts_signoff.NOT_A_COMMUNE)
    month = parse_month(args, ctx.today) or default_month(ctx)
    if month.start > ctx.today:
        raise UserError(texts_signoff.future(month.key))
    await ctx.store.signoffs.lock_unit(pk(commune))  # before the figures are read
    row = await ctx.store.signoffs.get(pk(commune), month.key)
    if row is not None and row.status is MonthStatus.signed:
        who = await month_lock.member_name(ctx, row.signed_by)
        raise UserError(
            texts_signoff.already_signed(commune.name, month.key, who, month_lock.signed_at(row))
        )
    if row is not None and row.status is MonthStatus.approved:
        who = await month_lock.member_name(ctx, row.decided_by)
        raise UserError(
            texts_signoff.already_approved(commune.name, month.key, who, month_lock.decided_at(row))
        )
    before = row.status if row else MonthStatus.open
    figures = await ctx.store.entries.totals_by_unit(commune, month.start, month.end)
    row = await ctx.store.signoffs.sign(
        pk(commune), month.key, by=pk(member), at=ctx.now, figures=figures
    )
    await ctx.store.audit(
        member.id,
        AuditAction.signoff,
        f"{commune.code} {month.key} {before}->signed round {row.round}",
    )
    totals: dict[str, int] = {}
    for counts in figures.values():
        for code, n in counts.items():
            totals[code] = totals.get(code, 0) + n
    labels = await ctx.labels_with(totals)
    missing = [v.name for v in await villages_missing(ctx.store, commune, month)]
    html = texts_signoff.signed_notice(
        commune.name, commune.code, month.key, member.name, ctx.now, totals, labels, len(missing)
    )
    await outbound.notify_signoff(
        ctx.store, ctx.rules, commune, month.key, MonthEvent.signed_off, ctx.now
    )
    key = f"signoff:{commune.id}:{month.key}:{row.round}:signed"
    notified = await _notify(ctx, await _above(ctx, commune), key, html)
    return Reply(texts_signoff.signed(commune.name, month.key, totals, labels, missing, notified))


# --- /duyet, /tralai, /mochot ----------------------------------------------------------------


async def _commune(ctx: Ctx, code: str) -> Unit:
    """A commune strictly below the person's unit, through the subtree check."""
    _, scope = ctx.me()
    if not code:
        raise UserError(texts_signoff.DECIDE_USAGE)
    unit = await ctx.store.units.by_code(code) or await ctx.store.units.by_code(code.upper())
    if unit is None:
        raise UserError(texts.unit_unknown(code))
    require_inside(ctx, unit)
    if unit.level is not Level.commune or unit.id == scope.id:
        raise UserError(texts_signoff.not_a_commune(unit.name))
    return unit


def _split(ctx: Ctx, args: str) -> tuple[str, Period | None, str]:
    """`XÃ [KỲ] [LÝ DO]`: a period right after the code is taken when it reads as one."""
    code, _, rest = args.strip().partition(" ")
    first, _, after = rest.strip().partition(" ")
    if re.fullmatch(r"\d{1,2}[/-]\d{4}|\d{4}-\d{1,2}", first):
        return code, parse_month(first, ctx.today), after.strip()
    return code, None, rest.strip()


async def _decision(
    ctx: Ctx, args: str, status: MonthStatus, *, reasoned: bool = True
) -> tuple[Unit, MonthSignoff, str]:
    """The commune and its month in `status` that a step acts on, and the reason given.
    Without a reason (`reasoned` False), whatever follows the code must name the month
    (`/duyet 16012 tháng trước`): nothing typed is ignored."""
    commune, month, reason = await _parts(ctx, args)
    if not reasoned and reason:
        month = parse_month(reason, ctx.today)
    await ctx.store.signoffs.lock_unit(pk(commune))
    if month is not None:
        row = await ctx.store.signoffs.get(pk(commune), month.key)
    else:
        row = await ctx.store.signoffs.latest(pk(commune), status)
    if row is None or row.status is not status:
        key = month.key if month else None
        if status is MonthStatus.approved:
            raise UserError(texts_signoff.nothing_to_reopen(commune.name, key))
        raise UserError(texts_signoff.nothing_to_approve(commune.name, key))
    return commune, row, reason


async def _parts(ctx: Ctx, args: str) -> tuple[Unit, Period | None, str]:
    code, month, reason = _split(ctx, args)
    return await _commune(ctx, code), month, reason[:REASON_LIMIT]


async def approve(ctx: Ctx, args: str) -> Reply:
    """`/duyet XÃ [KỲ]`: the month signed off is approved and locked."""
    member, _ = ctx.me()
    commune, row, _ = await _decision(ctx, args, MonthStatus.signed, reasoned=False)
    await ctx.store.signoffs.decide(row, MonthStatus.approved, by=pk(member), at=ctx.now)
    await ctx.store.audit(
        member.id, AuditAction.signoff_approve, f"{commune.code} {row.month} signed->approved"
    )
    html = texts_signoff.approved_notice(commune.name, row.month, member.name, ctx.now)
    await outbound.notify_signoff(
        ctx.store, ctx.rules, commune, row.month, MonthEvent.approved, ctx.now
    )
    key = f"signoff:{commune.id}:{row.month}:{row.round}:approved"
    await _notify(ctx, await _leaders(ctx, commune), key, html)
    return Reply(texts_signoff.approved(commune.name, row.month))


async def send_back(ctx: Ctx, args: str) -> Reply:
    """`/tralai XÃ [KỲ] LÝ_DO`: the month signed off goes back to the commune, open again."""
    member, _ = ctx.me()
    commune, row, reason = await _decision(ctx, args, MonthStatus.signed)
    if not reason:
        raise UserError(texts_signoff.reason_missing("tralai", commune.code))
    await ctx.store.signoffs.decide(
        row, MonthStatus.returned, by=pk(member), at=ctx.now, reason=reason
    )
    await ctx.store.audit(
        member.id,
        AuditAction.signoff_return,
        f"{commune.code} {row.month} signed->returned: {reason}",
    )
    html = texts_signoff.returned_notice(commune.name, row.month, member.name, ctx.now, reason)
    await outbound.notify_signoff(
        ctx.store, ctx.rules, commune, row.month, MonthEvent.returned, ctx.now
    )
    key = f"signoff:{commune.id}:{row.month}:{row.round}:returned"
    await _notify(ctx, await _leaders(ctx, commune), key, html)
    return Reply(texts_signoff.returned(commune.name, row.month, reason))


async def reopen(ctx: Ctx, args: str) -> Reply:
    """`/mochot XÃ [KỲ] LÝ_DO`: an approved month is open again (audited, with the reason)."""
    member, _ = ctx.me()
    commune, row, reason = await _decision(ctx, args, MonthStatus.approved)
    if not reason:
        raise UserError(texts_signoff.reason_missing("mochot", commune.code))
    approver = await month_lock.member_name(ctx, row.decided_by)
    await ctx.store.signoffs.decide(row, MonthStatus.open, by=pk(member), at=ctx.now, reason=reason)
    await ctx.store.audit(
        member.id, AuditAction.signoff_reopen,
        f"{commune.code} {row.month} approved (by {approver})->open: {reason}",
    )  # fmt: skip
    html = texts_signoff.reopened_notice(commune.name, row.month, member.name, ctx.now, reason)
    await outbound.notify_signoff(
        ctx.store, ctx.rules, commune, row.month, MonthEvent.reopened, ctx.now
    )
    key = f"signoff:{commune.id}:{row.month}:{row.round}:reopened"
    await _notify(ctx, await _leaders(ctx, commune), key, html)
    return Reply(texts_signoff.reopened(commune.name, row.month, reason))
