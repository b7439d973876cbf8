"""Reading tables people hand us: CSV (UTF-8, with or without BOM) or XLSX."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

from openpyxl import load_workbook


def read_table(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number in the file, row as header -> text) for each non-empty row.

    Headers are matched without case or surrounding spaces.
    """
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        yield from _xlsx(path)
    else:
        yield from _csv(path)


def read_upload(name: str, data: bytes) -> list[tuple[int, dict[str, str]]]:
    """An uploaded file's rows (as `read_table`); XLSX is told by its content, not its name.
    Raises ValueError when the file is neither readable CSV (UTF-8) nor XLSX."""
    if data.startswith(b"PK"):
        try:
            return list(_xlsx_rows(io.BytesIO(data)))
        except (zipfile.BadZipFile, KeyError, OSError) as err:
            raise ValueError(name) from err
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(name) from err
    return list(_csv_rows(io.StringIO(text, newline="")))


def _clean(header: list[str], values: list[object]) -> dict[str, str]:
    return {
        h: "" if v is None else str(v).strip() for h, v in zip(header, values, strict=False) if h
    }


def _csv(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        yield from _csv_rows(handle)


def _csv_rows(handle: io.TextIOBase | io.TextIOWrapper) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.reader(handle)
    header = [h.strip().lower() for h in next(reader, [])]
    for row in reader:
        if any(cell.strip() for cell in row):
            yield reader.line_num, _clean(header, list(row))


def _xlsx(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    yield from _xlsx_rows(path)


def _xlsx_rows(source: Path | io.BytesIO) -> Iterator[tuple[int, dict[str, str]]]:
    workbook = load_workbook(source, read_only=True, data_only=True)
    try:
        rows = workbook.active.iter_rows(values_only=True)
        header = [str(h or "").strip().lower() for h in next(rows, ())]
        for line, values in enumerate(rows, start=2):
            if any(v not in (None, "") for v in values):
                yield line, _clean(header, [_cell(v) for v in values])
    finally:
        workbook.close()


def _cell(value: object) -> object:
    # Excel stores "01" typed as a number as 1.0: codes must come back as "1".
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
