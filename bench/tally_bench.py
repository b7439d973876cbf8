"""Tally: the weekly tally of a whole province (villages reported per commune), against the
bare SQL aggregate over the same rows.

python -m bench.tally_bench [--entries N]   (a smaller province for a quick look)"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from bench.province import build
from bench.stats import RUNS, Spread
from reminders.calendar import month_of, week_of
from reminders.progress import tally_view
from storage.db import Database

REPEAT = RUNS


def _bare_runs(path: Path, start: date, end: date) -> Spread:
    conn = sqlite3.connect(path)
    times = []
    for _ in range(REPEAT):
        began = time.perf_counter()
        conn.execute(
            "SELECT unit_id, indicator, SUM(count) FROM entry WHERE cancelled_at IS NULL"
            " AND day >= ? AND day <= ? GROUP BY unit_id, indicator",
            (start.isoformat(), end.isoformat()),
        ).fetchall()
        times.append(time.perf_counter() - began)
    conn.close()
    return Spread.of(times)


def _bare(path: Path, start: date, end: date) -> float:
    """The bare aggregate's median time (the dashboard's baseline too)."""
    return _bare_runs(path, start, end).median


async def run(path: Path) -> dict[str, Any]:
    today = date.today()
    month, week = month_of(today), week_of(today)
    db = Database(f"sqlite:///{path}")
    times, missing = [], []
    async with db.transaction() as store:
        province = await store.units.by_code("38")
        assert province is not None
        for _ in range(REPEAT):
            began = time.perf_counter()
            top, rows, missing = await tally_view(store, province, month, week)
            times.append(time.perf_counter() - began)
        await store.commit()
    await db.dispose()
    return {"ours": Spread.of(times), "bare": _bare_runs(path, month.start, month.end),
            "children": len(rows), "total": top.counts, "listed": top.missing_listed,
            "missing": len(missing) if top.missing_listed else top.villages - top.villages_reported,
            }  # fmt: skip


def report(r: dict[str, Any], size: dict[str, Any], built: float) -> list[str]:
    ratio = r["ours"].median / r["bare"].median
    ms = 1000 * r["ours"].median
    return [
        "## 2. Tally",
        "",
        f"Synthetic province: {size['communes']} communes, {size['villages']} villages, "
        f"{size['members']} members, {size['entries']:,} entries (built in {built:.0f} s). The "
        f"weekly tally of the province (per commune: week and month to date, targets, villages "
        f"reported; the villages without a report named only from the commune down): "
        f"**{r['ours'].scaled(1000).show(0, ' ms')}**"
        f" (median, min–max); the bare SQL aggregate over the same month: "
        f"{r['bare'].scaled(1000).show(0, ' ms')}. Ratio of the medians "
        f"**{ratio:.2f}** (target ≤ 2 and under 200 ms: "
        f"{'met' if ratio <= 2 and ms < 200 else 'missed'}). {r['children']} communes ranked, "
        f"{r['missing']} villages without a report"
        f"{' (listed)' if r['listed'] else ' (counted per commune)'}.",
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    args = parser.parse_args()
    size = {"communes": 166, "villages": 4500, "members": 20000, "entries": args.entries}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "province.db"
        began = time.perf_counter()
        build(path, size["communes"], size["villages"], size["members"], size["entries"])
        built = time.perf_counter() - began
        print("\n".join(report(asyncio.run(run(path)), size, built)))


if __name__ == "__main__":
    main()
