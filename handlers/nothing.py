"""A village declares a month with nothing to report ("không phát sinh"): it counts as
reported, with zeros, until undone or until someone reports a count for that month."""

from __future__ import annotations

import re
from datetime import date, timedelta

from handlers import month_lock, texts_nothing, texts_report
from handlers.context import Ctx, UserError
from handlers.folding import fold
from handlers.permissions import at_least, inside
from handlers.types import Button, Reply
from reminders.calendar import Period, month_of
from storage.models import AuditAction, Level, NothingToReport, Role, pk

PHRASE = "khong phat sinh"
SHORT = "kps"  # accepted alone (a whole message), never inside a longer one
_WORDS = re.compile(r"\d+(?:[/-]\d+)+|[^\W_]+", re.UNICODE)
# Words that may come with the phrase without making it a report: the politeness and
# framing of a message to one's commune, and the naming of the village and month.
_PLACES = frozenset({"thon", "ban", "to", "xom", "khu", "ap", "lang", "doi", "cum"})
_FRAMING = _PLACES | {
    "da", "a", "ah", "em", "anh", "chi", "minh", "xin", "kinh", "gui", "bao", "cao", "ve",
    "viec", "thang", "nay", "truoc", "vua", "qua", "roi", "nhe", "nha", "so", "lieu", "la",
    "co", "van", "chung", "toi", "ben", "vang", "ok",
}  # fmt: skip


def is_declaration(text: str) -> bool:
    """`không phát sinh`, `khong phat sinh`, `kps` alone, or the phrase in a polite
    sentence (`dạ thôn em tháng này không phát sinh ạ`)."""
    words = _WORDS.findall(fold(text))
    if words == [SHORT]:
        return True
    if PHRASE not in " ".join(words):
        return False
    # Around the phrase, only framing, places and months: `vneid 5, cks không phát sinh`
    # is a report (vneid 5, nothing for cks), read by the report grammar.
    return all(w in _FRAMING or any(ch.isdigit() for ch in w) for w in _rest(text))


def _rest(text: str) -> list[str]:
    """The words around the phrase, without it."""
    words = _WORDS.findall(fold(text))
    return [] if words == [SHORT] else " ".join(words).replace(PHRASE, " ").split()


def parse_month(words: list[str], today: date) -> Period:
    """The month a declaration is for: this month by default; `tháng trước`, `tháng 10`,
    `10/2026`, `2026-10`. Numbers after a place word (`thôn 3`) are not months."""
    this = month_of(today)
    if "truoc" in words:
        return month_of(this.start - timedelta(days=1))
    for i, word in enumerate(words):
        if i and words[i - 1] in _PLACES:
            continue
        if m := re.fullmatch(r"(\d{1,2})[/-](\d{4})", word):
            return _month(int(m[2]), int(m[1]))
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})", word):
            return _month(int(m[1]), int(m[2]))
        if word.isdigit() and i and words[i - 1] == "thang":
            month = int(word)
            year = today.year if month <= today.month else today.year - 1
            return _month(year, month)
        if any(ch.isdigit() for ch in word) or word not in _FRAMING:
            with_counts = any(ch.isdigit() for w in words for ch in w)
            raise UserError(texts_nothing.WITH_COUNTS if with_counts else texts_nothing.BAD_MONTH)
    return this


def _month(year: int, month: int) -> Period:
    if not 1 <= month <= 12:
        raise UserError(texts_nothing.BAD_MONTH)
    return month_of(date(year, month, 1))


async def declare(ctx: Ctx, args: str) -> Reply:
    """`/khongphatsinh [tháng]` or the words themselves: for the person's own village."""
    member, unit = ctx.me()
    if unit.level is not Level.village or at_least(member.role, Role.commune_leader):
        raise UserError(texts_nothing.NOT_A_VILLAGE)
    month = parse_month(_rest(args), ctx.today)
    if month.end < ctx.earliest_open:
        raise UserError(texts_nothing.closed(month.key))
    if month.start > ctx.today:
        raise UserError(texts_nothing.future(month.key))
    unit_id = pk(unit)
    # The village's row first (PostgreSQL): a report holds it FOR SHARE until it commits
    # and reads the declaration only once it has it, so one of the two sees the other.
    await ctx.store.signoffs.lock_unit(unit_id)
    await month_lock.ensure_open(ctx, unit, month.key)
    if (existing := await ctx.store.nothing.active(unit_id, month.key)) is not None:
        return Reply(texts_nothing.already_declared(unit.name, month.key, existing.receipt))
    counts = await ctx.store.entries.totals_by_unit(unit, month.start, month.end)
    if any(counts.get(unit_id, {}).values()):
        raise UserError(texts_nothing.has_reports(unit.name, month.key))
    receipt = await ctx.store.nothing.declare(
        unit_id=unit_id, month=month.key, member_id=pk(member), at=ctx.now
    )
    await ctx.store.audit(member.id, AuditAction.nothing, f"{receipt} {unit_id} {month.key}")
    html = texts_nothing.declared(unit.name, month.key, receipt)
    undo = Button(texts_nothing.UNDO_BUTTON, f"undo:{receipt}")
    return Reply(html, buttons=(undo,), receipt_code=receipt)


async def undo(ctx: Ctx, row: NothingToReport) -> Reply:
    """`/huy CODE` (or the button) of a declaration: by its author, a member of the same
    village or a leader above it (a member's scope is their village); refused once its
    month is closed."""
    member, scope = ctx.me()
    unit = await ctx.store.units.get(row.unit_id)
    assert unit is not None
    if row.member_id != member.id and not inside(unit, scope):
        raise UserError(texts_report.receipt_not_yours(row.receipt))
    if row.cancelled_at is not None:
        raise UserError(texts_report.receipt_cancelled(row.receipt))
    month = month_of(date.fromisoformat(f"{row.month}-01"))
    if month.end < ctx.earliest_open:
        raise UserError(texts_report.receipt_closed(row.receipt, month.start))
    await month_lock.ensure_open(ctx, unit, row.month)
    await ctx.store.nothing.cancel(row, by=pk(member), at=ctx.now)
    await ctx.store.audit(member.id, AuditAction.nothing_undo, row.receipt)
    return Reply(texts_nothing.undone(unit.name, row.month, row.receipt))
