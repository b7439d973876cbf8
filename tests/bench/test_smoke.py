"""The benchmarks run in CI only at a smoke size, and only their correctness is checked
here; their speed is measured by `make bench`, never asserted."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import databases

pytestmark = pytest.mark.slow  # runs the benchmarks in a subprocess

ROOT = Path(__file__).parent.parent.parent


def test_the_benchmarks_run_and_lose_nothing() -> None:
    env = dict(os.environ)
    if databases.ON_POSTGRES:  # the PostgreSQL run measures intake there too
        env["CNSBOT_BENCH_POSTGRES"] = databases.POSTGRES_ADMIN
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--smoke", "--runs", "2"], cwd=ROOT,
        capture_output=True, text=True, timeout=300, check=True, env=env,
    )  # fmt: skip
    out = done.stdout
    assert "Every count was stored exactly, in every run: yes" in out
    assert ("| PostgreSQL (local server) |" in out) == databases.ON_POSTGRES
    assert "lost **0 (0–0, 2 runs)**, duplicated **0 (0–0, 2 runs)**" in out
    assert "limit violations seen by the channel: 0 (0–0, 2 runs)." in out
    assert "with the shipped settings (batches of 50," in out  # what production runs
    assert "(median, min–max)" in out  # every cell several runs, not one
    assert "## 4. Memory and start-up" in out
    assert "## 5. Web dashboard" in out
