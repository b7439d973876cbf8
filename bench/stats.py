"""Several runs of one measurement: the median and the spread (min–max), never one run."""

from __future__ import annotations

import statistics
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

RUNS = 5  # runs of every cell of `make bench` (`--runs N`)


@dataclass(frozen=True)
class Spread:
    runs: tuple[float, ...]

    @classmethod
    def of(cls, values: Iterable[float]) -> Spread:
        found = tuple(values)
        if not found:
            raise ValueError("no runs")
        return cls(found)

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def low(self) -> float:
        return min(self.runs)

    @property
    def high(self) -> float:
        return max(self.runs)

    def scaled(self, factor: float) -> Spread:
        return Spread(tuple(v * factor for v in self.runs))

    def show(self, digits: int = 0, unit: str = "") -> str:
        """`412/s (398–420, 5 runs)`: the median, then min–max over the runs."""
        f = f"{{:.{digits}f}}"
        return (
            f"{f.format(self.median)}{unit} ({f.format(self.low)}–{f.format(self.high)}, "
            f"{len(self.runs)} runs)"
        )


def ratios(ours: Spread, base: Spread) -> Spread:
    """Run by run (each run against the baseline measured beside it), not median by median."""
    return Spread(tuple(o / b for o, b in zip(ours.runs, base.runs, strict=True)))


async def repeat(runs: int, measure: Callable[[], Awaitable[float]]) -> Spread:
    return Spread.of([await measure() for _ in range(runs)])
