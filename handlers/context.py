"""What every command handler gets: the update, the transaction's store, the person, time."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

from handlers.grammar import Vocabulary
from handlers.types import Incoming, Rules
from reminders.calendar import earliest_open_day, vn_today
from storage.models import Member, Unit
from storage.store import Store


class UserError(Exception):
    """A refusal: its HTML is the whole answer, and nothing the handler wrote is kept."""

    def __init__(self, html: str) -> None:
        super().__init__(html)
        self.html = html


@dataclass
class Ctx:
    msg: Incoming
    store: Store
    now: datetime
    rules: Rules
    member: Member | None = None
    unit: Unit | None = None
    cache: IndicatorCache | None = None
    # Members whose role this update changed (or who joined): their chat menus follow it
    # once the transaction has committed (handlers.app fills Outcome.menus).
    role_changed: list[Member] = field(default_factory=list)

    @property
    def today(self) -> date:
        return vn_today(self.now)

    @property
    def earliest_open(self) -> date:
        return earliest_open_day(self.today, self.rules.grace_days)

    def me(self) -> tuple[Member, Unit]:
        """The member and their unit; handlers for members only are routed after a check."""
        assert self.member is not None and self.unit is not None
        return self.member, self.unit

    async def vocabulary(self) -> Vocabulary:
        return (await self._indicators()).vocabulary

    async def labels(self) -> dict[str, str]:
        """Indicator code -> short label, in display order, of those that take reports."""
        return (await self._indicators()).labels

    async def retired(self) -> dict[str, str]:
        """Retired indicator code -> short label: named in a refusal, not reported."""
        return (await self._indicators()).retired

    async def labels_with(self, *data: Mapping[str, int]) -> dict[str, str]:
        """The labels to show beside figures: the indicators that take reports, and a
        retired one wherever the figures (past counts, targets) still hold it."""
        found = await self._indicators()
        return {
            code: label
            for code, label in found.everything.items()
            if code in found.labels or any(d.get(code) for d in data)
        }

    async def _indicators(self) -> Indicators:
        if self.cache is None:
            self.cache = IndicatorCache()
        return await self.cache.get(self.store)


@dataclass(frozen=True)
class Indicators:
    vocabulary: Vocabulary  # retired indicators too: a report of one is refused by name
    labels: dict[str, str]  # code -> short label of those that take reports, display order
    retired: dict[str, str]
    everything: dict[str, str]


@lru_cache(maxsize=8)
def _vocabulary(
    names: tuple[tuple[str, tuple[str, ...]], ...], words: tuple[tuple[str, str], ...] | None
) -> Vocabulary:
    """The vocabulary of these indicators and words, built once while they stay the same
    (a reload every `ttl` finds them unchanged almost always; building costs ~9 ms)."""
    return Vocabulary.build(names, words)


class IndicatorCache:
    """Indicators and aliases change rarely (an admin adds one); building the vocabulary
    for every message cost more than storing the report. Reloaded after `ttl` seconds:
    `cnsbot indicators` runs in another process, so the running bot sees its changes
    within `ttl` (10 s); a change made in this process calls `invalidate()`."""

    def __init__(self, ttl: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._value: Indicators | None = None
        self._loaded = 0.0

    def invalidate(self) -> None:
        self._value = None

    async def get(self, store: Store) -> Indicators:
        if self._value is None or self.clock() - self._loaded > self.ttl:
            names = await store.indicators.with_aliases(include_retired=True)
            words = await store.indicators.words()  # none stored: the default lexicon
            vocabulary = _vocabulary(
                tuple((code, tuple(aliases)) for code, aliases in names),
                tuple(words) if words else None,
            )
            rows = await store.indicators.all()
            everything = {i.code: i.short or i.code for i in rows}
            active = {i.code for i in rows if i.active}
            labels = {c: label for c, label in everything.items() if c in active}
            retired = {c: label for c, label in everything.items() if c not in active}
            self._value = Indicators(vocabulary, labels, retired, everything)
            self._loaded = self.clock()
        return self._value
