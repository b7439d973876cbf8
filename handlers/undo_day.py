"""`/huy SỐ NGÀY`: a leader cancels every receipt of one member on one day, after a
confirmation. Only a member of the leader's subtree with a lower role (or the leader's own
day), and only entries made in units of that subtree."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Any

from handlers import month_lock, texts, texts_members, texts_safety
from handlers.context import Ctx, UserError
from handlers.grammar import ReportError, parse_day
from handlers.limits import HOURS, PENDING_LIFETIME
from handlers.permissions import RANK, at_least, inside
from handlers.types import Button, Reply
from storage.entries import RECEIPT_LENGTH
from storage.models import AuditAction, Entry, Member, PendingKind, Role, pk

_MEMBER_THEN_DAY = re.compile(r"#?(\d{1,9})\s+(\S.*)$", re.S)


def parse(ctx: Ctx, args: str) -> tuple[int, date] | None:
    """(member number, day) when the arguments are a member number and a day; None when they
    are something else (a receipt code, nothing)."""
    match = _MEMBER_THEN_DAY.match(args.strip())
    if match is None:
        return None
    try:
        day = parse_day(match.group(2), ctx.today)
    except ReportError as err:
        raise UserError(texts_safety.UNDO_DAY_USAGE) from err
    if day is None:
        if len(match.group(1)) == RECEIPT_LENGTH:
            return None  # an all-digit receipt code, then words `/huy` never read
        raise UserError(texts_safety.UNDO_DAY_USAGE)
    return int(match.group(1)), day


async def _target(ctx: Ctx, number: int) -> Member:
    """The member whose day this leader may cancel, or a refusal that says why."""
    me, scope = ctx.me()
    if not at_least(me.role, Role.village_lead):
        raise UserError(texts.not_allowed(Role.village_lead))
    target = await ctx.store.members.get(number)
    unit = await ctx.store.units.get(target.unit_id) if target else None
    if target is None or unit is None:
        raise UserError(texts_members.member_not_found(str(number)))
    if not inside(unit, scope):
        raise UserError(texts_members.member_outside(str(number)))
    if target.id != me.id and RANK[target.role] >= RANK[me.role]:
        raise UserError(texts_safety.undo_day_rank(target.name, target.role))
    return target


def _sums(entries: Sequence[Entry]) -> tuple[int, dict[str, int]]:
    counts: Counter[str] = Counter()
    for entry in entries:
        counts[entry.indicator] += entry.count
    return len({e.receipt for e in entries}), dict(counts)


async def ask(ctx: Ctx, number: int, day: date) -> Reply:
    me, scope = ctx.me()
    target = await _target(ctx, number)
    if day < ctx.earliest_open:
        raise UserError(texts_safety.pending_closed(day))
    entries = await ctx.store.entries.member_day_entries(pk(target), day, scope)
    if not entries:
        raise UserError(texts_safety.undo_day_nothing(target.name, day))
    for unit_id in sorted({e.unit_id for e in entries}):
        await month_lock.ensure_open(ctx, unit_id, day)
    receipts, counts = _sums(entries)
    # What was shown is what will be cancelled: entries up to the last one listed.
    payload = {"member": number, "day": day.isoformat(), "upto": entries[-1].id}
    code = await ctx.store.pending.create(
        PendingKind.undo_day, pk(me), payload, now=ctx.now, lifetime=PENDING_LIFETIME
    )
    labels = await ctx.labels()
    html = texts_safety.undo_day_preview(
        target.name, number, day, receipts, counts, labels, code, HOURS
    )
    buttons = (
        Button(texts_safety.CONFIRM_UNDO_BUTTON, f"confirm:{code}"),
        Button(texts_safety.DROP_BUTTON, f"drop:{code}"),
    )
    return Reply(html, buttons=buttons, confirm_code=code)


async def confirmed(ctx: Ctx, payload: dict[str, Any]) -> tuple[Reply, str]:
    """Cancel what the preview showed (permissions checked again: roles change)."""
    me, scope = ctx.me()
    target = await _target(ctx, int(payload["member"]))
    day = date.fromisoformat(payload["day"])
    if day < ctx.earliest_open:
        raise UserError(texts_safety.pending_closed(day))
    await ctx.store.entries.lock_member(pk(target))
    entries = await ctx.store.entries.member_day_entries(
        pk(target), day, scope, upto=int(payload["upto"])
    )
    if not entries:
        raise UserError(texts_safety.undo_day_nothing(target.name, day))
    for unit_id in sorted({e.unit_id for e in entries}):
        await month_lock.ensure_open(ctx, unit_id, day)
    cancelled = await ctx.store.entries.cancel_entries(
        [pk(e) for e in entries], by=pk(me), at=ctx.now
    )
    receipts, counts = _sums(entries)
    detail = f"member {target.id} day {day} receipts {receipts} entries {cancelled} {counts}"
    await ctx.store.audit(me.id, AuditAction.undo_day, detail)
    labels = await ctx.labels()
    html = texts_safety.undo_day_done(target.name, day, receipts, cancelled, counts, labels)
    return Reply(html), f"{receipts} receipts"
