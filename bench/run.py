"""`make bench`: every figure measured in this run against a baseline from the same run.

python -m bench.run [--smoke]      (writes bench/README.md unless --smoke)
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

from bench import delivery_bench, intake_bench, tally_bench
from bench.province import build

SIZES = {
    "full": {"updates": 2000, "communes": 166, "villages": 4500, "members": 20000,
             "entries": 1_000_000, "notifications": 10_000, "limit": 200.0},
    "smoke": {"updates": 50, "communes": 4, "villages": 20, "members": 60,
              "entries": 2_000, "notifications": 100, "limit": 400.0},
}  # fmt: skip


LIMITS = """## What limits these figures (profiled 2026-11-23; re-check after changes)

- **Intake.** A report is one transaction of about 9 SQL statements (BEGIN IMMEDIATE, the
  update key, a savepoint, one lookup of account+member+unit, the receipt check, the
  entries, the audit row, RELEASE), but what costs is not SQL: a profile
  (`python -m bench.profile_intake`, and cProfile of the same loop) shows the event loop idle
  in `epoll` about two thirds of the time, waiting on ~65 hand-offs per report to the
  aiosqlite thread (execute, fetch and close for every statement), ~12 ms per report on this
  2-core machine. The echo baseline does no I/O at all. Folding three lookups into one cut
  3 statements and almost no time, which confirms it. Building the alias vocabulary per
  message cost ~5 ms more and is now cached (60 s). Next step: run each update's whole
  transaction on one worker thread with the synchronous driver (one hand-off per report).
- **Tally.** The province tally loads the 4,667 units as ORM objects and aggregates the
  month and the week through a join on the unit path; the bare baseline is one GROUP BY of
  the month. Computing the missing villages from the same aggregate (instead of a second
  one) took it from 771 ms to 372–455 ms (two runs). Next steps: select plain columns instead of ORM
  objects, and skip the path join when the scope is the whole database.
- **Delivery.** The injected 429s pause the whole platform for `retry_after` (1 % of 10,000
  messages × 0.2 s = about 20 s of the run are paused by design), and each batch of 100 costs
  a claim and an outcome transaction of ~100 single-row statements.
- **Memory.** The console process imports SQLAlchemy, pydantic, matplotlib, openpyxl and
  holidays at start; the peak includes the start-up catch-up run over the province.
"""


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
    args = parser.parse_args()
    size = SIZES["smoke" if args.smoke else "full"]
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        intake = asyncio.run(intake_bench.run(Path(tmp), size["updates"]))
        lines += intake_bench.report(intake)
        db_path = Path(tmp) / "province.db"
        started = time.perf_counter()
        build(db_path, size["communes"], size["villages"], size["members"], size["entries"])
        built = time.perf_counter() - started
        tally = asyncio.run(tally_bench.run(db_path))
        lines += tally_bench.report(tally, size, built)
        delivery = asyncio.run(delivery_bench.run(Path(tmp), size["notifications"], size["limit"]))
        lines += delivery_bench.report(delivery)
        ready, rss = startup_and_memory(db_path)
        lines += [
            "## 4. Memory and start-up",
            "",
            f"A bot process (console channel, scheduler and delivery worker) on that province: "
            f"first answer after **{ready:.2f} s**, "
            f"peak RSS **{rss:.0f} MB** "
            f"(target ≤ 200 MB: {'met' if rss <= 200 else 'missed'}).",
            "",
        ]
    lines += LIMITS.splitlines()
    text = "\n".join(lines)
    print(text)
    if not args.smoke:
        header = (
            "# Benchmarks\n\n"
            f"Measured by `make bench` on {date.today()} ({datetime.now(UTC):%H:%M} UTC), "
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"{platform.platform()}. Every figure is a ratio to a baseline measured in the same "
            "run.\n\n"
        )
        (Path(__file__).parent / "README.md").write_text(header + text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
