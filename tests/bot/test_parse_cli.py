"""`cnsbot parse` reads a message exactly as a private chat does, commands included."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from bot.cli.app import app

runner = CliRunner()


def parse(text: str) -> dict[str, object]:
    result = runner.invoke(app, ["parse", "--today", "2026-11-21", text])
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.output))


@pytest.mark.parametrize(
    "text, counts",
    [
        ("/baocao cks 3", {"cks": 3}),
        ("/bc@TenBot vneid 3", {"vneid": 3}),
        ("/bc vneid 5 cks 2", {"vneid": 5, "cks": 2}),
        ("/report 5 vneid", {"vneid": 5}),
        ("/BC@tenbot\nvneid 2", {"vneid": 2}),
        ("/vneid 5", {"vneid": 5}),
        ("/cks 2 hôm nay", {"cks": 2}),
        ("Dạ em gửi báo cáo ạ: vneid 4", {"vneid": 4}),
        ("/bc vneid năm, cks hai", {"vneid": 5, "cks": 2}),
    ],
)
def test_commands_are_read_as_the_chat_reads_them(text: str, counts: dict[str, int]) -> None:
    assert parse(text) == {"ok": True, "counts": counts, "date": "2026-11-21"}


def test_a_breakdown_and_a_none_yet_part_are_shown_set_aside() -> None:
    assert parse("vneid 5 (trong đó 2 người già), chưa có cks") == {
        "ok": True,
        "counts": {"vneid": 5},
        "date": "2026-11-21",
        "set_aside": ["(trong đó 2 người già)", "chưa có cks"],
    }


def test_a_command_that_is_not_a_report_is_named() -> None:
    result = parse("/huy ABC123")
    assert (result["ok"], result["kind"]) == (False, "not_a_report")
    assert "/huy" in str(result["error"])


def test_an_empty_report_command_asks_for_figures() -> None:
    assert parse("/bc")["kind"] == "empty"


def test_courtesy_and_set_aside_words_are_shown() -> None:
    assert parse("cảm ơn bot")["kind"] == "courtesy"
    assert parse("thôn 3 vneid 2")["set_aside"] == ["thôn 3"]
