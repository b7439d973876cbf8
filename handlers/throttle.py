"""Wrong codes (invites, `/lienket`) per platform account: a few tries, then a wait that
doubles with every further wrong one. Kept in the database: it holds across workers and
restarts.

A wrong code is answered with a returned reply, not a refusal (UserError): a refusal rolls
back everything the handler wrote, and the count of wrong tries must stay.
"""

from __future__ import annotations

import enum
from datetime import timedelta

from handlers import texts_safety
from handlers.context import Ctx, UserError
from handlers.types import Reply

ALLOWED = 5  # wrong tries before the first wait
FIRST_WAIT = timedelta(minutes=1)
LONGEST_WAIT = timedelta(days=1)
FORGET_AFTER = timedelta(days=1)  # a day without a wrong try starts the count again


class Guarded(enum.StrEnum):
    invite = "invite"
    link = "link"


def _key(ctx: Ctx, what: Guarded) -> str:
    return f"{what}:{ctx.msg.platform}:{ctx.msg.user_id}"


def wait_after(failures: int) -> timedelta | None:
    """How long a person waits after this many wrong tries in a row (None: not yet)."""
    if failures < ALLOWED:
        return None
    return min(FIRST_WAIT * 2 ** min(failures - ALLOWED, 20), LONGEST_WAIT)


async def check(ctx: Ctx, what: Guarded) -> None:
    """Refuse before looking the code up while the person has to wait."""
    row = await ctx.store.throttles.get(_key(ctx, what))
    if row is not None and row.blocked_until is not None and row.blocked_until > ctx.now:
        raise UserError(texts_safety.code_blocked(row.blocked_until - ctx.now))


async def failed(ctx: Ctx, what: Guarded, html: str) -> Reply:
    """Count a wrong code and answer it (with the wait, once there is one)."""
    row = await ctx.store.throttles.fail(_key(ctx, what), ctx.now, forget_after=FORGET_AFTER)
    wait = wait_after(row.failures)
    if wait is not None:
        await ctx.store.throttles.block(row, ctx.now + wait)
        html = f"{html}\n{texts_safety.code_wait_starts(wait)}"
    return Reply(html)


async def succeeded(ctx: Ctx, what: Guarded) -> None:
    await ctx.store.throttles.clear(_key(ctx, what))
