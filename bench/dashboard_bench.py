"""Web dashboard: the province page rendered on the server (a signed-in province admin's
GET /app/unit over HTTP on 127.0.0.1: tally, missing villages, 12 weeks, template), against
the bare SQL aggregate of the month over the same rows.

python -m bench.dashboard_bench [--entries N]   (a smaller province for a quick look)
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bench.province import build
from bench.tally_bench import _bare
from bot.web.app import COOKIE, WebConfig, web_routes
from handlers.context import IndicatorCache
from handlers.types import Rules
from handlers.web import WebApp
from reminders.calendar import Schedule, WorkingDays, month_of
from reminders.ontime import take_on_time
from storage.db import Database
from storage.models import Role, pk

REPEAT = 15


def _now() -> datetime:
    return datetime.now(UTC)


async def run(path: Path) -> dict[str, Any]:
    db = Database(f"sqlite:///{path}")
    async with db.transaction() as store:
        province = await store.units.by_code("38")
        assert province is not None
        admin = await store.members.add("Quản trị tỉnh", province, Role.province_admin)
        session, _ = await store.web.open_session(pk(admin), _now() + timedelta(hours=1))
        await store.commit()
    app = web.Application()
    webapp = WebApp(db, clock=_now, rules=Rules(), cache=IndicatorCache())
    web_routes(app, webapp, WebConfig(False, 1), _now)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        client.session.cookie_jar.update_cookies({COOKIE: session})
        # The month's on-time rate from the raw entries (no counts taken yet), then as the
        # schedule leaves it: its tick takes the counts once the deadline day is over.
        raw, _ = await _requests(client)
        began = time.perf_counter()
        taken = await take_on_time(db, _now(), Schedule(), WorkingDays(), months=2)
        take_seconds = time.perf_counter() - began
        times, size = await _requests(client)
    await db.dispose()
    month = month_of(date.today())
    return {
        "median": statistics.median(times),
        "p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
        "spread": (times[0], times[-1]),
        "bare": _bare(path, month.start, month.end),
        "bytes": size,
        "raw": statistics.median(raw),
        "raw_spread": (raw[0], raw[-1]),
        "taken": taken,
        "take_seconds": take_seconds,
    }


async def _requests(client: TestClient[Any, Any]) -> tuple[list[float], int]:
    times, size = [], 0
    for n in range(REPEAT + 1):
        began = time.perf_counter()
        response = await client.get("/app/unit")
        body = await response.read()
        assert response.status == 200, body[:300]
        if n:  # the first request warms the indicator cache and the templates
            times.append(time.perf_counter() - began)
        size = len(body)
    times.sort()
    return times, size


def report(r: dict[str, Any]) -> list[str]:
    ms = 1000 * r["median"]
    low, high = (1000 * t for t in r["spread"])
    return [
        "## 5. Web dashboard",
        "",
        f"The province dashboard (`GET /app/unit` as a province admin, over HTTP on 127.0.0.1: "
        f"tally of the communes, villages reported per commune, the last 12 weeks, the page "
        f"rendered on the server): **{ms:.0f} ms** median, p95 {1000 * r['p95']:.0f} ms, "
        f"{low:.0f}–{high:.0f} ms over {REPEAT} requests; the bare SQL aggregate of the month: "
        f"{1000 * r['bare']:.0f} ms. Ratio **{r['median'] / r['bare']:.2f}**. "
        f"Page: {r['bytes'] / 1024:.0f} KB uncompressed.",
        "",
        f"The same page in the same run before the schedule took the months' on-time counts "
        f"(the rate read from the raw entries of the month): {1000 * r['raw']:.0f} ms median, "
        f"{1000 * r['raw_spread'][0]:.0f}–{1000 * r['raw_spread'][1]:.0f} ms. Taking them "
        f"({', '.join(r['taken']) or 'none due'}) took {r['take_seconds']:.2f} s, once.",
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "province.db"
        build(path, 166, 4500, 20000, args.entries)
        print("\n".join(report(asyncio.run(run(path)))))


if __name__ == "__main__":
    main()
