"""What every command handler gets: the update, the transaction's store, the person, time."""

from __future__ import annotations

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
    _vocabulary: Vocabulary | None = None
    _labels: dict[str, str] | None = None

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
        if self._vocabulary is None:
            self._vocabulary = Vocabulary.build(await self.store.indicators.with_aliases())
        return self._vocabulary

    async def labels(self) -> dict[str, str]:
        """Indicator code -> short label, in display order."""
        if self._labels is None:
            self._labels = {i.code: i.short or i.code for i in await self.store.indicators.all()}
        return self._labels
