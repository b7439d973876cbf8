"""Imported files are cleaned like chat text: control characters (ESC, BEL, NUL) and direction
overrides (U+202E) never reach the database, and so never reach a chat."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.app import app
from handlers.types import Incoming
from storage.cleaning import clean_name, clean_text
from storage.db import Database
from storage.models import pk
from tests import built_once as built
from tests.built_once import BuiltOnce

runner = CliRunner()
UNWANTED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


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


async def stored(url: str) -> tuple[list[tuple[str, str]], dict[str, int]]:
    db = Database(url)
    try:
        async with db.transaction() as store:
            units = []
            for root in await store.units.roots():
                units += [(u.code, u.name) for u in await store.units.subtree(root)]
            village = await store.units.by_code("T1")
            assert village is not None
            targets = await store.targets.for_unit(pk(village), "2026-11")
            await store.commit()
    finally:
        await db.dispose()
    return units, targets


def test_control_characters_and_overrides_are_removed_from_imported_names_and_codes(
    tmp_path: Path, database: str
) -> None:
    units = tmp_path / "units.csv"
    units.write_text(
        "code,name,level,parent_code\n"
        "P1,Tỉnh\x00 Thử,tỉnh,\n"
        "X1,\x1b[31mXã\x07 Thử\x00,xã,P1\x00\n"
        "T1\x00,Thôn \u202eạđ Một\u202c,thôn,X1\n"
        '\x1bT2,"Thôn\nHai\x9b",thôn,X1\x07\n',
        encoding="utf-8",
    )
    cli("units", "import", str(units))
    targets = tmp_path / "targets.csv"
    targets.write_text(
        "unit,indicator,period,value\nT1\x00,vneid\x07,2026-11\x1b,12\x00\n", encoding="utf-8"
    )
    cli("targets", "import", str(targets))
    names, goals = asyncio.run(stored(database))
    assert sorted(names) == [
        ("P1", "Tỉnh Thử"),
        ("T1", "Thôn ạđ Một"),
        ("T2", "Thôn Hai"),
        ("X1", "[31mXã Thử"),
    ]
    assert goals == {"vneid": 12}
    assert not any(UNWANTED.search(code + name) for code, name in names)


def test_the_same_cleaning_for_chat_text_and_names() -> None:
    assert clean_text("vneid\x00 5\x1b\x07\n cks 2\u202e") == "vneid 5\n cks 2\u202e"
    assert clean_name(" \u202eThôn\tMột\r\n\x00 ") == "Thôn Một"
    assert clean_name("Nguyễn Văn An") == "Nguyễn Văn An"


def test_names_from_chats_lose_overrides_and_line_breaks_and_text_keeps_its_lines() -> None:
    msg = Incoming(
        key="k", platform="test", chat_id="1", user_id="1",
        text="vneid 5\x1b[2J\ncks 2\x00", display_name="\u202eAn\x07\n Trần",
        chat_title="Tổ \u2066CNS\u2069\r\nThôn 1",
    )  # fmt: skip
    assert (msg.text, msg.display_name, msg.chat_title) == (
        "vneid 5[2J\ncks 2",
        "An Trần",
        "Tổ CNS Thôn 1",
    )
