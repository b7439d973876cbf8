"""Delivery: notifications through the worker to a fake channel that enforces the limit
and injects 429s and 5xx: achieved rate ÷ enforced limit, lost, duplicated."""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.delivery.ratelimit import Limits
from bot.delivery.worker import (
    SEND_RETRY,
    DeliverySettings,
    DeliveryWorker,
    RetryAfter,
    TransientError,
)
from storage.db import Database
from storage.models import OutboxMessage


class LimitedChannel:
    platform = "telegram"

    def __init__(self, limit: float) -> None:
        self.limits = Limits(per_second=limit, per_chat_second=1, per_group_minute=20)
        self.random = random.Random(3)
        self.delivered: Counter[str] = Counter()
        self.sends: list[float] = []
        self.violations = 0
        self.pauses: list[tuple[float, float]] = []  # the 429s' retry_after windows

    async def send(self, message: OutboxMessage) -> None:
        now = time.monotonic()
        recent = [t for t in self.sends[-int(self.limits.per_second) - 1 :] if t > now - 1]
        self.violations += len(recent) + 1 > self.limits.per_second
        self.sends.append(now)
        roll = self.random.random()
        if roll < 0.01:
            self.pauses.append((now, now + 0.2))
            raise RetryAfter(0.2)
        if roll < 0.04:
            raise TransientError("502")
        self.delivered[message.key] += 1


async def run(tmp: Path, count: int, limit: float) -> dict[str, Any]:
    db = Database(f"sqlite:///{tmp / 'outbox.db'}")
    await db.create_schema()
    async with db.transaction() as store:
        for n in range(count):
            await store.outbox.enqueue(f"n{n}", kind="broadcast", platform="telegram",
                                       chat_id=f"c{n}", html="Thông báo")  # fmt: skip
    channel = LimitedChannel(limit)
    worker = DeliveryWorker(
        db, {"telegram": channel}, DeliverySettings(retry=replace(SEND_RETRY, base=0.1), batch=100)
    )
    began = time.perf_counter()
    await worker.drain(timeout=3600)
    elapsed = time.perf_counter() - began
    await db.dispose()
    paused = _union(channel.pauses)
    return {
        "rate": count / elapsed, "limit": limit, "count": count, "elapsed": elapsed,
        "paused": paused, "unpaused_rate": count / max(1e-9, elapsed - paused),
        "lost": count - len(channel.delivered),
        "duplicated": sum(n - 1 for n in channel.delivered.values()),
        "violations": channel.violations,
    }  # fmt: skip


def _union(windows: list[tuple[float, float]]) -> float:
    """Seconds covered by the windows (overlapping 429 pauses count once)."""
    total, end = 0.0, float("-inf")
    for start, stop in sorted(windows):
        if stop > end:
            total += stop - max(start, end)
            end = stop
    return total


def report(r: dict[str, Any]) -> list[str]:
    ratio = r["rate"] / r["limit"]
    unpaused = r["unpaused_rate"] / r["limit"]
    return [
        "## 3. Delivery",
        "",
        f"{r['count']:,} notifications to distinct chats through the delivery worker, a fake "
        f"channel enforcing {r['limit']:.0f}/s overall and answering 1 % 429 (retry_after 0.2 s) "
        f"and 3 % 5xx: **{r['rate']:.0f}/s**, ratio to the limit **{ratio:.2f}** (target ≥ 0.9: "
        f"{'met' if ratio >= 0.9 else 'missed'}); lost **{r['lost']}**, duplicated "
        f"**{r['duplicated']}**, limit violations seen by the channel: {r['violations']}.",
        "",
        f"The channel's 429s told the worker to send nothing for {r['paused']:.1f} s of the "
        f"{r['elapsed']:.1f} s run (a limit of zero: {r['paused'] / r['elapsed']:.0%} of the "
        f"time). Over the time the channel allowed sends: **{r['unpaused_rate']:.0f}/s**, ratio "
        f"**{unpaused:.2f}** to the limit.",
        "",
    ]
