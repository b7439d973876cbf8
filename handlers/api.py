"""The read-only API's neutral side: tokens for a subtree, and the data a province's own
systems pull (units, progress, entries), as rows of named columns that the routes write
as JSON or CSV alike.

Progress comes from `reminders.progress.tally_view`, the very code behind `/tiendo`, the
weekly tally and the dashboard: the API never has its own sums.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from handlers import texts_api
from handlers.permissions import inside
from handlers.types import Clock
from reminders.calendar import Period, month_of, parse_period, vn_today
from reminders.progress import UnitProgress, tally_view
from storage.api import ApiTokens, entries_page
from storage.collation import vn_key
from storage.db import Database
from storage.models import ApiToken, AuditAction, Level, MonthSignoff, MonthStatus, Unit, pk
from storage.store import Store

Row = dict[str, Any]
PAGE_DEFAULT, PAGE_MOST = 500, 5000

UNIT_COLUMNS = ("code", "name", "level", "parent_code")
PROGRESS_COLUMNS = (
    "unit_code", "unit_name", "level", "period", "indicator", "count", "target", "rate",
    "villages", "villages_reported",
)  # fmt: skip
SIGNOFF_COLUMNS = (
    "unit_code", "month", "status", "round", "signed_at", "decided_at", "reason",
)  # fmt: skip
ENTRY_COLUMNS = (
    "id", "receipt", "unit_code", "indicator", "count", "day", "created_at", "cancelled_at",
    "replaces", "replaced_by",
)  # fmt: skip


class ApiError(Exception):
    """A refused request: its HTTP status, a stable machine code and a Vietnamese message."""

    def __init__(self, status: int, code: str, message: str, retry_after: int = 0) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.retry_after = status, code, message, retry_after


@dataclass(frozen=True)
class Client:
    """Who is asking: one active token and the unit whose subtree it reads."""

    token_id: int
    name: str
    scope: Unit


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: list[Row]
    next_cursor: str | None = None


class RateLimiter:
    """At most `per_window` requests per token in each fixed window of `window` seconds.

    Kept in memory, not in the database: the API only reads, and counting in a table would
    make every read a write (on SQLite, one more writer queueing behind the reports). The
    web server is one process; were there several, each would allow its own share, which is
    fine for a guard whose purpose is to stop a runaway script, not to bill anyone."""

    def __init__(
        self,
        per_window: int = 120,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_window, self.window, self.clock = per_window, window, clock
        self._windows: dict[int, tuple[float, int]] = {}

    def wait(self, token_id: int) -> int:
        """0 when the request may go ahead (and is counted), else the seconds to wait."""
        now = self.clock()
        start, used = self._windows.get(token_id, (now, 0))
        if now - start >= self.window:
            start, used = now, 0
        if used >= self.per_window:
            return max(1, int(start + self.window - now + 0.999))
        self._windows[token_id] = (start, used + 1)
        return 0


async def create_token(store: Store, unit: Unit, name: str, by: int | None, now: Any) -> str:
    """A new token for `unit`'s subtree (the caller has checked who may): shown once."""
    name = " ".join(name.split())
    if not name or len(name) > 80:
        raise ValueError(texts_api.TOKEN_NAME_NEEDED)
    token, row = await ApiTokens(store.session).create(pk(unit), name, by, now)
    await store.audit(by, AuditAction.api_token, f"create {row.id} {unit.code} {row.prefix}…")
    return token


async def revoke_token(store: Store, scope: Unit, number: int, by: int | None, now: Any) -> None:
    """Revoke token `number` if it reads a unit inside `scope`; ValueError says why not."""
    tokens = ApiTokens(store.session)
    found = await tokens.get(number)
    unit = await store.units.get(found.unit_id) if found else None
    if found is None or unit is None or not inside(unit, scope):
        raise ValueError(texts_api.token_unknown(number))
    if not await tokens.revoke(number, by, now):
        raise ValueError(texts_api.token_already_revoked(number))
    await store.audit(by, AuditAction.api_token, f"revoke {number} {unit.code}")


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"e{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError) as err:
        raise ApiError(400, "bad_cursor", texts_api.BAD_CURSOR) from err
    if not text.startswith("e") or not text[1:].isdigit():
        raise ApiError(400, "bad_cursor", texts_api.BAD_CURSOR)
    return int(text[1:])


