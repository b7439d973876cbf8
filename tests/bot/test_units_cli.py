"""`cnsbot units ...` (and `db`) on the real database of the run, through typer's runner."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from bot.cli.app import app
from tests import built_once as built
from tests.built_once import BuiltOnce

FIXTURES = Path(__file__).parent.parent / "fixtures"
runner = CliRunner()


@pytest.fixture(autouse=True)
def database(
    database_url: str, monkeypatch: pytest.MonkeyPatch, built_once: BuiltOnce | None
) -> str:
    if built_once is not None:  # SQLite: a copy of the one `db upgrade` made for the session
        built_once.copy(built.upgraded, database_url)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    upgraded = runner.invoke(app, ["db", "upgrade"])  # only `run` and `db upgrade` migrate
    assert upgraded.exit_code == 0, upgraded.output
    return database_url


def cli(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_thanh_hoa_comes_from_the_official_list_once() -> None:
    first = cli("units", "import-official", "--province", "Thanh Hóa")
    assert "167 were added" in first  # the province and its 166 communes
    again = cli("units", "import-official", "--province", "38")
    assert "0 were added, 0 updated, 167 unchanged" in again
    assert "Xã Hoằng Sơn" in cli("units", "tree", "15910")


def test_villages_import_with_a_dry_run_first() -> None:
    cli("units", "import-official", "--province", "thanh hoa")
    dry = cli("units", "import", str(FIXTURES / "villages_hoang_kim.csv"), "--dry-run")
    assert "9 would be added" in dry and "Thôn Kim Sơn" in dry
    assert "Hoằng Kim" not in cli("units", "tree", "38")
    cli("units", "import", str(FIXTURES / "villages_hoang_kim.csv"))
    tree = cli("units", "tree", "HH")
    assert "Xã Hoằng Kim (cũ)" in tree and "Thôn 6" in tree and "0 members" in tree
    again = cli("units", "import", str(FIXTURES / "villages_hoang_kim.csv"))
    assert "0 were added, 0 updated, 9 unchanged" in again


def test_errors_name_the_line_and_change_nothing(tmp_path: Path) -> None:
    cli("units", "import-official", "--province", "38")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "code,name,level,parent_code\n"
        "A1,Thôn A,thôn,NOPE\n"
        "A2,Thôn B,hamlet,15910\n"
        "A3,,thôn,15910\n"
        "A4,Thôn D,thôn,38\n"
        "A5,Thôn E,thôn,15910\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["units", "import", str(bad)])
    assert result.exit_code == 1
    for line in ("line 2:", "line 3:", "line 4:", "line 5:"):
        assert line in result.output
    assert "line 6" not in result.output and "Nothing was changed" in result.output
    assert "Thôn E" not in cli("units", "tree", "15910")


def test_xlsx_rows_and_renames(tmp_path: Path) -> None:
    cli("units", "import-official", "--province", "38")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Code", "Name", "Level", "Parent_code"])
    sheet.append(["X1", "Bản Mới", "bản", 15910])
    book.save(tmp_path / "v.xlsx")
    assert "1 was added" in cli("units", "import", str(tmp_path / "v.xlsx"))
    sheet["B2"] = "Bản Mới Đổi Tên"
    book.save(tmp_path / "v.xlsx")
    assert "1 updated" in cli("units", "import", str(tmp_path / "v.xlsx"))
    assert "Bản Mới Đổi Tên" in cli("units", "tree", "X1")


def test_invite_create_prints_code_link_and_writes_a_qr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "CnsXaBot")
    cli("units", "import-official", "--province", "38")
    qr = tmp_path / "moi.png"
    out = cli("invite", "create", "--unit", "15910", "--role", "commune_leader", "--uses", "2",
              "--expires", "7d", "--qr", str(qr))  # fmt: skip
    code = out.split()[1]
    assert f"https://t.me/CnsXaBot?start={code}" in out and "2 uses, valid 7d" in out
    assert qr.read_bytes().startswith(b"\x89PNG")
    bad = runner.invoke(app, ["invite", "create", "--unit", "15910", "--expires", "soon"])
    assert bad.exit_code != 0


def test_db_backup_makes_a_consistent_copy(tmp_path: Path, database: str) -> None:
    cli("units", "import-official", "--province", "38")
    copy = tmp_path / "backup.db"
    assert "Backed up" in cli("db", "backup", str(copy))
    if database.startswith("postgresql"):  # pg_dump's custom format; pg_restore reads it
        script = subprocess.run(
            ["pg_restore", "--data-only", "--table=unit", "-f", "-", str(copy)],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        rows = script.split("FROM stdin;\n", 1)[1].split("\n\\.", 1)[0].splitlines()
        assert len(rows) == 167
    else:
        with sqlite3.connect(copy) as conn:
            assert conn.execute("select count(*) from unit").fetchone() == (167,)
    again = runner.invoke(app, ["db", "backup", str(copy)])
    assert again.exit_code != 0  # never overwrites


def test_help_shows_every_level_and_counts_read_as_english(tmp_path: Path) -> None:
    assert "province > district (optional) > commune > village" in cli("units", "--help")
    cli("units", "import-official", "--province", "38")
    out = cli("invite", "create", "--unit", "15910", "--uses", "1", "--qr", str(tmp_path / "q.png"))
    assert "1 use, valid 30d" in out
    villages = tmp_path / "v.csv"
    villages.write_text("code,name,level,parent_code\nB1,Bản [Mới],bản,15910\n", encoding="utf-8")
    assert "1 was added" in cli("units", "import", str(villages))
    tree = cli("units", "tree", "15910")
    assert "Bản [Mới]" in tree and "0 members" in tree  # brackets in a name are not markup
    assert "Xã Hoằng Sơn (15910, commune, 0 members)" in tree
