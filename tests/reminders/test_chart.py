"""The tally chart: a real PNG, legible Vietnamese, the same bytes for the same input."""

from __future__ import annotations

import io

import pytest
from matplotlib.image import imread

from reminders.chart import ChartLabels, ChartRow, missing_glyphs, render_progress_chart

LABELS = ChartLabels(
    title="Xã Hoằng Kim — tiến độ tháng 11/2026",
    axis="% chỉ tiêu tháng",
    indicators={"vneid": "VNeID", "cks": "Chữ ký số", "tt": "Thanh toán"},
)
ROWS = [
    ChartRow("Thôn Đông Thành", {"vneid": 30, "cks": 4}, {"vneid": 100, "cks": 40}),
    ChartRow("Thôn Ước Lễ", {"vneid": 120, "tt": 3}, {"vneid": 100, "tt": 60}),
    ChartRow("Bản Nà Ữ, Mường Lựa — tên rất dài để cắt bớt", {}, {"vneid": 50}),
]


def test_the_chart_is_a_png_of_sensible_size() -> None:
    png = render_progress_chart(ROWS, LABELS)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    pixels = imread(io.BytesIO(png))
    height, width = pixels.shape[:2]
    assert width == 800 and 150 <= height <= 1000


def test_every_vietnamese_label_has_a_glyph_in_the_font() -> None:
    texts = [LABELS.title, LABELS.axis, *LABELS.indicators.values(), *(r.name for r in ROWS)]
    texts.append("ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹđĐ")
    assert missing_glyphs(texts) == set()
    assert missing_glyphs(["漢"]) == {"漢"}  # the check can fail


def test_the_same_input_gives_the_same_bytes() -> None:
    assert render_progress_chart(ROWS, LABELS) == render_progress_chart(ROWS, LABELS)


@pytest.mark.slow  # a province's 166 communes: ~2 s of rendering
def test_a_province_of_166_communes_renders() -> None:
    rows = [
        ChartRow(f"Xã Thử Nghiệm {n}", {"vneid": n, "cks": n // 2}, {"vneid": 200, "cks": 80})
        for n in range(166)
    ]
    pixels = imread(io.BytesIO(render_progress_chart(rows, LABELS)))
    assert pixels.shape[0] > 3000  # the figure grows with the rows instead of squashing them
