"""How many SQL statements one report costs, and how long, and where the time goes:
`python -m bench.profile_intake [DATABASE_URL] [--cprofile [--cumulative]]` (default: a new
SQLite file)."""

from __future__ import annotations

import asyncio
import cProfile
import pstats
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from aiogram import Bot
from sqlalchemy import event

from bench.intake_bench import NullSession, _world, dispatcher_of, updates
from storage.db import Database


async def main(url: str, profile: bool) -> None:
    db = Database(url)
    await _world(db)
    statements: list[str] = []

    @event.listens_for(db.engine.sync_engine, "before_cursor_execute")
    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(" ".join(statement.split()[:3]))

    bot = Bot("123456:BENCH", session=NullSession())
    dispatcher, delivery = dispatcher_of(db, bot)
    batch = updates(420)
    for update in batch[:20]:  # warm up
        await dispatcher.feed_raw_update(bot, update)
    await delivery.flush()
    statements.clear()
    profiler = cProfile.Profile()
    if profile:
        profiler.enable()
    started = time.perf_counter()
    for update in batch[20:]:
        await dispatcher.feed_raw_update(bot, update)
    await delivery.flush()
    per_update = (time.perf_counter() - started) / 400
    profiler.disable()
    print(f"{1000 * per_update:.1f} ms and {len(statements) / 400:.1f} statements per report")
    for statement, n in Counter(statements).most_common():
        print(f"{n / 400:5.2f}  {statement}")
    await db.dispose()
    if profile:
        order = "cumulative" if "--cumulative" in sys.argv else "tottime"
        pstats.Stats(profiler).sort_stats(order).print_stats(45)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    default = f"sqlite:///{Path(tempfile.mkdtemp()) / 'profile.db'}"
    asyncio.run(main(args[0] if args else default, "--cprofile" in sys.argv))
