"""Intake: reports per second through the real aiogram dispatcher into SQLite and into
PostgreSQL, against a bare aiogram handler that only echoes — the same updates, same run."""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.base import BaseSession
from aiogram.types import Chat, Message, User

from bench.stats import RUNS, Spread, ratios
from bot.delivery.ratelimit import Limits
from bot.delivery.worker import DeliveryWorker
from bot.tg.app import make_dispatcher
from bot.tg.channel import TelegramChannel
from handlers.app import Handlers
from handlers.types import Rules
from storage.db import Database
from storage.models import Level, utcnow
from storage.seed import seed_indicators

USERS = 200
# A day's reports from each person arrive within seconds here: the per-person limits are set
# out of reach (their queries still run on every report).
RULES = Rules(reports_per_minute=10_000, daily_limit=1_000_000)


class NullSession(BaseSession):
    """Answers every Bot API call at once, as Telegram would, without a network."""

    async def make_request(self, bot: Bot, method: Any, timeout: int | None = None) -> Any:
        if method.__returning__ is Message:
            return Message(message_id=1, date=0, chat=Chat(id=1, type="private"))
        if method.__returning__ is User:
            return User(id=1, is_bot=True, first_name="CNS", username="CnsBot")
        return True

    async def close(self) -> None:
        pass

    async def stream_content(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover
        yield b""


def updates(count: int) -> list[dict[str, Any]]:
    result = []
    for n in range(count):
        user = {"id": 1000 + n % USERS, "is_bot": False, "first_name": "Tổ viên"}
        result.append({"update_id": n + 1, "message": {
            "message_id": n + 1, "date": 1763700000, "text": f"vneid {n % 20 + 1} cks 1",
            "from": user, "chat": {"id": user["id"], "first_name": "Tổ viên", "type": "private"},
        }})  # fmt: skip
    return result


async def _world(db: Database) -> None:
    await db.create_schema()
    async with db.transaction() as store:
        await seed_indicators(store)
        commune = await store.units.add("C", "Xã", Level.commune)
        village = await store.units.add("V", "Thôn", Level.village, commune)
        for n in range(USERS):
            member = await store.members.add(f"Tổ viên {n}", village)
            await store.members.link(member, "telegram", str(1000 + n))
        await store.commit()


CONCURRENT = 32  # updates in flight at once, as aiogram's polling and webhooks handle them


def dispatcher_of(db: Database, bot: Bot) -> tuple[Dispatcher, DeliveryWorker]:
    """The bot's dispatcher, its receipts sent by the delivery worker's fast path (limits
    out of the way: this measures intake, not Telegram's pacing)."""
    unlimited = Limits(per_second=1e6, per_chat_second=1e6, per_group_minute=1e6)
    delivery = DeliveryWorker(db, {"telegram": TelegramChannel(bot, unlimited)})
    return make_dispatcher(
        Handlers(db, clock=utcnow, rules=RULES), delivery, retry_failures=True
    ), delivery


async def _feed(
    dispatcher: Dispatcher,
    bot: Bot,
    batch: list[dict[str, Any]],
    delivery: DeliveryWorker | None = None,
) -> float:
    """Updates per second, fed one after another (their replies sent, when queued)."""
    start = time.perf_counter()
    for update in batch:
        await dispatcher.feed_raw_update(bot, update)
    if delivery is not None:
        await delivery.flush()
    return len(batch) / (time.perf_counter() - start)


async def _feed_concurrently(
    dispatcher: Dispatcher,
    bot: Bot,
    batch: list[dict[str, Any]],
    delivery: DeliveryWorker | None = None,
) -> float:
    """Updates per second with CONCURRENT of them in flight (an evening rush)."""
    queue = iter(batch)

    async def lane() -> None:
        for update in queue:
            await dispatcher.feed_raw_update(bot, update)

    start = time.perf_counter()
    await asyncio.gather(*(lane() for _ in range(CONCURRENT)))
    if delivery is not None:
        await delivery.flush()
    return len(batch) / (time.perf_counter() - start)


async def _ours(
    url: str, bot: Bot, batch: list[dict[str, Any]], concurrent: bool
) -> tuple[float, bool]:
    db = Database(url)
    try:
        await _world(db)
        ours, delivery = dispatcher_of(db, bot)
        rate = await (_feed_concurrently if concurrent else _feed)(ours, bot, batch, delivery)
        async with db.reading() as store:
            counted = await store.entries.totals(*_this_year())
    finally:
        await db.dispose()
    expected = sum(n % 20 + 1 for n in range(len(batch)))
    return rate, counted.get("vneid") == expected


async def run(tmp: Path, count: int, runs: int = RUNS) -> dict[str, Any]:
    """Every cell `runs` times, each run of ours beside a run of the echo baseline."""
    batch = updates(count)
    bot = Bot("123456:BENCH", session=NullSession())
    echo = Dispatcher()
    router = Router()

    @router.message()
    async def repeat(message: Message, bot: Bot) -> None:
        await bot.send_message(message.chat.id, message.text or "")

    echo.include_router(router)
    cells: dict[str, list[float]] = {}
    ok = True
    postgres = os.environ.get("CNSBOT_BENCH_POSTGRES")
    for n in range(runs):
        cells.setdefault("echo", []).append(await _feed(echo, bot, batch))
        cells.setdefault("echo_concurrent", []).append(await _feed_concurrently(echo, bot, batch))
        for concurrent in (False, True):
            suffix = "_concurrent" if concurrent else ""
            name = f"intake{suffix}-{n}.db"
            rate, counted = await _ours(f"sqlite:///{tmp / name}", bot, batch, concurrent)
            cells.setdefault(f"sqlite{suffix}", []).append(rate)
            ok = ok and counted
            if postgres:
                name = f"cnsbot_bench_{os.getpid()}{suffix}"
                url = await fresh_postgres(postgres, name)
                try:
                    rate, counted = await _ours(url, bot, batch, concurrent)
                finally:
                    await _admin(postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                cells.setdefault(f"postgres{suffix}", []).append(rate)
                ok = ok and counted
    return {"ok": ok, "count": count, **{k: Spread.of(v) for k, v in cells.items()}}


async def _admin(admin_url: str, *statements: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_url)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def fresh_postgres(admin_url: str, name: str) -> str:
    """An empty database `name` on that server (dropped first if it exists)."""
    from sqlalchemy.engine import make_url

    await _admin(
        admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'
    )
    return make_url(admin_url).set(database=name).render_as_string(False)


def _this_year():  # type: ignore[no-untyped-def]
    from datetime import date

    today = date.today()
    return date(today.year - 1, 1, 1), date(today.year + 1, 12, 31)


def report(r: dict[str, Any]) -> list[str]:
    alone, together = (
        ratios(r["sqlite"], r["echo"]),
        ratios(r["sqlite_concurrent"], r["echo_concurrent"]),
    )
    runs = len(r["echo"].runs)
    lines = [
        "## 1. Intake",
        "",
        "Reports through the real aiogram dispatcher (a recording session: no network), "
        "parsed, stored (one transaction each, de-duplicated) and answered with a receipt; "
        "the baseline is a bare aiogram handler that only echoes, on the same updates. "
        f"{r['count']:,} updates a run, {runs} runs of every cell, each run of ours beside a run "
        "of the baseline: the median, then min–max over the runs; a ratio is taken run by run.",
        "",
        f"| | one after another | {CONCURRENT} in flight |",
        "|---|---|---|",
        f"| echo baseline | {r['echo'].show(unit='/s')} | {r['echo_concurrent'].show(unit='/s')} |",
        f"| SQLite | **{r['sqlite'].show(unit='/s')}**, ratio **{alone.show(3)}** | "
        f"{r['sqlite_concurrent'].show(unit='/s')}, ratio {together.show(3)} |",
    ]
    if "postgres" in r:
        pg_alone = ratios(r["postgres"], r["echo"])
        pg_together = ratios(r["postgres_concurrent"], r["echo_concurrent"])
        lines.append(
            f"| PostgreSQL (local server) | {r['postgres'].show(unit='/s')}, ratio "
            f"{pg_alone.show(3)} | **{r['postgres_concurrent'].show(unit='/s')}**, ratio "
            f"{pg_together.show(3)} |"
        )
    else:
        lines.append("| PostgreSQL | not measured (CNSBOT_BENCH_POSTGRES unset) | |")
    met = alone.median >= 0.25
    lines += [
        "",
        f"Target: SQLite ≥ 0.25 of the echo rate — {'met' if met else 'missed'} "
        f"(median ratio {alone.median:.3f}, lowest run {alone.low:.3f}). Every count was stored "
        f"exactly, in every run: {'yes' if r['ok'] else 'NO'}.",
        "",
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Intake alone (SQLite; PostgreSQL when "
        "CNSBOT_BENCH_POSTGRES is set): several runs per cell."
    )
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print("\n".join(report(asyncio.run(run(Path(tmp), args.updates, args.runs)))))


if __name__ == "__main__":
    main()
