"""Send slots booked in PostgreSQL, so the platform limits hold across every delivery
worker of a deployment (bot/delivery/ratelimit.py decides when this is used).

Why a table of booked slots behind an advisory lock: a booking must read the latest
slots (overall, the chat's, the group's last N) and write its own as one step, or two
workers read the same "latest" and book the same moment. A per-platform advisory lock,
held only for the two statements of one booking (a few hundred microseconds, at most
~30 bookings a second), serialises exactly that and nothing else: the outbox, the
entries and the reports never wait on it. The lock is taken in its own statement
because under READ COMMITTED the next statement then reads a snapshot that includes the
previous holder's slot. Times come from the database's clock (`clock_timestamp()`), the
one clock all workers, on any host, share.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

_LOCK = text("SELECT pg_advisory_xact_lock(hashtext('cnsbot:send_slot:' || :platform))")

_BOOK = text(
    """
WITH t AS (SELECT extract(epoch FROM clock_timestamp())::float8 AS now),
c AS (
  SELECT t.now, GREATEST(
    t.now,
    COALESCE((SELECT max(at) FROM send_slot WHERE platform = :platform), '-Infinity')
      + :gap_any,
    COALESCE((SELECT max(at) FROM send_slot
              WHERE platform = :platform AND chat_id = :chat), '-Infinity') + :gap_chat,
    CASE WHEN :is_group THEN
      COALESCE((SELECT at FROM send_slot WHERE platform = :platform AND chat_id = :chat
                ORDER BY at DESC OFFSET :nth LIMIT 1), '-Infinity') + :window
    ELSE '-Infinity'::float8 END
  ) AS at FROM t
),
ins AS (
  INSERT INTO send_slot (platform, chat_id, at)
  SELECT :platform, :chat, c.at FROM c WHERE c.at - c.now <= :hold
  RETURNING at
)
SELECT c.now, c.at, (SELECT count(*) FROM ins) FROM c
"""
)

_PAUSE = text(
    "INSERT INTO send_slot (platform, chat_id, at) "
    "SELECT :platform, '', extract(epoch FROM clock_timestamp())::float8 + :seconds"
)

_PAUSED_FOR = text(
    "SELECT COALESCE(max(at), 0) - extract(epoch FROM clock_timestamp())::float8"
    " FROM send_slot WHERE platform = :platform AND chat_id = ''"
)

# Slots older than the longest window no longer limit anything.
_PRUNE = text(
    "DELETE FROM send_slot WHERE platform = :platform"
    " AND at < extract(epoch FROM clock_timestamp())::float8 - :keep"
)


@dataclass(frozen=True)
class Spacing:
    """Seconds between two sends overall and to one chat; a group's `per_window` sends
    per `window` seconds."""

    any: float
    chat: float
    per_window: int
    window: float


async def book(
    conn: AsyncConnection, platform: str, chat: str, is_group: bool, spacing: Spacing, hold: float
) -> tuple[float, float, bool]:
    """Book the earliest slot that keeps every limit, if it is within `hold` seconds:
    (the database's now, the slot, booked), in seconds since the epoch. Not booked:
    nothing is written (a far slot booked and then given up would push every later
    booking further)."""
    await conn.execute(_LOCK, {"platform": platform})
    params = {
        "platform": platform, "chat": chat, "is_group": is_group, "gap_any": spacing.any,
        "gap_chat": spacing.chat, "nth": max(0, spacing.per_window - 1),
        "window": spacing.window, "hold": hold,
    }  # fmt: skip
    now, at, inserted = (await conn.execute(_BOOK, params)).one()
    return float(now), float(at), bool(inserted)


async def pause(conn: AsyncConnection, platform: str, seconds: float) -> None:
    """After a 429: every later booking of the platform comes after `seconds` from now."""
    await conn.execute(_LOCK, {"platform": platform})
    await conn.execute(_PAUSE, {"platform": platform, "seconds": seconds})


async def paused_for(conn: AsyncConnection, platform: str) -> float:
    """Seconds left of the latest pause after a 429 (0 when none runs)."""
    return max(0.0, float((await conn.execute(_PAUSED_FOR, {"platform": platform})).scalar_one()))


async def prune(conn: AsyncConnection, platform: str, keep: float) -> int:
    result = await conn.execute(_PRUNE, {"platform": platform, "keep": keep})
    return int(result.rowcount)
