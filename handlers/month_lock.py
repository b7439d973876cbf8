"""The lock of a month: once a commune signed it off (waiting for approval) or it was
approved, reports, corrections and "không phát sinh" for it are refused, naming who did it
and how to get it reopened (see handlers.signoff). Every path that changes a month's
figures calls `ensure_open` before it writes; `storage.signoff.Signoffs.guard` holds the
rows above the village so that a sign-off cannot read the figures in between. (A report
holds them with `storage.intake.ReportReads.hold` and reads the month's status with its
other checks; it calls `ensure_open` only to be refused.)"""

from __future__ import annotations

from datetime import date, datetime

from handlers import texts_signoff
from handlers.context import Ctx, UserError
from reminders.calendar import month_of
from storage.models import MonthSignoff, MonthStatus, Unit


async def ensure_open(ctx: Ctx, unit: Unit | int, day_or_month: date | str) -> None:
    """Refuse a change to a month's figures once its commune signed it off or it was
    approved, naming who did it and how to get it reopened."""
    if isinstance(unit, int):
        found = await ctx.store.units.get(unit)
        assert found is not None
        unit = found
    month = day_or_month if isinstance(day_or_month, str) else month_of(day_or_month).key
    row = await ctx.store.signoffs.guard(unit, month)
    if row is None:
        return
    commune = await ctx.store.units.get(row.unit_id)
    assert commune is not None
    if row.status is MonthStatus.approved:
        who = await member_name(ctx, row.decided_by)
        raise UserError(
            texts_signoff.locked_approved(commune.name, commune.code, month, who, decided_at(row))
        )
    who = await member_name(ctx, row.signed_by)
    raise UserError(
        texts_signoff.locked_signed(commune.name, commune.code, month, who, signed_at(row))
    )


async def member_name(ctx: Ctx, member_id: int | None) -> str:
    member = await ctx.store.members.get(member_id) if member_id else None
    return member.name if member else "?"


def signed_at(row: MonthSignoff) -> datetime:
    assert row.signed_at is not None
    return row.signed_at


def decided_at(row: MonthSignoff) -> datetime:
    assert row.decided_at is not None
    return row.decided_at
