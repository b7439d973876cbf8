"""Roster import: a 10,000-person file (CSV) read, checked line by line and applied as
10,000 personal invites and roster entries through the admin page's own service
(`RosterApp.upload_roster`), against the bare insert of the same invite and roster rows
(Core multi-row inserts in one transaction, no checks) measured in the same run; and the
whole way an admin goes on the page (upload and check, then apply, over HTTP on
127.0.0.1). Median of several runs, a fresh SQLite database each. Target: under a minute.

python -m bench.roster_bench [--rows N] [--runs K]
"""

from __future__ import annotations

import argparse
import asyncio
import html
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import FormData, web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import insert

from bot.tables import read_upload
from bot.web.admin import admin_routes
from bot.web.app import COOKIE
from handlers.admin_roster import RosterApp
from handlers.context import IndicatorCache
from handlers.types import Rules
from handlers.web import Viewer
from storage.codes import random_code
from storage.db import Database
from storage.models import Invite, Level, Role, RosterEntry, pk
from storage.seed import seed_indicators

VILLAGES = 100


def _now() -> datetime:
    return datetime.now(UTC)


def roster_csv(rows: int) -> bytes:
    lines = ["name,phone,village_code,role"]
    lines += [
        f"Nguyễn Thị Hường {n:05},09{n:08},T{n % VILLAGES:03},{'tổ trưởng' if n % 50 == 0 else ''}"
        for n in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


async def _world(path: Path) -> tuple[Database, Viewer]:
    db = Database(f"sqlite:///{path}")
    await db.create_schema()
    async with db.transaction() as store:
        await seed_indicators(store)
        province = await store.units.add("38", "Thanh Hóa", Level.province)
        commune = await store.units.add("16012", "Xã Hoằng Kim", Level.commune, province)
        for n in range(VILLAGES):
            await store.units.add(f"T{n:03}", f"Thôn {n}", Level.village, commune)
        leader = await store.members.add("Lê Thị Bình", commune, Role.commune_leader)
        await store.commit()
    return db, Viewer(leader, commune, "csrf")


async def import_once(path: Path, data: bytes) -> float:
    db, viewer = await _world(path)
    admin = RosterApp(db, clock=_now, rules=Rules(), cache=IndicatorCache(), bot_username="Bot")
    began = time.perf_counter()
    table = read_upload("ds.csv", data)
    plan, ids = await admin.upload_roster(viewer, "16012", table, apply=True)
    took = time.perf_counter() - began
    assert not plan.errors and len(ids) == len(table), plan.errors[:3]
    await db.dispose()
    return took


async def http_once(path: Path, data: bytes) -> float:
    """Upload and check, then apply (the checked rows sent back), as the page does."""
    db, viewer = await _world(path)
    async with db.transaction() as store:
        token, csrf = await store.web.open_session(pk(viewer.member), _now() + timedelta(hours=1))
        await store.commit()
    app = web.Application()
    admin = RosterApp(db, clock=_now, rules=Rules(), cache=IndicatorCache(), bot_username="Bot")
    admin_routes(app, admin)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        client.session.cookie_jar.update_cookies({COOKIE: token})
        began = time.perf_counter()
        check = FormData()
        check.add_field("csrf", csrf)
        check.add_field("mode", "check")
        check.add_field("file", data, filename="ds.csv")
        page = await (await client.post("/app/admin/16012/roster", data=check)).text()
        rows = html.unescape(page.split('name="rows" value="')[1].split('"')[0])
        apply = FormData(default_to_multipart=True)  # as the browser sends the page's form
        apply.add_field("csrf", csrf)
        apply.add_field("mode", "apply")
        apply.add_field("rows", rows)
        done = await client.post("/app/admin/16012/roster", data=apply, allow_redirects=False)
        took = time.perf_counter() - began
        assert done.status == 303, (await done.text())[:500]
    await db.dispose()
    return took


async def bare_once(path: Path, rows: int) -> float:
    """The same rows, inserted with nothing checked: the floor an import cannot beat."""
    db, viewer = await _world(path)
    now, unit_id = _now(), viewer.unit.id  # all into one unit: no lookups at all
    began = time.perf_counter()
    async with db.transaction() as store:
        codes = [random_code(8) for _ in range(rows)]
        await store.session.exec(
            insert(Invite.__table__),  # type: ignore[attr-defined]
            params=[
                {"code": c, "unit_id": unit_id, "role": Role.member, "max_uses": 1, "used": 0,
                 "expires_at": now + timedelta(days=60), "created_at": now}
                for c in codes
            ],
        )  # fmt: skip
        await store.session.exec(
            insert(RosterEntry.__table__),  # type: ignore[attr-defined]
            params=[
                {"name": f"N {n}", "phone": "", "unit_id": unit_id, "role": Role.member,
                 "invite_id": n + 1, "created_at": now}
                for n in range(rows)
            ],
        )  # fmt: skip
        await store.commit()
    took = time.perf_counter() - began
    await db.dispose()
    return took


async def run(rows: int, runs: int) -> dict[str, Any]:
    data = roster_csv(rows)
    imports, bares, pages = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(runs):  # interleaved: all see the same machine load
            bares.append(await bare_once(Path(tmp) / f"bare{n}.db", rows))
            imports.append(await import_once(Path(tmp) / f"import{n}.db", data))
            pages.append(await http_once(Path(tmp) / f"http{n}.db", data))
    imported, bare = statistics.median(imports), statistics.median(bares)
    return {
        "rows": rows,
        "runs": runs,
        "import_s": round(imported, 2),
        "import_range_s": (round(min(imports), 2), round(max(imports), 2)),
        "import_rate": round(rows / imported),
        "bare_s": round(bare, 3),
        "bare_rate": round(rows / bare),
        "ratio": round((rows / imported) / (rows / bare), 3),
        "page_s": round(statistics.median(pages), 2),
        "page_range_s": (round(min(pages), 2), round(max(pages), 2)),
        "under_a_minute": max(imported, statistics.median(pages)) < 60,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    result = asyncio.run(run(args.rows, args.runs))
    print(
        f"Roster import, {result['rows']} rows, median of {result['runs']}: "
        f"{result['import_s']} s ({result['import_rate']}/s, range {result['import_range_s']}); "
        f"bare insert of the same rows: {result['bare_s']} s ({result['bare_rate']}/s); "
        f"ratio {result['ratio']}; on the page (check + apply over HTTP): {result['page_s']} s "
        f"(range {result['page_range_s']}); under a minute: {result['under_a_minute']}"
    )


if __name__ == "__main__":
    main()
