"""What a report reads before it writes is one statement (issue 18: intake as fast as
before the month lock and the roll-ups), and what it finds there is what the slower paths
found: the receipt code it drew is free of reports and declarations alike."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from storage import entries, intake
from storage.db import Database
from tests.conftest import Chat


class Statements:
    """The statements the engine sends while it listens (first word, upper case)."""

    def __init__(self, db: Database) -> None:
        self.seen: list[str] = []
        self.engine = db.engine.sync_engine

    def _record(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.seen.append(statement.split()[0].upper())

    def __enter__(self) -> Statements:
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)


async def test_a_report_reads_its_account_and_its_checks_and_nothing_else(
    chat: Chat, db: Database
) -> None:
    await chat.say("vneid 1")  # the indicators are read once, then cached
    with Statements(db) as statements:
        assert "Đã ghi nhận" in await chat.say("vneid 5 cks 2")
    # The account (with member and unit), then the limits, the month lock, the
    # declaration and the receipt in one; on PostgreSQL also the rows it holds.
    most = 3 if db.engine.dialect.name == "postgresql" else 2
    assert statements.seen.count("SELECT") == most, statements.seen


def _draws(first: str) -> Iterator[str]:
    yield first
    for n in range(100):
        yield f"FRESH{n}"


@pytest.mark.parametrize("taken_by", ["report", "declaration"])
async def test_a_receipt_code_already_given_is_not_given_again(
    chat: Chat, monkeypatch: pytest.MonkeyPatch, taken_by: str
) -> None:
    first = await chat.reply("tt 1" if taken_by == "report" else "không phát sinh", user="cuc")
    assert first.receipt_code
    draws = _draws(first.receipt_code)  # the next report draws that code first
    monkeypatch.setattr(intake, "random_code", lambda _n: next(draws))
    monkeypatch.setattr(entries, "random_code", lambda _n: next(draws))
    second = await chat.reply("vneid 2", user="an")
    assert second.receipt_code == "FRESH0"
    # `/huy CODE` finds the first one only, and the second is still its own.
    undone = await chat.say(f"/huy {first.receipt_code}", user="cuc")
    what = "phiếu" if taken_by == "report" else "khai báo không phát sinh"
    assert f"Đã hủy {what} <code>{first.receipt_code}</code>" in undone
    assert "Đã hủy phiếu <code>FRESH0</code>" in await chat.say("/huy FRESH0", user="an")