@dataclass
class ApiService:
    db: Database
    clock: Clock
    limiter: RateLimiter = field(default_factory=RateLimiter)

    async def client(self, authorization: str) -> Client:
        """The client of a `Bearer` header; 401 without a valid token, 429 past the limit."""
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "no_token", texts_api.NO_TOKEN)
        async with self.db.reading() as store:
            found: ApiToken | None = await ApiTokens(store.session).active(token.strip())
            unit = await store.units.get(found.unit_id) if found else None
        if found is None or unit is None:
            raise ApiError(401, "bad_token", texts_api.BAD_TOKEN)
        if wait := self.limiter.wait(pk(found)):
            raise ApiError(429, "rate_limited", texts_api.too_many(wait), retry_after=wait)
        return Client(pk(found), found.name, unit)

    async def _scope(self, store: Store, client: Client, code: str) -> Unit:
        """The unit named by `code` (default: the token's own), inside the token's subtree."""
        if not code:
            return client.scope
        unit = await store.units.by_code(code)
        if unit is None:
            raise ApiError(404, "unit_unknown", texts_api.unit_unknown(code))
        if not inside(unit, client.scope):
            raise ApiError(403, "outside_scope", texts_api.unit_outside(code))
        return unit

    def _period(self, key: str) -> Period:
        if not key:
            return month_of(vn_today(self.clock()))
        try:
            return parse_period(key)
        except ValueError as err:
            raise ApiError(400, "bad_period", texts_api.bad_period(key)) from err

    async def units(self, client: Client) -> Table:
        async with self.db.reading() as store:
            units = list(await store.units.subtree(client.scope))
            codes = {u.id: u.code for u in units}
            parent = await store.units.get(client.scope.parent_id or 0)
        if parent is not None:
            codes[parent.id] = parent.code
        units.sort(key=lambda u: (u.path.count("/"), vn_key(u.name)))
        rows = [
            {"code": u.code, "name": u.name, "level": u.level.value,
             "parent_code": codes.get(u.parent_id)}
            for u in units
        ]  # fmt: skip
        return Table(UNIT_COLUMNS, rows)

    async def progress(self, client: Client, code: str = "", period_key: str = "") -> Table:
        """The unit and its direct children, per indicator: what `/tiendo` shows."""
        period = self._period(period_key)
        async with self.db.reading() as store:
            scope = await self._scope(store, client, code)
            top, children, _ = await tally_view(store, scope, period)
            indicators = await store.indicators.all()
        # The indicators that take reports, and a retired one wherever figures still hold it.
        held = {code for p in (top, *children) for code in (*p.counts, *p.targets)}
        order = [i.code for i in indicators if i.active or i.code in held]
        rows = [row for p in (top, *children) for row in _progress_rows(p, period, order)]
        return Table(PROGRESS_COLUMNS, rows)

    async def entries(self, client: Client, query: Mapping[str, str]) -> Table:
        """A page of entries in id order; `next_cursor` continues it (None on the last)."""
        limit_text = query.get("limit", str(PAGE_DEFAULT))
        if not limit_text.isdigit() or not 1 <= int(limit_text) <= PAGE_MOST:
            raise ApiError(400, "bad_limit", texts_api.bad_limit(PAGE_MOST))
        limit = int(limit_text)
        after = decode_cursor(query["cursor"]) if query.get("cursor") else 0
        period = self._period(query["period"]) if query.get("period") else None
        indicator = query.get("indicator", "")
        async with self.db.reading() as store:
            scope = await self._scope(store, client, query.get("unit", ""))
            if indicator and await store.indicators.get(indicator) is None:
                raise ApiError(400, "bad_indicator", texts_api.bad_indicator(indicator))
            found = await entries_page(
                store.session, scope, start=period.start if period else None,
                end=period.end if period else None, indicator=indicator or None,
                after_id=after, limit=limit,
            )  # fmt: skip
        rows = [
            {"id": e.id, "receipt": e.receipt, "unit_code": u.code, "indicator": e.indicator,
             "count": e.count, "day": e.day.isoformat(), "created_at": e.created_at.isoformat(),
             "cancelled_at": e.cancelled_at.isoformat() if e.cancelled_at else None,
             "replaces": e.replaces, "replaced_by": e.replaced_by}
            for e, u in found
        ]  # fmt: skip
        last = found[-1][0].id if len(found) == limit else None
        return Table(ENTRY_COLUMNS, rows, encode_cursor(last) if last else None)

    async def signoff(self, client: Client, code: str = "", period_key: str = "") -> Table:
        """Where each commune of the subtree stands in the month's sign-off chain (a
        commune without a row is "open"); months only."""
        period = self._period(period_key)
        if month_of(period.start).key != period.key:  # a quarter or a year
            raise ApiError(400, "bad_period", texts_api.month_only(period.key))
        async with self.db.reading() as store:
            scope = await self._scope(store, client, code)
            communes = [u for u in await store.units.subtree(scope) if u.level is Level.commune]
            rows = await store.signoffs.in_subtree(scope, period.key)
        communes.sort(key=lambda u: u.code)
        return Table(SIGNOFF_COLUMNS, [_signoff_row(u, period, rows.get(pk(u))) for u in communes])


def _signoff_row(unit: Unit, period: Period, row: MonthSignoff | None) -> Row:
    if row is None:
        return {"unit_code": unit.code, "month": period.key, "status": MonthStatus.open.value,
                "round": 0, "signed_at": None, "decided_at": None, "reason": ""}  # fmt: skip
    return {
        "unit_code": unit.code, "month": period.key, "status": row.status.value,
        "round": row.round,
        "signed_at": row.signed_at.isoformat() if row.signed_at else None,
        "decided_at": row.decided_at.isoformat() if row.decided_at else None,
        "reason": row.reason,
    }  # fmt: skip


def _progress_rows(p: UnitProgress, period: Period, order: list[str]) -> list[Row]:
    return [
        {"unit_code": p.unit.code, "unit_name": p.unit.name, "level": p.unit.level.value,
         "period": period.key, "indicator": code, "count": p.counts.get(code, 0),
         "target": p.targets.get(code), "rate": p.rate(code), "villages": p.villages,
         "villages_reported": p.villages_reported}
        for code in order
    ]  # fmt: skip
