"""The official list of a province's communes (`vietnam-provinces`, embedded, no network),
as rows for the unit import: the same rows for `cnsbot units import-official` and the web."""

from __future__ import annotations

from vietnam_provinces import Province, Ward

from handlers.folding import fold
from handlers.unit_import import Row


def find_province(province: str) -> Province | None:
    wanted = fold(province).removeprefix("tinh ").removeprefix("thanh pho ").strip()
    found = [
        p for p in Province.iter_all()
        if str(int(p.code)) == wanted.lstrip("0") or fold(p.name) == wanted or p.codename == wanted
    ]  # fmt: skip
    return found[0] if found else None


def official_rows(province: str) -> list[Row] | None:
    """The province and its communes; None when no province has that name or code."""
    p = find_province(province)
    if p is None:
        return None
    code = str(int(p.code))
    rows = [Row(1, code, f"{p.division_type.value.capitalize()} {p.name}", "province", "")]
    wards = sorted(Ward.iter_by_province(p.code), key=lambda w: int(w.code))
    rows += [Row(n, str(int(w.code)), w.name, "commune", code) for n, w in enumerate(wards, 2)]
    return rows
