"""The weekly tally's bar chart: % of the month's target per unit and indicator, as PNG.

Drawn with matplotlib's object API on the Agg canvas (no pyplot: no global state), in
DejaVu Sans, which matplotlib ships and which has every Vietnamese letter; the glyph check
below proves it for the labels at hand instead of trusting it.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from matplotlib import font_manager, ft2font
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from reminders.progress import UnitProgress, ratio

FONT = "DejaVu Sans"
COLOURS = ["#1f6fb4", "#e07b24", "#2e9d4f", "#8c4fb3", "#c23b3b"]
MAX_NAME = 28


@dataclass(frozen=True)
class ChartRow:
    name: str
    counts: Mapping[str, int]
    targets: Mapping[str, int]  # indicators without a target are left out of the bars


@dataclass(frozen=True)
class ChartLabels:
    title: str
    axis: str  # "% chỉ tiêu tháng"
    indicators: Mapping[str, str]  # code -> label, in display order


@cache
def _charmap() -> frozenset[int]:
    path = font_manager.findfont(FONT, fallback_to_default=False)
    return frozenset(ft2font.FT2Font(path).get_charmap())


def missing_glyphs(texts: Sequence[str]) -> set[str]:
    """Characters of the texts that the chart font cannot draw (none, for Vietnamese)."""
    charmap = _charmap()
    return {c for text in texts for c in text if not c.isspace() and ord(c) not in charmap}


def _short(name: str) -> str:
    return name if len(name) <= MAX_NAME else name[: MAX_NAME - 1] + "…"


def render_progress_chart(rows: Sequence[ChartRow], labels: ChartLabels) -> bytes:
    codes = [c for c in labels.indicators if any(r.targets.get(c) for r in rows)]
    names = [_short(r.name) for r in rows]
    height = 1.2 + 0.22 * max(1, len(rows)) * max(1, len(codes))
    figure = Figure(figsize=(8, min(height, 60)), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    size = 9 if len(rows) < 40 else 6
    bar = 0.8 / max(1, len(codes))
    widest = 100.0
    for n, code in enumerate(codes):
        rates, texts, positions = [], [], []
        for i, row in enumerate(reversed(rows)):
            goal = row.targets.get(code)
            got = row.counts.get(code, 0)
            rate = ratio(got, goal)
            # The first indicator on top of its group, as in the legend (y grows upward).
            positions.append(i + (len(codes) - 1 - n) * bar - 0.4 + bar / 2)
            rates.append(0 if rate is None else 100 * rate)
            texts.append(f"{got}/{goal}" if goal else f"{got}")
        axes.barh(positions, rates, height=bar * 0.9, color=COLOURS[n % len(COLOURS)],
                  label=labels.indicators[code])  # fmt: skip
        widest = max(widest, *rates)
        for y, rate, text in zip(positions, rates, texts, strict=True):
            axes.text(rate + 1, y, text, va="center", fontsize=size - 1, family=FONT)
    axes.axvline(100, color="#555555", linewidth=1, linestyle="--")
    axes.set_yticks(range(len(rows)), list(reversed(names)), fontsize=size, family=FONT)
    axes.set_xlabel(labels.axis, family=FONT)
    axes.set_title(labels.title, family=FONT, fontsize=11)
    axes.set_xlim(0, widest * 1.15)  # room for the count written after each bar
    if codes:
        axes.legend(loc="lower right", prop={"family": FONT, "size": size})
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def progress_chart(
    top: UnitProgress,
    rows: Sequence[UnitProgress],
    indicators: Mapping[str, str],
    title: str,
    axis: str,
) -> bytes | None:
    """The tally's chart of `rows` (or `top` alone), titled in the caller's words; None when
    no unit has a target to measure against. Indicators in `indicators`' order (code ->
    label), any other targeted one after them."""
    chart_rows = [ChartRow(r.unit.name, r.counts, r.targets) for r in rows or [top]]
    targeted = {c for r in chart_rows for c in r.targets}
    if not targeted:
        return None
    codes = [c for c in indicators if c in targeted] + sorted(targeted - set(indicators))
    shown = {c: indicators.get(c, c) for c in codes}
    return render_progress_chart(chart_rows, ChartLabels(title=title, axis=axis, indicators=shown))
