"""Confirming what waits for its asker: a report above the daily limit, a leader's undo of a
member's day. A button ("confirm:CODE", "drop:CODE") or, where there are no buttons, the
typed `/xacnhan CODE`. Done once: a second press, even at the same moment, does nothing."""

from __future__ import annotations

import json
from datetime import date
from typing import Any, assert_never

from handlers import report, texts_help, texts_safety, undo_day
from handlers.context import Ctx, UserError
from handlers.types import Reply
from storage.models import AuditAction, PendingAction, PendingKind, pk


async def _open(ctx: Ctx, code: str) -> PendingAction:
    member, _ = ctx.me()
    code = code.strip().upper()
    if not code:
        raise UserError(texts_safety.CONFIRM_USAGE)
    pending = await ctx.store.pending.get(code)
    if pending is None:
        raise UserError(texts_safety.pending_unknown(code))
    if pending.member_id != member.id:
        raise UserError(texts_safety.pending_not_yours(code))
    if pending.done_at is not None:
        raise UserError(texts_safety.pending_done(code))
    if pending.expires_at <= ctx.now:
        raise UserError(texts_safety.pending_expired(code))
    return pending


async def confirm(ctx: Ctx, args: str) -> Reply:
    """`/xacnhan CODE`: do exactly what was asked, once."""
    member, _ = ctx.me()
    pending = await _open(ctx, args.split()[0] if args.split() else "")
    payload = json.loads(pending.payload)
    match pending.kind:
        case PendingKind.report:
            reply, result = await _record_report(ctx, payload)
        case PendingKind.undo_day:
            reply, result = await undo_day.confirmed(ctx, payload)
        case _ as unreachable:
            assert_never(unreachable)
    # Marked done after the work and in the same transaction: a concurrent second press
    # finds it done here and rolls its own work back.
    if not await ctx.store.pending.take(pending.code, pk(member), ctx.now, result):
        raise UserError(texts_safety.pending_done(pending.code))
    return reply


async def _record_report(ctx: Ctx, payload: dict[str, Any]) -> tuple[Reply, str]:
    member, _ = ctx.me()
    day = date.fromisoformat(str(payload["day"]))
    if day < ctx.earliest_open:
        raise UserError(texts_safety.pending_closed(day))
    counts = {str(k): int(v) for k, v in payload["counts"].items()}
    reply = await report.record(
        ctx, member_id=pk(member), unit_id=int(payload["unit"]), counts=counts,
        day=day, source=str(payload["source"]),
    )  # fmt: skip
    return reply, "recorded"


async def drop(ctx: Ctx, code: str) -> Reply:
    member, _ = ctx.me()
    pending = await _open(ctx, code)
    if not await ctx.store.pending.take(pending.code, pk(member), ctx.now, "dropped"):
        raise UserError(texts_safety.pending_done(pending.code))
    await ctx.store.audit(member.id, AuditAction.pending_drop, f"{pending.code} {pending.kind}")
    return Reply(texts_safety.PENDING_DROPPED, notice=True, clear_buttons=True)


async def press(ctx: Ctx, action: str) -> Reply:
    """The buttons under a confirmation: "confirm:CODE" and "drop:CODE"."""
    verb, _, code = action.partition(":")
    if verb == "drop":
        return await drop(ctx, code)
    if verb != "confirm" or not code:
        raise UserError(texts_help.unknown_command(verb))
    reply = await confirm(ctx, code)
    return Reply(
        reply.html, buttons=reply.buttons, clear_buttons=True, receipt_code=reply.receipt_code
    )
