"""Invite packs: the roster's cards as a printable A4 PDF (8 cards a page, to cut) and the
same list as XLSX. The QR codes are 1-bit pictures, one pixel a module, scaled without
smoothing (sharp at any printer's resolution); the font is DejaVu Sans, which covers
Vietnamese, from the matplotlib package the charts already need: nothing is fetched,
nothing depends on the system's fonts."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from pathlib import Path

import segno
from fpdf import FPDF
from openpyxl import Workbook

from handlers import texts_admin as say
from handlers.export import cell

PAGE_W, PAGE_H = 210.0, 297.0  # A4, mm
COLUMNS, ROWS = 2, 4
MARGIN = 8.0
CARD_W = (PAGE_W - 2 * MARGIN) / COLUMNS
CARD_H = (PAGE_H - 2 * MARGIN) / ROWS
QR_SIDE = 38.0  # mm: ~1.1 mm a module for a 33-module link, easy for any phone


@dataclass(frozen=True)
class Card:
    name: str
    phone: str
    unit_name: str
    unit_code: str
    role: str
    code: str
    link: str


@cache
def _font_dir() -> Path:
    spec = find_spec("matplotlib")
    assert spec is not None and spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"


def pack_pdf(cards: list[Card], title: str) -> bytes:
    pdf = FPDF(unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_title(title)
    pdf.add_font("DejaVu", "", str(_font_dir() / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(_font_dir() / "DejaVuSans-Bold.ttf"))
    per_page = COLUMNS * ROWS
    how_to: list[str] = []
    for n, card in enumerate(cards):
        if n % per_page == 0:
            pdf.add_page()
            how_to = how_to or _how_to_lines(pdf)
        place = n % per_page
        x = MARGIN + (place % COLUMNS) * CARD_W
        y = MARGIN + (place // COLUMNS) * CARD_H
        _card(pdf, card, x, y, how_to)
    if not cards:
        pdf.add_page()
    return bytes(pdf.output())


def _card(pdf: FPDF, card: Card, x: float, y: float, how_to: list[str]) -> None:
    pdf.set_draw_color(160, 160, 160)
    pdf.set_line_width(0.2)
    pdf.set_dash_pattern(dash=1.5, gap=1.5)  # a line to cut along
    pdf.rect(x, y, CARD_W, CARD_H)
    pdf.set_dash_pattern()
    pad = 4.0
    _qr(pdf, card.link, x + pad, y + pad, QR_SIDE)
    text_x = x + pad + QR_SIDE + 3
    text_w = CARD_W - (text_x - x) - pad
    pdf.set_xy(text_x, y + pad)
    pdf.set_font("DejaVu", "B", 11)
    _text(pdf, text_w, 5, card.name)
    pdf.set_font("DejaVu", "", 8.5)
    _text(pdf, text_w, 4, f"{card.unit_name} ({card.unit_code})")
    pdf.cell(text_w, 4, say.role_name(card.role), new_x="LEFT", new_y="NEXT")
    pdf.set_xy(text_x, pdf.get_y() + 1.5)
    pdf.set_font("DejaVu", "", 7.5)
    pdf.cell(text_w, 4, say.CARD_CODE, new_x="LEFT", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 15)
    pdf.cell(text_w, 7, card.code, new_x="LEFT", new_y="NEXT")
    pdf.set_xy(x + pad, y + pad + QR_SIDE + 2)
    pdf.set_font("DejaVu", "", 7.5)
    pdf.cell(CARD_W - 2 * pad, 3.5, card.link, new_x="LEFT", new_y="NEXT")
    pdf.set_font("DejaVu", "", 8)
    for line in how_to:  # the same words on every card: broken into lines once
        pdf.cell(CARD_W - 2 * pad, 3.8, line, new_x="LEFT", new_y="NEXT")


def _text(pdf: FPDF, width: float, height: float, text: str) -> None:
    """One line when it fits (most names do), else wrapped: wrapping costs ~10 times more."""
    if pdf.get_string_width(text) <= width - 2 * pdf.c_margin:
        pdf.cell(width, height, text, new_x="LEFT", new_y="NEXT")
    else:
        pdf.multi_cell(width, height, text, align="L", new_x="LEFT", new_y="NEXT")


def _how_to_lines(pdf: FPDF) -> list[str]:
    pdf.set_font("DejaVu", "", 8)
    lines = pdf.multi_cell(CARD_W - 8, 3.8, say.CARD_HOW_TO, dry_run=True, output="LINES")
    assert isinstance(lines, list)
    return [str(line) for line in lines]


def _qr(pdf: FPDF, data: str, x: float, y: float, side: float) -> None:
    """The QR code as a 1-bit picture, one pixel a module with its quiet zone of 4 (PDF
    viewers and printers scale it without smoothing: sharp edges). The mask is fixed: any
    of the 8 is valid for every reader, and choosing the "best" one costs most of the time
    of a card."""
    qr = segno.make(data, error="m", mask=0)
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=1, border=4)
    buffer.seek(0)
    pdf.image(buffer, x, y, w=side, h=side)


def pack_xlsx(cards: list[Card]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = say.PACK_SHEET
    sheet.append(list(say.PACK_HEADER))
    for n, c in enumerate(cards, 1):
        row = (n, c.name, c.phone, c.unit_name, c.unit_code, say.role_name(c.role), c.code, c.link)
        sheet.append([cell(v) for v in row])
    for column, width in zip("ABCDEFGH", (5, 28, 14, 24, 12, 18, 12, 40), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
