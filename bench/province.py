"""A synthetic province for benchmarks: communes, villages, members and entries, written
straight into SQLite (executemany) because building it through the bot would take hours."""

from __future__ import annotations

import asyncio
import random
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from storage import rollup_check
from storage.db import Database
from storage.seed import seed_indicators

INDICATORS = ["vneid", "cks", "tt"]


async def _schema(path: Path) -> None:
    db = Database(f"sqlite:///{path}")
    await db.create_schema()
    async with db.transaction() as store:
        await seed_indicators(store)
        await store.commit()
    await db.dispose()


def build(
    path: Path, communes: int, villages: int, members: int, entries: int, seed: int = 1
) -> None:
    asyncio.run(_schema(path))
    rng = random.Random(seed)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    units = [(1, "38", "Tỉnh Thử", "province", None, "/1/")]
    for c in range(communes):
        uid = 2 + c
        units.append((uid, f"C{c}", f"Xã Thử {c}", "commune", 1, f"/1/{uid}/"))
    village_ids = []
    for v in range(villages):
        uid = 2 + communes + v
        parent = 2 + v % communes
        units.append((uid, f"V{v}", f"Thôn {v}", "village", parent, f"/1/{parent}/{uid}/"))
        village_ids.append(uid)
    conn.executemany(
        "INSERT INTO unit (id, code, name, level, parent_id, path) VALUES (?,?,?,?,?,?)", units
    )
    now = datetime.now(UTC).isoformat(sep=" ")
    people = [
        (m + 1, f"Người {m}", village_ids[m % villages], "member", 1, now) for m in range(members)
    ]
    conn.executemany(
        "INSERT INTO member (id, name, unit_id, role, active, created_at) VALUES (?,?,?,?,?,?)",
        people,
    )
    conn.executemany(
        "INSERT INTO identity (member_id, platform, user_id, display_name, private_chat_id)"
        " VALUES (?,?,?,?,?)",
        [(m + 1, "telegram", str(100000 + m), "", str(100000 + m)) for m in range(members)],
    )
    today = date.today()
    start = today.replace(day=1) - timedelta(days=365)
    span = (today - start).days + 1
    batch = []
    for n in range(entries):
        member = rng.randrange(members)
        day = start + timedelta(days=rng.randrange(span))
        cancelled = now if n % 50 == 0 else None
        unit = village_ids[member % villages]
        count = rng.randint(1, 20)
        row = (f"R{n:07d}", member + 1, unit, rng.choice(INDICATORS), count, day.isoformat())
        batch.append((*row, "bench", now, cancelled))
        if len(batch) == 50_000:
            _entries(conn, batch)
            batch = []
    _entries(conn, batch)
    # The roll-ups the bot keeps with every entry, filled at once (as migration 0016 does).
    for sql in rollup_check.FILL:
        conn.execute(sql)
    conn.commit()
    conn.close()


def _entries(conn: sqlite3.Connection, rows: list[tuple[object, ...]]) -> None:
    conn.executemany(
        "INSERT INTO entry (receipt, member_id, unit_id, indicator, count, day, source,"
        " created_at, cancelled_at) VALUES (?,?,?,?,?,?,?,?,?)",
        rows,
    )
