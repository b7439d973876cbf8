"""The console channel, run as a person would run it: a separate process on demo data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # runs `python -m bot` in a subprocess

Run = Callable[[list[str], str], str]


@pytest.fixture
def cnsbot(tmp_path: Path, database_url: str) -> Run:
    """`python -m bot ARGS` with STDIN, on this test's database, as a separate process."""
    return lambda args, stdin: _cnsbot(args, stdin, tmp_path, database_url)


def _cnsbot(args: list[str], stdin: str, tmp_path: Path, url: str) -> str:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "TELEGRAM_BOT_TOKEN": "",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=True,
    )
    return done.stdout


def test_report_then_totals_then_undo_in_the_console(cnsbot: Run) -> None:
    out = cnsbot(["console", "--as", "an"], "vneid 5 cks 2\n/toi\n/huy\n/toi\n")
    assert "Bạn đang là: Nguyễn Văn An" in out
    assert "Đã ghi nhận báo cáo" in out and "VNeID: 5" in out
    summaries = [line for line in out.splitlines() if line.startswith("Hôm nay")]
    assert len(summaries) == 2
    assert "VNeID 5 · CKS 2" in summaries[0]
    assert summaries[1].endswith("chưa có")
    assert "Đã hủy phiếu" in out
    # Through the outbox and the delivery worker's fast path: each reply printed once.
    assert out.count("Đã ghi nhận báo cáo") == 1 and out.count("Đã hủy phiếu") == 1


def test_the_console_keeps_data_between_runs_and_presses_buttons(cnsbot: Run) -> None:
    cnsbot(["console"], "tt 3\n")
    out = cnsbot(["console"], "/toi\ncks 1\n!1\n")
    assert "TT 3" in out.split("Hôm nay")[1].splitlines()[0]
    assert "[nút !1] Hủy phiếu này" in out and "Đã hủy phiếu" in out


def test_a_newcomer_joins_with_a_demo_invite(cnsbot: Run) -> None:
    banner = cnsbot(["console", "--as", "moi"], "")
    code = next(line.split()[0] for line in banner.splitlines() if "— Thôn 1" in line)
    out = cnsbot(["console", "--as", "moi"], f"/thamgia {code}\nvneid 1\n")
    assert "Chào mừng" in out and "Đã ghi nhận" in out


def test_parse_prints_json(cnsbot: Run) -> None:
    out = cnsbot(["parse", "--today", "2026-11-21", "vneid 5 cks 2 hôm qua"], "")
    assert json.loads(out) == {"ok": True, "counts": {"vneid": 5, "cks": 2}, "date": "2026-11-20"}


def test_parse_jsonl_reads_one_message_per_line(cnsbot: Run, tmp_path: Path) -> None:
    lines = [json.dumps(m) for m in ["vneid 5\ncks 2", "vnied 5", "tt 3"]]
    out = cnsbot(["parse", "--jsonl", "--today", "2026-11-21"], "\n".join(lines) + "\n")
    first, second, third = (json.loads(line) for line in out.splitlines())
    assert first == {"ok": True, "counts": {"vneid": 5, "cks": 2}, "date": "2026-11-21"}
    assert second["ok"] is False and second["suggestion"] == "vneid"
    assert "vnied" in second["error"] and "Chưa ghi nhận gì" in second["error"]
    assert third["counts"] == {"tt": 3}
    assert not (tmp_path / "data").exists()  # no database was touched
