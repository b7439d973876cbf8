"""Booking send times that keep every platform limit, before anything is sent.

Sends are booked in order at spaced moments: overall at most `per_second` in any second,
each chat at most `per_chat_second`, each group at most `per_group_minute` in any minute.
Booking (instead of asking "may I send now?") lets many sends wait concurrently without
ever bunching up, and a 429 pushes every later booking past its `retry_after`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

MARGIN = 1.03  # a little slack for timer jitter: the platform must never see a burst


@dataclass(frozen=True)
class Limits:
    per_second: float = 30.0
    per_chat_second: float = 1.0
    per_group_minute: float = 20.0
    group_window: float = 60.0  # seconds: "per minute" (shorter only in tests)


class Booker:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._last_any = float("-inf")
        self._last_chat: dict[str, float] = {}
        self._group: dict[str, deque[float]] = {}
        self.paused_until = float("-inf")
        self._sent_recent: deque[float] = deque()  # when sends really went out, last second
        self._sent_chat: dict[str, float] = {}
        self._sent_group: dict[str, deque[float]] = {}

    def ready_at(self, chat: str, is_group: bool, now: float) -> float:
        """The earliest moment this chat may receive, ignoring the overall limit."""
        at = max(now, self.paused_until)
        last = self._last_chat.get(chat)
        if last is not None:
            at = max(at, last + MARGIN / self.limits.per_chat_second)
        window = self._group.get(chat)
        per_minute = int(self.limits.per_group_minute)
        if is_group and window is not None and len(window) >= per_minute:
            at = max(at, window[-per_minute] + self.limits.group_window * MARGIN)
        return at

    def earliest(self, chat: str, is_group: bool, now: float) -> float:
        """The moment `book` would give this chat now (the overall limit included)."""
        return max(
            self.ready_at(chat, is_group, now), self._last_any + MARGIN / self.limits.per_second
        )

    def book(self, chat: str, is_group: bool, now: float) -> float:
        """Reserve the earliest moment that keeps all limits; returns it."""
        at = self.earliest(chat, is_group, now)
        self._last_any = at
        self._last_chat[chat] = at
        if is_group:
            window = self._group.setdefault(
                chat, deque(maxlen=max(1, int(self.limits.per_group_minute)))
            )
            window.append(at)
        return at

    def wait_before_send(self, chat: str, is_group: bool, now: float) -> float:
        """Seconds to wait so that actual sends keep the spacing their bookings had.

        A send wakes at its booked moment only if the loop is free then; a late one must
        not go out together with the sends booked after it (a burst the platform counts).
        Overall, the rule is the platform's own: at most `per_second` in any second (so a
        late send is caught up within that, not pushed onto every send after it)."""
        recent, allowed = self._sent_recent, max(1, int(self.limits.per_second / MARGIN))
        while recent and recent[0] <= now - MARGIN:
            recent.popleft()
        overall = recent[-allowed] + MARGIN if len(recent) >= allowed else now
        last = self._sent_chat.get(chat)
        per_chat = last + MARGIN / self.limits.per_chat_second if last is not None else now
        group = now
        window = self._sent_group.get(chat)
        per_minute = int(self.limits.per_group_minute)
        if is_group and window is not None and len(window) >= per_minute:
            group = window[-per_minute] + self.limits.group_window * MARGIN
        return max(0.0, overall - now, per_chat - now, group - now, self.paused_until - now)

    def sent(self, chat: str, is_group: bool, now: float) -> None:
        self._sent_recent.append(now)
        self._sent_chat[chat] = now
        if is_group:
            size = max(1, int(self.limits.per_group_minute))
            self._sent_group.setdefault(chat, deque(maxlen=size)).append(now)

    def pause(self, until: float) -> None:
        """After a 429: nothing goes out before `until` (bookings after it are pushed too)."""
        self.paused_until = max(self.paused_until, until)
        self._last_any = max(self._last_any, until)
