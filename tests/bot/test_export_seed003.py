"""Seed 003 reproduced: Hoằng Kim installed 1,178 personal digital signatures against 3,501
residents (33.6 %). Official units, villages and targets from files, entries, the export."""

from __future__ import annotations

import asyncio
import csv
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from bot.cli.app import app
from storage.db import Database
from storage.models import pk

FIXTURES = Path(__file__).parent.parent / "fixtures"
runner = CliRunner()
# Six villages' signatures, as reported across the year (1,178 in all).
VILLAGE_CKS = {"HK-T1": 310, "HK-T2": 250, "HK-T3": 198, "HK-T4": 160, "HK-T5": 140, "HK-T6": 120}


def cli(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


async def log_entries(url: str) -> None:
    db = Database(url)
    async with db.transaction() as store:
        for code, total in VILLAGE_CKS.items():
            village = await store.units.by_code(code)
            assert village is not None
            member = await store.members.add(f"Tổ {code}", village)
            remaining, month = total, 1
            while remaining:  # several reports, each under the per-entry cap
                count = min(remaining, 60)
                await store.entries.add_report(
                    member_id=pk(member), unit_id=pk(village), counts={"cks": count},
                    day=date(2024, month, 15), source="seed-003",
                )  # fmt: skip
                remaining -= count
                month = month % 8 + 1
        cancelled = await store.entries.add_report(
            member_id=pk(member), unit_id=pk(village), counts={"cks": 99},
            day=date(2024, 9, 1), source="typo",
        )  # fmt: skip
        await store.entries.cancel(cancelled, by=pk(member), at=datetime.now(UTC))
        await store.commit()
    await db.dispose()


def test_the_export_shows_the_hoang_kim_row(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = database_url
    monkeypatch.setenv("DATABASE_URL", url)
    cli("db", "upgrade")
    assert "167 were added" in cli("units", "import-official", "--province", "Thanh Hóa")
    cli("units", "import", str(FIXTURES / "villages_hoang_kim.csv"))
    assert "3 targets read, 3 changed" in cli(
        "targets", "import", str(FIXTURES / "targets_hoang_kim.csv")
    )
    asyncio.run(log_entries(url))

    cli("export", "--unit", "HH", "--period", "2024", "--out", str(tmp_path / "hh.xlsx"))
    book = load_workbook(tmp_path / "hh.xlsx")
    summary = book["Tổng hợp"]
    rows = list(summary.iter_rows(values_only=True))
    assert rows[0][0] == "Kết quả Tổ công nghệ số cộng đồng — Huyện Hoằng Hóa (cũ) — năm 2024"
    assert rows[1][:3] == ("STT", "Đơn vị", "Kích hoạt VNeID mức 2") and rows[2][2:5] == (
        "Chỉ tiêu",
        "Kết quả",
        "Tỷ lệ",
    )
    (hoang_kim,) = [r for r in rows if r[1] == "Xã Hoằng Kim (cũ)"]
    vneid, cks = hoang_kim[2:5], hoang_kim[5:8]
    assert cks == (3501, 1178, pytest.approx(0.3365, abs=1e-4))
    assert vneid == (2800, 0, 0.0)
    assert all(isinstance(v, int | float) for v in (*vneid, *cks))
    assert summary.cell(row=rows.index(hoang_kim) + 1, column=8).number_format == "0.0%"
    assert rows[-1][1] == "Tổng cộng" and rows[-1][5:7] == (3501, 1178)

    raw = list(book["Số liệu chi tiết"].iter_rows(values_only=True))
    assert raw[0][:5] == ("Ngày", "Đơn vị", "Thành viên", "Chỉ tiêu", "Số lượng")
    active = [r for r in raw[1:] if r[6] == "Hiệu lực"]
    assert sum(r[4] for r in active) == 1178 and any(r[6] == "Đã hủy" for r in raw)

    cli("export", "--unit", "HK", "--period", "2024", "--out", str(tmp_path / "hk.csv"))
    with (tmp_path / "hk.csv").open(encoding="utf-8-sig") as handle:
        table = list(csv.reader(handle))
    (t1,) = [r for r in table if r[1] == "Thôn 1"]
    assert t1[5:8] == ["620", "310", "50.0"]
