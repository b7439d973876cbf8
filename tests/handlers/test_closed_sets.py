"""Closed sets are enums matched exhaustively (mypy checks the matches; these check that
each member is worded at run time too), and a stored row's id is never read as 0."""

from __future__ import annotations

import pytest

from handlers import texts, texts_indicators, texts_report
from handlers.grammar import RefusalKind, ReportError
from handlers.types import Problem, ProblemKind
from storage.models import Member, OutboxKind, pk

LABELS = {"vneid": "VNeID", "cks": "CKS", "tt": "TT"}


@pytest.mark.parametrize("kind", list(RefusalKind))
def test_every_refusal_kind_has_its_own_words(kind: RefusalKind) -> None:
    said = texts_report.refusal(ReportError(kind, indicator="cks", number="5"), LABELS)
    assert said and "chưa hiểu" not in said


def test_a_refusal_kind_outside_the_set_is_refused_at_once() -> None:
    with pytest.raises(ValueError):
        ReportError("no_such_kind")  # type: ignore[arg-type]


def test_the_refusal_example_uses_the_indicators_in_use() -> None:
    said = texts_report.refusal(ReportError(RefusalKind.empty), {"dvc": "DVC", "sskdt": "SKĐT"})
    assert "Ví dụ: <code>dvc 5 sskdt 2</code> hoặc <code>sskdt 3 hôm qua</code>" in said
    default = texts_report.refusal(ReportError(RefusalKind.empty), LABELS)
    assert "Ví dụ: <code>vneid 5 cks 2</code> hoặc <code>tt 3 hôm qua</code>" in default


def test_every_outbox_kind_fits_its_column() -> None:
    assert all(len(kind.value) <= 16 for kind in OutboxKind)


def test_a_row_not_yet_stored_has_no_id_instead_of_zero() -> None:
    with pytest.raises(ValueError, match="Member has no id"):
        pk(Member(name="An", unit_id=1))
    assert pk(Member(id=7, name="An", unit_id=1)) == 7


def test_a_share_of_a_target_is_computed_in_one_place() -> None:
    assert texts.share(17, 42) == "40,5%"
    assert texts.share(3, None) == "—"
    assert texts.got_of_goal(17, 42) == "17/42 (40,5%)"
    assert texts.got_of_goal(3, None) == "3"


def test_every_indicator_problem_is_worded_in_both_languages() -> None:
    params = {k: "x" for k in ("code", "limit", "short", "alias", "other", "near", "name")}
    for kind in ProblemKind:
        problem = Problem(kind, params | {"known": "y"})
        assert texts_indicators.problem_vi(problem) and texts_indicators.problem_en(problem)
