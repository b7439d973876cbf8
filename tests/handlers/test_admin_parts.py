"""Pieces of the admin pages that need no server: phone numbers as people write them,
the audit trail's lines, and the unit plan's renamed/moved flags."""

from __future__ import annotations

import json

import pytest

from handlers.admin_roster import _phone
from handlers.texts_admin import audit_lines
from handlers.unit_import import Change
from storage.models import Level


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("0912 345 678", "0912345678"),
        ("+84 912.345.678", "0912345678"),
        ("84912345678", "0912345678"),
        ("912345678", "0912345678"),  # Excel dropped the leading 0
        ("(091) 234-5678", "0912345678"),
        ("123", None),
        ("09123456789", None),
        ("091234567a", None),
    ],
)
def test_phone_numbers_as_people_write_them(typed: str, kept: str | None) -> None:
    assert _phone(typed) == kept


def test_audit_lines_show_before_and_after() -> None:
    detail = json.dumps({"unit": "16012", "before": {"T1 vneid": None}, "after": {"T1 vneid": 5}})
    assert audit_lines(detail) == ["T1 vneid: — → 5"]
    assert audit_lines(json.dumps({"unit": "16012", "before": None, "after": 200})) == [
        "16012: — → 200"
    ]
    assert audit_lines("12 member -> village_lead") == ["12 member -> village_lead"]
    assert audit_lines("") == []


def test_a_change_knows_whether_it_renames_or_moves() -> None:
    renamed = Change(2, "update", "T1", "Thôn Mới", Level.village, "X1", "Thôn Cũ", "X1")
    moved = Change(3, "update", "T2", "Thôn 2", Level.village, "X2", "Thôn 2", "X1")
    added = Change(4, "add", "T3", "Thôn 3", Level.village, "X1")
    assert (renamed.renamed, renamed.moved) == (True, False)
    assert (moved.renamed, moved.moved) == (False, True)
    assert (added.renamed, added.moved) == (False, False)
