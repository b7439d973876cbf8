"""`make bench`: every figure measured in this run against a baseline from the same run.

python -m bench.run [--smoke] [--runs N]   (writes bench/README.md unless --smoke; N runs
                                            per cell, 5 by default)
python -m bench.run --national     (also the national benchmark on PostgreSQL: tens of
                                    minutes, so only when asked; bench/national_bench.py)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from bench import dashboard_bench, delivery_bench, intake_bench, national_bench, tally_bench
from bench.province import build
from bench.stats import RUNS, Spread

SIZES = {
    "full": {"updates": 2000, "communes": 166, "villages": 4500, "members": 20000,
             "entries": 1_000_000, "notifications": 10_000, "limit": 200.0},
    "smoke": {"updates": 50, "communes": 4, "villages": 20, "members": 60,
              "entries": 2_000, "notifications": 100, "limit": 400.0},
}  # fmt: skip


LIMITS = """## What limits these figures (profiled 2026-11-27; re-check after changes)

- **Intake.** Profiles: `python -m bench.profile_intake [URL] [--cprofile]`. On 2026-11-23 a
  report cost ~12 ms, two thirds of it the event loop idle while ~65 calls per report went
  to aiosqlite's thread and back; SQLite is now driven on the loop itself
  (`storage/sqlite_inline.py`). On 2026-11-27 the month lock, the declarations and the
  roll-ups had brought a report to 16.4 statements and ~5 ms; it now runs 10.4 statements on
  SQLite and 9.4 on PostgreSQL: the update key, the account lookup, one prebuilt UNION ALL
  for every check (limits, month lock, declaration, the receipt code drawn;
  `storage/intake.py`), on PostgreSQL one statement holding the member's row and the rows of
  the units above, the entries, the audit row, the roll-ups written last (one upsert per
  table, or one statement for both on PostgreSQL; `storage/rollups.py`), the reply in the
  outbox. There is no savepoint per update: a refusal rolls the whole transaction back and
  keeps the key and its answer in a second one. What remains is per-statement Python
  (~100 µs a statement on SQLite: the ORM session, the async hop, Core), ~0.5 ms the grammar
  and ~0.5 ms aiogram building the receipt. The echo baseline does no I/O and no parsing,
  ~0.2 ms an update: 0.25 of it is out of reach through an ORM session per update. On
  PostgreSQL each statement is also a round trip to the server (same machine here), and one
  Python process is CPU-bound: that is what several webhook workers are for (README,
  "Running at scale").
- **Tally.** Read from the roll-ups at every level (`subtree_daily` per unit and day,
  `unit_period` per unit and month, quarter, year; `storage/tally.py`): the province's tally
  reads the rows of the province and its 166 communes for the month and the week in one
  aggregate, counts the villages per commune in SQL from the unit table and the villages
  reported from the period counters, and names the villages without a report only from the
  commune down. Its cost grows with the units shown, not with the entries; the bare
  baseline still scans the month's entries. On the national benchmark (`bench/NATIONAL.md`,
  PostgreSQL, 5M to 20M entries) the country's tally stays at 40–46 ms, most of it counting
  100,000 villages per province in the unit table.
- **Delivery.** Sends are booked at spaced moments per platform, chat and group; batches (50
  rows shipped) overlap (three in flight), so a batch whose last row waits for its chat's limit no
  longer stalls the next; a send that went through is committed at once (group commit); a
  send that wakes late (the loop was busy: SQLite runs on it) may catch up within the
  platform's sliding second instead of pushing every later send back (that alone took a
  fault-free run of 10,000 from 0.77 to 0.94 of the limit, measured the same day with this
  channel and no 429s or 5xx). The injected 429s pause the whole platform for `retry_after`
  (Telegram does not say which chat a 429 is about): time in which the limit allows nothing,
  so both the raw ratio and the ratio over the time the channel allowed sends are shown.
  What remains below 1 is the retries of the 3 % 5xx (backoff, then the chat's own 1/s
  limit) at the end of the run, the sends booked inside a pause going back to the queue, and
  the claim of each batch (~15 ms on the loop for 100 rows), and with the shipped backoff
  (2 s, doubling) the retries of the last 5xx, which end a run seconds after the first
  attempts have all gone out.
- **Web dashboard.** The province page is the `/tiendo` tally (the same `tally_view`, ~20
  ms here, from the roll-ups), the chart of the last 12 weeks (the province's own daily
  rows: ~1 ms), the sign-off badge with the on-time rate, and rendering 166 rows. The
  on-time rate ("Đúng hạn": which villages had a report or a declaration in force at the end
  of the deadline day) used to be read from the raw entries of the month (~0.12 s of ~0.2
  s under cProfile); now the schedule takes each month's counts once its deadline day is
  over (`reminders/ontime.py`, `storage/punctual.py`), and before the deadline the period
  counters are the rate so far. The benchmark shows the page in the same run before and
  after the counts are taken.
