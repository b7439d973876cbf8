"""Delivery: notifications through the worker to a fake channel that enforces the limit
and injects 429s and 5xx: achieved rate ÷ enforced limit, lost, duplicated."""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.stats import RUNS, Spread, ratios
from bot.delivery.ratelimit import Limits
from bot.delivery.worker import (
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


SHIPPED = DeliverySettings()  # what production runs (bot.runner: the same defaults)


async def run(tmp: Path, count: int, limit: float, runs: int = RUNS) -> dict[str, Any]:
    """`runs` runs on fresh outboxes: each figure's median and min–max."""
    found = [await run_once(tmp / f"outbox-{n}.db", count, limit) for n in range(runs)]
    spreads = {k: Spread.of(r[k] for r in found) for k in found[0] if k not in ("limit", "count")}
    return {"limit": limit, "count": count, "settings": SHIPPED, **spreads}


async def run_once(path: Path, count: int, limit: float) -> dict[str, Any]:
    db = Database(f"sqlite:///{path}")
    await db.create_schema()
    async with db.transaction() as store:
        for n in range(count):
            await store.outbox.enqueue(f"n{n}", kind="broadcast", platform="telegram",
                                       chat_id=f"c{n}", html="Thông báo")  # fmt: skip
        await store.commit()
    channel = LimitedChannel(limit)
    worker = DeliveryWorker(db, {"telegram": channel}, SHIPPED)
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
    ratio = r["rate"].scaled(1 / r["limit"])
    unpaused = r["unpaused_rate"].scaled(1 / r["limit"])
    share = ratios(r["paused"], r["elapsed"])
    s: DeliverySettings = r["settings"]
    runs = len(ratio.runs)
    return [
        "## 3. Delivery",
        "",
        f"{r['count']:,} notifications to distinct chats through the delivery worker with the "
        f"shipped settings (batches of {s.batch}, {s.concurrent_batches} in flight, backoff "
        f"{s.retry.base:g} s ×{s.retry.factor:g}, {s.retry.attempts} attempts), a fake channel "
        "enforcing "
        f"{r['limit']:.0f}/s overall and answering 1 % 429 (retry_after 0.2 s) and 3 % 5xx; "
        f"{runs} runs, each figure the median and min–max: **{r['rate'].show(unit='/s')}**, "
        f"ratio to the limit **{ratio.show(2)}** (target ≥ 0.9: "
        f"{'met' if ratio.median >= 0.9 else 'missed'}); lost **{r['lost'].show()}**, "
        f"duplicated **{r['duplicated'].show()}**, limit violations seen by the channel: "
        f"{r['violations'].show()}.",
        "",
        f"The channel's 429s told the worker to send nothing for {r['paused'].show(1, ' s')} of "
        f"runs of {r['elapsed'].show(1, ' s')} (a limit of zero: {share.scaled(100).show()} % "
        f"of the time). Over the time the channel allowed sends: "
        f"**{r['unpaused_rate'].show(unit='/s')}**, ratio **{unpaused.show(2)}** to the limit. "
        f"A 5xx is retried after the shipped backoff ({s.retry.base:g} s), so the last "
        "retries set the end of a run: the rate is that of the whole broadcast, tail included.",
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description="Delivery alone, shipped settings.")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--limit", type=float, default=200.0)
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = asyncio.run(run(Path(tmp), args.count, args.limit, args.runs))
        print("\n".join(report(result)))


if __name__ == "__main__":
    main()
