"""What every command handler gets: the update, the transaction's store, the person, time."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime

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
        """Indicator code -> short label, in display order."""
        return (await self._indicators()).labels

    async def _indicators(self) -> Indicators:
        if self.cache is None:
            self.cache = IndicatorCache()
        return await self.cache.get(self.store)


@dataclass(frozen=True)
class Indicators:
    vocabulary: Vocabulary
    labels: dict[str, str]


class IndicatorCache:
    """Indicators and aliases change rarely (an admin adds one); building the vocabulary
    for every message cost more than storing the report. Reloaded after `ttl` seconds."""

    def __init__(self, ttl: float = 60.0) -> None:
        self.ttl = ttl
        self._value: Indicators | None = None
        self._loaded = 0.0

    async def get(self, store: Store) -> Indicators:
        if self._value is None or time.monotonic() - self._loaded > self.ttl:
            words = await store.indicators.words()  # none stored: the default lexicon
            vocabulary = Vocabulary.build(await store.indicators.with_aliases(), words or None)
            labels = {i.code: i.short or i.code for i in await store.indicators.all()}
            self._value, self._loaded = Indicators(vocabulary, labels), time.monotonic()
        return self._value
