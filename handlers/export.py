"""The table a commune hands upward, shaped like the official appendix: STT, unit, and per
indicator target, result, rate; one row per child unit and a total row. XLSX and CSV.

Every cell goes through `cell`: names and titles come from people (a Telegram first name,
a unit name typed in a file), and a spreadsheet runs text that starts with "=" as a formula.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from handlers import texts_export, texts_nothing, texts_nudge, texts_signoff
from reminders.calendar import Period, Schedule, month_of
from reminders.cumulative import year_to, year_to_date
from reminders.ontime import month_state
from reminders.progress import UnitProgress, children_progress, ratio
from storage.collation import vn_key
from storage.models import Entry, Unit, utcnow
from storage.store import Store

Cell = str | int | float | date | None
# What spreadsheets read as the start of a formula (OWASP "CSV injection"); tab and carriage
# return are listed there too, but they are turned into spaces before the check.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_BREAKS = re.compile(r"[\t\r\n\v\f\u2028\u2029]")
# C0/C1 controls, and the bidirectional overrides that make a name display reversed.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def cell(value: object) -> Cell:
    """A value as an exported cell: numbers and dates as they are; any text cleaned of
    control characters and, when a spreadsheet would take it for a formula, written with a
    leading apostrophe so it stays text. Every writer below puts every cell through here."""
    if value is None or (isinstance(value, int | float | date) and not isinstance(value, bool)):
        return value
    text = _CONTROLS.sub("", _BREAKS.sub(" ", str(value)))
    return "'" + text if text.lstrip().startswith(FORMULA_START) else text


def _row(values: Sequence[object]) -> list[Cell]:
    return [cell(v) for v in values]


async def summary_rows(
    store: Store, scope: Unit, period: Period
) -> tuple[UnitProgress, list[UnitProgress]]:
    top, children = await children_progress(store, scope, period)
    children.sort(key=lambda p: vn_key(p.unit.name))  # the appendix lists, it does not rank
    return top, children


def _name(p: UnitProgress) -> str:
    return texts_nothing.export_name(p.unit.name) if p.nothing else p.unit.name


def _cells(p: UnitProgress, codes: Sequence[str]) -> list[int | float | None]:
    cells: list[int | float | None] = []
    for code in codes:
        goal, got = p.targets.get(code), p.counts.get(code, 0)
        rate = ratio(got, goal)
        cells += [goal, got, None if rate is None else round(rate, 4)]
    return cells


def build_xlsx(
    scope: Unit,
    period: Period,
    top: UnitProgress,
    children: list[UnitProgress],
    entries: Sequence[tuple[Entry, str, str]],
    labels: Mapping[str, str],
    names: Mapping[str, str],
    year: YearToDate | None = None,
    signoff: Sequence[Sequence[object]] = (),
) -> bytes:
    """`labels`: code -> short label (the raw sheet); `names`: code -> full name (the
    summary's headers), both in the indicators' display order. `year`: the "lũy kế"
    sheet (from 1 January to the period's end, against the year's targets); `signoff`: the
    rows of the month's sign-off and on-time rate (a sheet of their own, after the others)."""
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    sheet.title = texts_export.EXPORT_SHEET_SUMMARY
    codes = list(labels)
    sheet.append(_row([texts_export.export_title(scope.name, period.key)]))
    headers = [names.get(c, labels[c]) for c in codes for _ in range(3)]
    sheet.append(_row([texts_export.EXPORT_NUMBER, texts_export.EXPORT_UNIT, *headers]))
    sheet.append(_row(["", "", *[h for _ in codes for h in texts_export.EXPORT_TRIPLE]]))
    for number, child in enumerate(children, start=1):
        sheet.append(_row([number, _name(child), *_cells(child, codes)]))
    sheet.append(_row(["", texts_export.EXPORT_TOTAL, *_cells(top, codes)]))
    _style_summary(sheet, len(codes), len(children))
    raw = book.create_sheet(texts_export.EXPORT_SHEET_RAW)
    raw.append(_row(texts_export.EXPORT_RAW_HEADERS))
    for entry, unit_name, member_name in entries:
        raw.append(_row([
            entry.day, unit_name, member_name, labels.get(entry.indicator, entry.indicator),
            entry.count, entry.receipt,
            texts_export.EXPORT_CANCELLED if entry.cancelled_at else texts_export.EXPORT_ACTIVE,
            entry.replaced_by or "",
        ]))  # fmt: skip
    _style_raw(raw)
    if year is not None:
        _year_sheet(book, scope, year, codes, [names.get(c, labels[c]) for c in codes])
    if signoff:
        _signoff_sheet(book.create_sheet(texts_signoff.EXPORT_SHEET), scope, period, signoff)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class YearToDate:
    upto: date
    top: UnitProgress
    children: list[UnitProgress]


def _year_sheet(
    book: Workbook, scope: Unit, year: YearToDate, codes: list[str], headers: list[str]
) -> None:
    """The summary's shape, from 1 January to the period's end ("lũy kế")."""
    sheet = book.create_sheet(texts_nudge.EXPORT_YEAR_SHEET)
    sheet.append(_row([texts_nudge.export_year_title(scope.name, str(year.upto.year), year.upto)]))
    sheet.append(
        _row(
            [
                texts_export.EXPORT_NUMBER,
                texts_export.EXPORT_UNIT,
                *[h for h in headers for _ in "abc"],
            ]
        )
    )
    sheet.append(_row(["", "", *[h for _ in codes for h in texts_export.EXPORT_TRIPLE]]))
    for number, child in enumerate(year.children, start=1):
        sheet.append(_row([number, child.unit.name, *_cells(child, codes)]))
    sheet.append(_row(["", texts_export.EXPORT_TOTAL, *_cells(year.top, codes)]))
    _style_summary(sheet, len(codes), len(year.children))


def _style_summary(sheet: Worksheet, indicators: int, rows: int) -> None:
    sheet["A1"].font = Font(bold=True, size=13)
    for col in range(3, 3 + 3 * indicators, 3):
        sheet.merge_cells(start_row=2, start_column=col, end_row=2, end_column=col + 2)
        for row in range(4, 5 + rows):
            sheet.cell(row=row, column=col + 2).number_format = "0.0%"
    for col in (1, 2):  # STT and Đơn vị stand over both header rows
        sheet.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
    for c in (*sheet[2], *sheet[3]):
        c.font = Font(bold=True)
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for c in sheet[4 + rows]:
        c.font = Font(bold=True)
    sheet.row_dimensions[2].height = 32  # full indicator names wrap onto two lines
    _widths(
        sheet, {"A": 6, "B": 32} | {get_column_letter(c): 11 for c in range(3, 3 + 3 * indicators)}
    )
    _fit_width_on_paper(sheet)


def _signoff_sheet(
    sheet: Worksheet, scope: Unit, period: Period, rows: Sequence[Sequence[object]]
) -> None:
    sheet.append(_row([texts_signoff.export_title(scope.name, period.key)]))
    sheet["A1"].font = Font(bold=True, size=13)
    for row in rows:
        sheet.append(_row(row))
    _widths(sheet, {"A": 90})
    _fit_width_on_paper(sheet)


def _style_raw(sheet: Worksheet) -> None:
    for c in sheet[1]:
        c.font = Font(bold=True)
    for row in sheet.iter_rows(min_row=2, min_col=1, max_col=1):
        row[0].number_format = "DD/MM/YYYY"
    _widths(sheet, dict(zip("ABCDEFGH", (12, 28, 28, 10, 10, 11, 11, 11), strict=True)))
    sheet.freeze_panes = "A2"
    _fit_width_on_paper(sheet)


def _widths(sheet: Worksheet, widths: Mapping[str, float]) -> None:
    for letter, width in widths.items():
        sheet.column_dimensions[letter].width = width


def _fit_width_on_paper(sheet: Worksheet) -> None:
    """Landscape, all columns on one page width (communes print this)."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def build_csv(
    top: UnitProgress,
    children: list[UnitProgress],
    labels: Mapping[str, str],
    names: Mapping[str, str] | None = None,
) -> bytes:
    """The summary as CSV; rates as numbers of percent (40.5), so that tools read them."""
    codes, names = list(labels), names or {}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_row([texts_export.EXPORT_NUMBER, texts_export.EXPORT_UNIT, *[
        f"{names.get(c, labels[c])} - {h}" for c in codes for h in texts_export.EXPORT_TRIPLE
    ]]))  # fmt: skip
    for number, child in enumerate([*children, top], start=1):
        cells = _cells(child, codes)
        shown = [
            "" if v is None else (round(100 * v, 1) if i % 3 == 2 else v)
            for i, v in enumerate(cells)
        ]
        first = [number, _name(child)] if child is not top else ["", texts_export.EXPORT_TOTAL]
        writer.writerow(_row([*first, *shown]))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel opens it as UTF-8


async def export_unit(
    store: Store,
    scope: Unit,
    period: Period,
    *,
    now: datetime | None = None,
    schedule: Schedule | None = None,
) -> tuple[bytes, bytes]:
    """(XLSX, CSV) for a unit and period; a month's XLSX also says where its sign-off
    stands and its on-time rate (as of `now`, by the `schedule`'s deadline)."""
    top, children = await summary_rows(store, scope, period)
    entries = await store.entries.in_range(scope, period.start, period.end)
    # Every active indicator, in display order; a retired one only where the period holds
    # some of its figures (entries or targets), so past periods keep their columns.
    used = {entry.indicator for entry, _, _ in entries} | set(top.targets)
    indicators = [i for i in await store.indicators.all() if i.active or i.code in used]
    labels = {i.code: i.short or i.code for i in indicators}
    names = {i.code: i.name or labels[i.code] for i in indicators}
    upto = year_to(period.end).end
    year_top, year_children = await year_to_date(store, scope, upto)
    year_children.sort(key=lambda p: vn_key(p.unit.name))
    year = YearToDate(upto, year_top, year_children)
    signoff: list[list[object]] = []
    if month_of(period.start).key == period.key:  # a month: sign-offs and deadlines are monthly
        state = await month_state(store, scope, period, now or utcnow(), schedule)
        signoff = texts_signoff.month_state_rows(state)
    xlsx = build_xlsx(scope, period, top, children, entries, labels, names, year, signoff)
    return xlsx, build_csv(top, children, labels, names)
