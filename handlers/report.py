"""Logging outreach: report, the per-indicator shortcuts, undo and correct."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from handlers import (
    limits,
    month_lock,
    nothing,
    texts_help,
    texts_indicators,
    texts_language,
    texts_members,
    texts_nothing,
    texts_report,
    texts_safety,
    undo_day,
)  # fmt: skip
from handlers.commands import shortcut_text
from handlers.context import Ctx, UserError
from handlers.folding import fold
from handlers.grammar import ParsedReport, ReportError, parse_report
from handlers.permissions import at_least, inside
from handlers.types import Button, Reply
from reminders.calendar import month_of
from storage.intake import ReportChecks
from storage.models import AuditAction, Entry, Role, pk


async def _parse(ctx: Ctx, text: str) -> ParsedReport:
    try:
        parsed = parse_report(
            text,
            vocabulary=await ctx.vocabulary(),
            today=ctx.today,
            cap=ctx.rules.per_entry_cap,
            earliest_open=ctx.earliest_open,
        )
    except ReportError as err:
        labels = await ctx.labels() | await ctx.retired()
        raise UserError(texts_report.refusal(err, labels)) from err
    retired = await ctx.retired()
    if stopped := [retired[code] for code in parsed.counts if code in retired]:
        raise UserError(texts_indicators.retired_refusal(stopped))
    return parsed


def _source(ctx: Ctx) -> str:
    return f"{ctx.msg.platform}:{ctx.msg.chat_id}:{ctx.msg.message_id}"


async def submit_report(ctx: Ctx, text: str) -> Reply:
    member, unit = ctx.me()
    if not text.strip():
        raise UserError(texts_report.report_needs_text(await ctx.labels()))
    if nothing.is_declaration(text):  # "dạ thôn em tháng này không phát sinh ạ"
        return await nothing.declare(ctx, text)
    parsed = await _parse(ctx, text)
    member_id, unit_id = pk(member), pk(unit)
    # The locks first (PostgreSQL), then one statement for every check (storage.intake).
    await ctx.store.intake.hold(member_id, unit)
    checked = await ctx.store.intake.read(
        member_id=member_id, unit=unit, day=parsed.day, month=month_of(parsed.day).key,
        since=ctx.now - limits.MINUTE,
    )  # fmt: skip
    over = limits.check(ctx, checked.made, checked.day_totals, parsed.counts)
    if checked.locked:  # refused, naming who signed the month off
        await month_lock.ensure_open(ctx, unit, parsed.day)
    if over:
        return await limits.ask_to_confirm(
            ctx, unit_id=unit_id, counts=parsed.counts, day=parsed.day, over=over,
            source=_source(ctx),
        )  # fmt: skip
    return await record(
        ctx, member_id=member_id, unit_id=unit_id, counts=parsed.counts, day=parsed.day,
        source=_source(ctx), set_aside=parsed.set_aside, checked=checked,
    )  # fmt: skip


async def record(
    ctx: Ctx,
    *,
    member_id: int,
    unit_id: int,
    counts: dict[str, int],
    day: date,
    source: str,
    set_aside: Sequence[str] = (),
    checked: ReportChecks | None = None,
) -> Reply:
    """Store a report as it is and answer with its receipt (and an undo button); words set
    aside as carrying no count are shown back on the receipt. `checked`: what the caller
    read for this report in this transaction (the month found open, a free receipt)."""
    if checked is None:  # a signed-off or approved month stays still
        await month_lock.ensure_open(ctx, unit_id, day)
    receipt = await ctx.store.entries.add_report(
        member_id=member_id, unit_id=unit_id, counts=counts, day=day, source=source, at=ctx.now,
        receipt=checked.receipt if checked else None,
    )  # fmt: skip
    await ctx.store.audit(member_id, AuditAction.report, f"{receipt} {day} {counts}")
    html = texts_report.report_saved(counts, await ctx.labels(), day, receipt)
    html += texts_language.set_aside(set_aside)
    month = month_of(day).key  # a count ends the village's "không phát sinh" of that month
    declared = checked is None or checked.declared
    if declared and (
        cleared := await ctx.store.nothing.clear(unit_id, month, by=member_id, at=ctx.now)
    ):
        await ctx.store.audit(member_id, AuditAction.nothing_cleared, f"{cleared} by {receipt}")
        html += texts_nothing.cleared(cleared)
    undo = Button(texts_report.UNDO_BUTTON, f"undo:{receipt}")
    return Reply(html, buttons=(undo,), receipt_code=receipt)


async def shortcut(ctx: Ctx, indicator: str, args: str) -> Reply:
    """`/vneid 5 hôm qua` is the report `vneid 5 hôm qua`."""
    return await submit_report(ctx, shortcut_text(indicator, args))


async def _changeable(ctx: Ctx, code: str) -> Sequence[Entry]:
    """The active entries of a receipt this person may change: their own, or (for leaders)
    one of a unit inside their subtree."""
    member, scope = ctx.me()
    code = code.strip().upper()
    entries = await ctx.store.entries.by_receipt(code)
    if not entries:
        raise UserError(texts_report.receipt_unknown(code))
    if entries[0].member_id != member.id:
        unit = await ctx.store.units.get(entries[0].unit_id)
        leader = at_least(member.role, Role.village_lead)
        if not (leader and unit is not None and inside(unit, scope)):
            raise UserError(texts_report.receipt_not_yours(code))
    if all(e.cancelled_at is not None for e in entries):
        if entries[0].replaced_by:
            raise UserError(await _replaced(ctx, code, entries[0].replaced_by))
        raise UserError(texts_report.receipt_cancelled(code))
    if entries[0].day < ctx.earliest_open:
        raise UserError(texts_report.receipt_closed(code, entries[0].day))
    await month_lock.ensure_open(ctx, entries[0].unit_id, entries[0].day)
    return [e for e in entries if e.cancelled_at is None]


async def _replaced(ctx: Ctx, code: str, by: str) -> str:
    """A corrected receipt names the one in force now (following corrections of corrections)."""
    current, active = by, False
    for _ in range(50):  # a chain of corrections; bounded in case the data ever loops
        entries = await ctx.store.entries.by_receipt(current)
        active = any(e.cancelled_at is None for e in entries)
        if active or not entries or not entries[0].replaced_by:
            break
        current = entries[0].replaced_by
    return texts_members.receipt_replaced(code, current, active)


async def undo(ctx: Ctx, args: str) -> Reply:
    member, _ = ctx.me()
    whole_day = undo_day.parse(ctx, args)  # `/huy 12 27/11`: a member's whole day
    if whole_day is not None:
        return await undo_day.ask(ctx, *whole_day)
    code = args.split()[0] if args.split() else None
    if code is None:
        code = await ctx.store.entries.last_active_receipt(pk(member))
        if code is None:
            raise UserError(texts_report.NOTHING_TO_UNDO)
    if not await ctx.store.entries.by_receipt(code.strip().upper()):
        declaration = await ctx.store.nothing.by_receipt(code.strip().upper())
        if declaration is not None:  # a "không phát sinh" receipt
            return await nothing.undo(ctx, declaration)
    entries = await _changeable(ctx, code)
    receipt = entries[0].receipt
    await ctx.store.entries.cancel(receipt, by=pk(member), at=ctx.now)
    await ctx.store.audit(member.id, AuditAction.undo, receipt)
    counts = {e.indicator: e.count for e in entries}
    return Reply(texts_report.undone(receipt, counts, await ctx.labels(), entries[0].day))


async def correct(ctx: Ctx, args: str) -> Reply:
    """`/sua MÃ vneid 4`: the indicators named get the new counts, the others are kept;
    `/sua MÃ thay vneid 4` replaces the whole receipt. Cancel and replace, audited."""
    member, _ = ctx.me()
    code, _, report = args.strip().partition(" ")
    if not code:
        raise UserError(texts_report.receipt_missing(await ctx.labels()))
    first, _, rest = report.strip().partition(" ")
    whole = fold(first) in texts_members.REPLACE_WORDS
    if whole:
        report = rest
    if not report.strip():
        raise UserError(texts_report.correct_needs_report(code, await ctx.labels()))
    old = await _changeable(ctx, code)
    parsed = await _parse(ctx, report)
    before = {e.indicator: e.count for e in old}
    after = dict(parsed.counts) if whole else before | parsed.counts
    day = parsed.day if parsed.day_given else old[0].day
    if after == before and day == old[0].day:
        raise UserError(texts_members.correct_unchanged(old[0].receipt))
    if month_of(day) != month_of(old[0].day):  # moved into another month: that one too
        await month_lock.ensure_open(ctx, old[0].unit_id, day)
    await _within_daily_limit(ctx, old, after, day)
    receipt = await ctx.store.entries.add_report(  # still the author's, in the author's unit
        member_id=old[0].member_id,
        unit_id=old[0].unit_id,
        counts=after,
        day=day,
        source=_source(ctx),
        replaces=old[0].receipt,
    )
    await ctx.store.entries.cancel(old[0].receipt, by=pk(member), at=ctx.now, replaced_by=receipt)
    await ctx.store.audit(
        member.id, AuditAction.correct, f"{old[0].receipt} -> {receipt} {day} {before} -> {after}"
    )
    labels = await ctx.labels()
    html = texts_members.corrected(
        old[0].receipt, receipt, before, after, labels, (old[0].day, day)
    )
    undo = Button(texts_report.UNDO_BUTTON, f"undo:{receipt}")
    return Reply(html, buttons=(undo,), receipt_code=receipt)


async def _within_daily_limit(
    ctx: Ctx, old: Sequence[Entry], after: dict[str, int], day: date
) -> None:
    """A correction may not take the author's day past the daily limit that a report would
    have to confirm (else `/sua` would be the way round it); lowering is always allowed."""
    _, have = await ctx.store.entries.member_recent(old[0].member_id, day, ctx.now)
    if old[0].day == day:  # the receipt being replaced is in that day's totals
        for entry in old:
            have[entry.indicator] = have.get(entry.indicator, 0) - entry.count
    before = {e.indicator: e.count for e in old}
    over = {
        code: have.get(code, 0)
        for code, n in after.items()
        if have.get(code, 0) + n > ctx.rules.daily_limit and n > before.get(code, 0)
    }
    if over:
        labels = await ctx.labels()
        raise UserError(
            texts_safety.correct_over_limit(after, labels, day, over, ctx.rules.daily_limit)
        )


async def button(ctx: Ctx, action: str) -> Reply:
    """An inline button: `undo:CODE`. Pressed twice or by someone else: says so, harms nothing."""
    verb, _, code = action.partition(":")
    if verb != "undo" or not code:
        raise UserError(texts_help.unknown_command(verb))
    reply = await undo(ctx, code)
    return Reply(reply.html, notice=True, clear_buttons=True)
