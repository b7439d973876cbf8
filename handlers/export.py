"""The table a commune hands upward, shaped like the official appendix: TT, unit, and per
indicator target, result, rate; one row per child unit and a total row. XLSX and CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from handlers import texts
from reminders.calendar import Period
from reminders.progress import UnitProgress, children_progress
from storage.models import Entry, Unit
from storage.store import Store


async def summary_rows(
    store: Store, scope: Unit, period: Period
) -> tuple[UnitProgress, list[UnitProgress]]:
    top, children = await children_progress(store, scope, period)
    children.sort(key=lambda p: p.unit.name)  # the appendix lists units, it does not rank
    return top, children


def _cells(p: UnitProgress, codes: Sequence[str]) -> list[int | float | None]:
    cells: list[int | float | None] = []
    for code in codes:
        goal, got = p.targets.get(code), p.counts.get(code, 0)
        cells += [goal, got, round(got / goal, 4) if goal else None]
    return cells


def build_xlsx(
    scope: Unit,
    period: Period,
    top: UnitProgress,
    children: list[UnitProgress],
    entries: Sequence[tuple[Entry, str, str]],
    labels: Mapping[str, str],
) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = texts.EXPORT_SHEET_SUMMARY
    codes = list(labels)
    sheet.append([texts.export_title(scope.name, period.key)])
    sheet.append(["TT", texts.EXPORT_UNIT, *[labels[c] for c in codes for _ in range(3)]])
    sheet.append(["", "", *[h for _ in codes for h in texts.EXPORT_TRIPLE]])
    for number, child in enumerate(children, start=1):
        sheet.append([number, child.unit.name, *_cells(child, codes)])
    sheet.append(["", texts.EXPORT_TOTAL, *_cells(top, codes)])
    _style_summary(sheet, len(codes), len(children))
    raw = book.create_sheet(texts.EXPORT_SHEET_RAW)
    raw.append(list(texts.EXPORT_RAW_HEADERS))
    for entry, unit_name, member_name in entries:
        raw.append([
            entry.day, unit_name, member_name, labels.get(entry.indicator, entry.indicator),
            entry.count, entry.receipt,
            texts.EXPORT_CANCELLED if entry.cancelled_at else texts.EXPORT_ACTIVE,
            entry.replaced_by or "",
        ])  # fmt: skip
    for row in raw.iter_rows(min_row=2, min_col=1, max_col=1):
        row[0].number_format = "DD/MM/YYYY"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _style_summary(sheet: object, indicators: int, rows: int) -> None:
    from openpyxl.worksheet.worksheet import Worksheet

    assert isinstance(sheet, Worksheet)
    sheet["A1"].font = Font(bold=True, size=13)
    for col in range(3, 3 + 3 * indicators, 3):
        sheet.merge_cells(start_row=2, start_column=col, end_row=2, end_column=col + 2)
        for row in range(4, 5 + rows):
            sheet.cell(row=row, column=col + 2).number_format = "0.0%"
    for cell in (*sheet[2], *sheet[3]):
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
    for cell in sheet[4 + rows]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["B"].width = 32
    for col in range(3, 3 + 3 * indicators):
        sheet.column_dimensions[get_column_letter(col)].width = 11


def build_csv(top: UnitProgress, children: list[UnitProgress], labels: Mapping[str, str]) -> bytes:
    codes = list(labels)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["TT", texts.EXPORT_UNIT, *[
        f"{labels[c]} - {h}" for c in codes for h in texts.EXPORT_TRIPLE
    ]])  # fmt: skip
    for number, child in enumerate([*children, top], start=1):
        cells = _cells(child, codes)
        shown = [
            "" if v is None else (f"{100 * v:.1f}" if i % 3 == 2 else v)
            for i, v in enumerate(cells)
        ]
        first = [number, child.unit.name] if child is not top else ["", texts.EXPORT_TOTAL]
        writer.writerow([*first, *shown])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel opens it as UTF-8


async def export_unit(store: Store, scope: Unit, period: Period) -> tuple[bytes, bytes]:
    """(XLSX, CSV) for a unit and period."""
    labels = {i.code: i.short or i.code for i in await store.indicators.all()}
    top, children = await summary_rows(store, scope, period)
    entries = await store.entries.in_range(scope, period.start, period.end)
    xlsx = build_xlsx(scope, period, top, children, entries, labels)
    return xlsx, build_csv(top, children, labels)