- **Memory.** The bot's own peak (VmHWM) is mostly imports: ~90–110 MB for SQLAlchemy,
  SQLModel and pydantic, Alembic, aiohttp, openpyxl and the official unit list (aiogram only
  on the Telegram path, matplotlib only when a chart is drawn), plus what the first answer
  and the catch-up run touch (the tally reads plain rows, not ORM objects). Until 2026-11-26
  this benchmark read `getrusage(RUSAGE_CHILDREN)`, which on Linux starts a child's peak at
  the parent's size at fork — the benchmark's own, after building the province — and so
  reported ~240 MB for a ~120 MB bot.
"""


def startup_and_memory_runs(db_path: Path, runs: int) -> tuple[Spread, Spread]:
    """`startup_and_memory` `runs` times: seconds to the first answer, peak RSS (MB)."""
    found = [startup_and_memory(db_path) for _ in range(runs)]
    return Spread.of(r for r, _ in found), Spread.of(m for _, m in found)


def startup_and_memory(db_path: Path) -> tuple[float, float]:
    """Seconds from start to the first answer, and the peak RSS (MB), of a bot process
    on the province (the console channel: the same handlers, storage and schedule)."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db_path}",
        "TELEGRAM_BOT_TOKEN": "",
        "DEMO_DATA": "false",
    }
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "console", "--as", "100000"], env=env,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdin and process.stdout
    process.stdin.write("/help\n")
    process.stdin.flush()
    ready, peak_kb = None, 0
    for line in process.stdout:
        if "/bc" in line and ready is None:
            ready = time.perf_counter() - start
            time.sleep(2)  # the schedule's catch-up run and the delivery worker start too
            peak_kb = _peak_rss_kb(process.pid)
            process.stdin.close()
    process.wait(timeout=60)
    return ready or float("nan"), peak_kb / 1024


def _peak_rss_kb(pid: int) -> int:
    """The process's own high-water mark (VmHWM). Not getrusage(RUSAGE_CHILDREN): on Linux
    a child's ru_maxrss starts from the parent's size at fork, which here is the benchmark's
    own (the province it just built), not the bot's."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, no README (CI)")
    parser.add_argument("--runs", type=int, default=RUNS, help=f"runs per cell ({RUNS})")
    parser.add_argument(
        "--national", action="store_true", help="also the national benchmark (PostgreSQL, slow)"
    )
    args = parser.parse_args()
    runs = args.runs
    size = SIZES["smoke" if args.smoke else "full"]
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        intake = asyncio.run(intake_bench.run(Path(tmp), size["updates"], runs))
        lines += intake_bench.report(intake)
        db_path = Path(tmp) / "province.db"
        started = time.perf_counter()
        build(db_path, size["communes"], size["villages"], size["members"], size["entries"])
        built = time.perf_counter() - started
        tally = asyncio.run(tally_bench.run(db_path))
        lines += tally_bench.report(tally, size, built)
        dashboard = asyncio.run(dashboard_bench.run(db_path))
        delivery = asyncio.run(
            delivery_bench.run(Path(tmp), size["notifications"], size["limit"], runs)
        )
        lines += delivery_bench.report(delivery)
        ready, rss = startup_and_memory_runs(db_path, runs)
        lines += [
            "## 4. Memory and start-up",
            "",
            f"A bot process (console channel, scheduler and delivery worker) on that province, "
            f"started {runs} times (median, min–max): first answer after "
            f"**{ready.show(2, ' s')}**, peak RSS **{rss.show(0, ' MB')}** "
            f"(target ≤ 200 MB: {'met' if rss.high <= 200 else 'missed'}).",
            "",
        ]
        lines += dashboard_bench.report(dashboard)
    postgres = os.environ.get("CNSBOT_BENCH_POSTGRES")
    if args.national and postgres:
        steps = [1] if args.smoke else [5, 10, 20]
        national = asyncio.run(national_bench.run(postgres, steps, national_bench.REPEAT))
        lines += ["## 6. The whole country (PostgreSQL)", ""]
        lines += [*national_bench.report(national, national_bench.REPEAT), ""]
    lines += LIMITS.splitlines()
    text = "\n".join(lines)
    print(text)
    if not args.smoke:
        header = (
            "# Benchmarks\n\n"
            f"Measured by `make bench` on {date.today()} ({datetime.now(UTC):%H:%M} UTC), "
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"{platform.platform()}. Every figure is a ratio to a baseline measured in the same "
            f"run, and every cell is the median and min–max of {runs} runs.\n\n"
        )
        (Path(__file__).parent / "README.md").write_text(header + text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
