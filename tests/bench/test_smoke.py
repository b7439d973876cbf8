"""The benchmarks run in CI only at a smoke size, and only their correctness is checked
here; their speed is measured by `make bench`, never asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent.parent


def test_the_benchmarks_run_and_lose_nothing() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--smoke"], cwd=ROOT, capture_output=True,
        text=True, timeout=300, check=True,
    )  # fmt: skip
    out = done.stdout
    assert "Every count was stored exactly: yes" in out
    assert "lost **0**, duplicated **0**" in out
    assert "limit violations seen by the channel: 0." in out
    assert "## 4. Memory and start-up" in out
