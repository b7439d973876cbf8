"""Tables. Timestamps are timezone-aware and stored in UTC; days are Vietnam calendar days."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Index,
    LargeBinary,
    String,
    TypeDecorator,
    UniqueConstraint,
    text,
    true,
)
from sqlmodel import Field, SQLModel

# Named constraints: migrations (Alembic, batch mode on SQLite) can find and change them.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend (SQLite drops tzinfo)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def _ts(nullable: bool = False) -> Column:
    return Column(UtcDateTime(), nullable=nullable)


def _cancelled(name: str) -> Index:
    """An index of the rows cancelled, by when (a partial index: the others are left out)."""
    only = text("cancelled_at IS NOT NULL")
    return Index(name, "cancelled_at", sqlite_where=only, postgresql_where=only)


E = TypeVar("E", bound=enum.StrEnum)


class EnumText(TypeDecorator[E]):
    """A closed set (a StrEnum) kept in a plain string column: the values are the strings
    stored, so adding a member needs no migration; rows read back as members."""

    impl = String
    cache_ok = True

    def __init__(self, members: type[E], length: int | None = None) -> None:
        super().__init__(length)
        self.members = members

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else self.members(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else self.members(value)


def _enum(members: type[enum.StrEnum], length: int | None = None) -> Column:
    return Column(EnumText(members, length), nullable=False)


def ids_on_path(path: str) -> list[int]:
    """The unit ids on a materialized path, root first, the unit itself last ("/1/5/23/")."""
    return [int(part) for part in path.split("/") if part]


def pk(row: SQLModel) -> int:
    """The id of a row that has been stored (flushed): a row without one is a bug, never 0."""
    found = getattr(row, "id", None)
    if found is None:
        raise ValueError(f"{type(row).__name__} has no id yet: flush it first")
    return int(found)


class Level(enum.StrEnum):
    province = "province"
    district = "district"  # any grouping between province and commune (district, cluster)
    commune = "commune"
    village = "village"


class Role(enum.StrEnum):
    member = "member"
    village_lead = "village_lead"
    commune_leader = "commune_leader"
    district_admin = "district_admin"
    province_admin = "province_admin"


class Unit(SQLModel, table=True):
    # PostgreSQL: text_pattern_ops, so `path LIKE 'prefix%'` (a subtree) uses the index
    # whatever the database's collation (SQLite: a plain index, as before).
    __table_args__ = (Index("ix_unit_path", "path", postgresql_ops={"path": "text_pattern_ops"}),)
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(40), unique=True, nullable=False))
    name: str
    level: Level
    parent_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    # Materialized path "/1/5/23/": a subtree is one indexed LIKE 'prefix%'.
    path: str = Field(default="")


class Member(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    unit_id: int = Field(foreign_key="unit.id", index=True)
    role: Role = Role.member
    active: bool = True
    absent_until: date | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class Identity(SQLModel, table=True):
    """A member's account on one platform; one member may have several."""

    __table_args__ = (UniqueConstraint("platform", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    platform: str = Field(max_length=16)
    user_id: str = Field(max_length=64)
    display_name: str = ""
    private_chat_id: str | None = None  # where direct notices go, once the person wrote privately
    last_seen_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class Chat(SQLModel, table=True):
    """A group chat bound to a unit (for tallies and notices)."""

    __table_args__ = (UniqueConstraint("platform", "chat_id"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    title: str = ""
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    bound_by: int | None = Field(default=None, foreign_key="member.id")


class Invite(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(32), unique=True, nullable=False))
    unit_id: int = Field(foreign_key="unit.id")
    role: Role = Role.member
    max_uses: int | None = None
    used: int = 0
    expires_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    created_by: int | None = Field(default=None, foreign_key="member.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class Indicator(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=16)
    name: str
    short: str = ""  # the label in tables and receipts ("VNeID", "CKS")
    position: int = 0
    active: bool = True


class IndicatorAlias(SQLModel, table=True):
    __tablename__ = "indicator_alias"
    alias: str = Field(primary_key=True, max_length=64)  # as people write it
    indicator: str = Field(foreign_key="indicator.code", index=True)


class ReportWordKind(enum.StrEnum):
    """What a word of the lexicon (data beside the aliases) does in a report."""

    filler = "filler"  # politeness, framing, verbs and nouns of reporting: no count
    courtesy = "courtesy"  # the same, and a message of only these is a courtesy


class ReportWord(SQLModel, table=True):
    """A word or phrase of reports that carries no count ("dạ", "báo cáo", "hồ sơ"), or that
    alone makes a message a courtesy ("cảm ơn", "ok"). Data, like the aliases."""

    __tablename__ = "report_word"
    word: str = Field(primary_key=True, max_length=64)  # as people write it
    kind: ReportWordKind = Field(default=ReportWordKind.filler, sa_column=_enum(ReportWordKind, 16))


class Entry(SQLModel, table=True):
    """One logged count. Never deleted: a correction cancels and replaces it."""

    # Covers the tallies' aggregate (sums per unit and indicator over days) without
    # touching the table: a province's month is read from the index alone.
    # The last two: "has anything changed since this moment?" (storage/punctual.py) is two
    # index probes; the second index holds only the cancelled entries.
    __table_args__ = (
        Index("ix_entry_tally", "day", "unit_id", "indicator", "count", "cancelled_at"),
        Index("ix_entry_created_at", "created_at"),
        _cancelled("ix_entry_cancelled_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    receipt: str = Field(max_length=12, index=True)  # shared by the counts of one report
    member_id: int = Field(foreign_key="member.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    indicator: str = Field(foreign_key="indicator.code")
    count: int
    day: date = Field(index=True)
    source: str = Field(default="", max_length=120)  # platform:chat:message
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    cancelled_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    cancelled_by: int | None = Field(default=None, foreign_key="member.id")
    replaced_by: str | None = Field(default=None, max_length=12)
    replaces: str | None = Field(default=None, max_length=12)


class SubtreeDaily(SQLModel, table=True):
    """Roll-up: the active count of a unit's whole subtree (its own entries and every unit
    below it), per indicator and day; a row for the entry's unit and for every ancestor.
    Kept in the same transaction as every entry, cancellation, correction and unit move
    (storage/rollups.py), so a tally reads one row per unit shown and day, never the
    entries. A village's row is its own count. A row whose entries were all cancelled
    stays with n = 0."""

    __tablename__ = "subtree_daily"
    # Key ordered for reads per unit: a unit's month is one range of the key (SQLite:
    # rows stored in that order, the counts in the key's pages).
    __table_args__ = {"sqlite_with_rowid": False}
    unit_id: int = Field(primary_key=True, foreign_key="unit.id")
    day: date = Field(primary_key=True)
    indicator: str = Field(primary_key=True, foreign_key="indicator.code", max_length=16)
    n: int = 0


class UnitPeriod(SQLModel, table=True):
    """Per unit and period ("2026-11", "2026-Q4", "2026"): `n`, the active count of the
    unit's own entries (all indicators), and `villages_reported`, how many villages of its
    subtree (itself, when a village) have n > 0. Kept with the roll-ups: "x/y thôn đã báo
    cáo" of a child is one row, not its villages."""

    __tablename__ = "unit_period"
    __table_args__ = {"sqlite_with_rowid": False}
    unit_id: int = Field(primary_key=True, foreign_key="unit.id")
    period: str = Field(primary_key=True, max_length=8)
    n: int = 0
    villages_reported: int = 0


class OnTimeMonth(SQLModel, table=True):
    """A month whose on-time counts (`unit_ontime`) were taken, and for which cutoff (the
    end of its deadline day when they were taken): counts taken for another cutoff (the
    deadline setting changed) are not read."""

    __tablename__ = "ontime_month"
    month: str = Field(primary_key=True, max_length=8)
    cutoff: datetime = Field(sa_column=_ts())
    taken_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class UnitOnTime(SQLModel, table=True):
    """Per unit and month (of `ontime_month`), how many villages of its subtree (itself,
    when a village) had reported by the cutoff. Fixed once the cutoff is past; a unit
    move shifts them with the roll-ups (storage/rollups.py). No row: none."""

    __tablename__ = "unit_ontime"
    __table_args__ = {"sqlite_with_rowid": False}
    unit_id: int = Field(primary_key=True, foreign_key="unit.id")
    month: str = Field(primary_key=True, max_length=8)
    on_time: int = 0


class SendSlot(SQLModel, table=True):
    """A send booked by some delivery worker (PostgreSQL: the limits shared by every
    process, bot/delivery/ratelimit.py). `at`: seconds since the epoch on the database's
    clock, the one clock all workers share; chat "" marks a pause after a 429."""

    __tablename__ = "send_slot"
    __table_args__ = (
        Index("ix_send_slot_platform_at", "platform", "at"),
        Index("ix_send_slot_chat_at", "platform", "chat_id", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    at: float


class Target(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("unit_id", "indicator", "period"),)
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    indicator: str = Field(foreign_key="indicator.code")
    period: str = Field(max_length=8)  # "2026-11", "2026-Q4", "2026"
    value: int


class ProcessedUpdate(SQLModel, table=True):
    """Keys of updates already handled: the same key twice stores once and answers once."""

    __tablename__ = "processed_update"
    __table_args__ = (Index("ix_processed_update_at", "at"),)  # pruned by age
    key: str = Field(primary_key=True, max_length=128)
    at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class NothingToReport(SQLModel, table=True):
    """A village's declaration that it has nothing to report for a month ("không phát
    sinh"): it counts as reported, with zeros. Never deleted: undone or cleared by a later
    report through cancelled_at/by."""

    __tablename__ = "nothing_to_report"
    __table_args__ = (
        Index("ix_nothing_month_unit", "month", "unit_id"),
        Index("ix_nothing_created_at", "created_at"),
        _cancelled("ix_nothing_cancelled_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    receipt: str = Field(max_length=12, index=True)
    unit_id: int = Field(foreign_key="unit.id")
    month: str = Field(max_length=8)  # "2026-11"
    member_id: int = Field(foreign_key="member.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    cancelled_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    cancelled_by: int | None = Field(default=None, foreign_key="member.id")


class Nudge(SQLModel, table=True):
    """A leader's `/nhacnho` reminder to one member: at most one per member and Vietnam
    day (the unique key), whoever asks and however often."""

    __tablename__ = "nudge"
    __table_args__ = (UniqueConstraint("member_id", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id")
    unit_id: int = Field(foreign_key="unit.id")  # the member's village, still missing
    day: date
    by_member_id: int = Field(foreign_key="member.id")  # the leader who asked
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class MonthStatus(enum.StrEnum):
    """Where a commune's month stands in the sign-off chain."""

    open = "open"  # chưa chốt (never signed off, or reopened from above)
    signed = "signed"  # đã chốt: the commune's figures are snapshotted, awaiting approval
    approved = "approved"  # đã duyệt: locked
    returned = "returned"  # trả lại: sent back with a reason, open to corrections again


class MonthSignoff(SQLModel, table=True):
    """A commune's month in the sign-off chain: one row per unit and month, updated in
    place (every step is in the audit log). `round` counts the sign-offs; the figures of
    each round are kept in `signoff_figure`."""

    __tablename__ = "month_signoff"
    __table_args__ = (UniqueConstraint("unit_id", "month"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id")
    month: str = Field(max_length=8)  # "2026-11"
    status: MonthStatus = MonthStatus.open
    round: int = 0
    signed_by: int | None = Field(default=None, foreign_key="member.id")
    signed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    decided_by: int | None = Field(default=None, foreign_key="member.id")  # approve/return/reopen
    decided_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    reason: str = ""  # of a return or a reopening


class SignoffFigure(SQLModel, table=True):
    """The snapshot of a sign-off: a unit's count of an indicator, as signed off."""

    __tablename__ = "signoff_figure"
    __table_args__ = (Index("ix_signoff_figure_round", "signoff_id", "round"),)

    id: int | None = Field(default=None, primary_key=True)
    signoff_id: int = Field(foreign_key="month_signoff.id")
    round: int
    unit_id: int = Field(foreign_key="unit.id")
    indicator: str = Field(max_length=16)
    count: int


class RosterEntry(SQLModel, table=True):
    """A person an admin put on a roster (a file uploaded on the web): their personal
    invite, and the member once they joined with it. Names and phones are the team's own
    members, not residents."""

    __tablename__ = "roster_entry"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80)
    phone: str = Field(default="", max_length=20)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    role: Role = Role.member
    invite_id: int = Field(foreign_key="invite.id", unique=True)
    member_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    created_by: int | None = Field(default=None, foreign_key="member.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    revoked_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class AuditAction(enum.StrEnum):
    """What an audit row records (the stored strings; the admin pages name each one)."""

    # reports
    report = "report"
    report_held = "report_held"
    correct = "correct"
    undo = "undo"
    undo_day = "undo_day"
    pending_drop = "pending_drop"
    nothing = "nothing"
    nothing_undo = "nothing-undo"
    nothing_cleared = "nothing-cleared"
    # the month's sign-off
    signoff = "signoff"
    signoff_approve = "signoff-approve"
    signoff_return = "signoff-return"
    signoff_reopen = "signoff-reopen"
    nudge = "nudge"
    # people
    invite = "invite"
    joined = "join"  # (not `join`: a str method)
    rejoin = "rejoin"
    link = "link"
    deactivate = "deactivate"
    reactivate = "reactivate"
    role = "role"
    web_link = "web_link"
    web_login = "web_login"
    # groups and notices
    bind = "bind"
    unbind = "unbind"
    broadcast = "broadcast"
    broadcast_stop = "broadcast_stop"
    outbox_retry = "outbox_retry"
    # indicators
    indicator_add = "indicator_add"
    indicator_alias = "indicator_alias"
    indicator_unalias = "indicator_unalias"
    indicator_rename = "indicator_rename"
    indicator_retire = "indicator_retire"
    indicator_restore = "indicator_restore"
    indicator_order = "indicator_order"
    # the admin pages
    admin_units = "admin_units"
    admin_targets = "admin_targets"
    admin_roster = "admin_roster"
    admin_revoke = "admin_revoke"
    admin_reissue = "admin_reissue"
    admin_pack = "admin_pack"
    api_token = "api_token"
    # the database itself
    demo_database = "demo_database"  # the demo seeded this database (storage/seed.py)


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    actor_id: int | None = Field(default=None, foreign_key="member.id")
    action: AuditAction = Field(sa_column=_enum(AuditAction, 32))
    detail: str = ""


class OutboxStatus(enum.StrEnum):
    pending = "pending"
    sending = "sending"  # claimed by a worker; back to pending if the worker died
    sent = "sent"
    dead = "dead"  # gave up after the last attempt: listed by `cnsbot outbox status`
    undeliverable = "undeliverable"  # the platform will not take it (e.g. outside a window)
    cancelled = "cancelled"  # a broadcast stopped before this went out


class OutboxKind(enum.StrEnum):
    reply = "reply"  # an answer to an update (the others are notifications)
    reminder = "reminder"
    escalation = "escalation"  # to leaders: who has not reported; the deadline's summary
    tally = "tally"  # the weekly table and chart
    broadcast = "broadcast"  # a leader's notice
    alert = "alert"  # to leaders and admins: what to act on; the bot needs a hand (OA token)
    signoff = "signoff"  # a month signed off, approved, returned or reopened: the other side
    webhook = "webhook"  # a signed event to the province's own systems (handlers/outbound.py)


class OutboxMessage(SQLModel, table=True):
    """A notification or a reply to send, written in the same transaction that decided it.

    `key` (kind:period:recipient; for a reply, the update's key) is unique: deciding the
    same thing twice stores it once.
    """

    __tablename__ = "outbox"
    # The delivery workers look for due replies first: pending ones of a kind, by id.
    __table_args__ = (Index("ix_outbox_status_kind", "status", "kind"),)
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_column=Column(String(200), unique=True, nullable=False))
    kind: OutboxKind = Field(sa_column=_enum(OutboxKind, 16))
    platform: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    is_group: bool = False
    html: str
    file_name: str | None = None
    file_data: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    file_photo: bool = Field(  # shown as a picture (charts, QR codes), else a document
        default=True, sa_column=Column(Boolean, nullable=False, server_default=true())
    )
    # A reply's inline buttons, [{"label": ..., "action": ...}] (channels without buttons
    # ignore them: the text already says what to type).
    buttons: list[dict[str, str]] | None = Field(default=None, sa_column=Column(JSON))
    broadcast_id: int | None = Field(default=None, index=True)
    recipient_id: int | None = None  # the member a notification is for (none: a chat's)
    status: OutboxStatus = Field(default=OutboxStatus.pending, index=True)
    attempts: int = 0
    not_before: datetime = Field(default_factory=utcnow, sa_column=_ts())
    claimed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    sent_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    last_error: str = ""
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class BroadcastStatus(enum.StrEnum):
    draft = "draft"  # waits for its author's confirmation
    sending = "sending"  # confirmed: its messages are in the outbox
    done = "done"  # every message went out (or gave up): its progress message is final
    cancelled = "cancelled"  # dropped as a draft, or stopped while sending


class Broadcast(SQLModel, table=True):
    """A notice from a leader to everyone under them: a draft until confirmed."""

    id: int | None = Field(default=None, primary_key=True)
    author_id: int = Field(foreign_key="member.id")
    unit_id: int = Field(foreign_key="unit.id")
    text: str
    status: BroadcastStatus = Field(default=BroadcastStatus.draft, sa_column=_enum(BroadcastStatus))
    total: int = 0
    platform: str = Field(default="", max_length=16)  # where the author follows progress
    chat_id: str = Field(default="", max_length=64)
    progress_message_id: str = ""  # the channel's message that shows "đã gửi 120/450"
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class LinkCode(SQLModel, table=True):
    """A one-time code that joins a second app's account to the same member (/lienket)."""

    __tablename__ = "link_code"
    code: str = Field(primary_key=True, max_length=16)
    member_id: int = Field(foreign_key="member.id")
    platform: str = Field(max_length=16)  # where it was asked for: it must be used elsewhere
    expires_at: datetime = Field(sa_column=_ts())
    used_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class OaToken(SQLModel, table=True):
    """The Zalo OA's tokens. The refresh token is single-use: the new one is stored before
    the new access token is used, so a crash in between cannot lose it. A refresh is leased
    (`refreshing_until`): one holder at a time across processes; a dead holder's lease ends."""

    __tablename__ = "oa_token"
    app_id: str = Field(primary_key=True, max_length=64)
    access_token: str = ""
    refresh_token: str
    expires_at: datetime = Field(sa_column=_ts())
    refreshing_until: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class PublicFile(SQLModel, table=True):
    """A picture served at an unguessable, expiring URL (Zalo's sendPhoto takes a URL)."""

    __tablename__ = "public_file"
    __table_args__ = (Index("ix_public_file_expires_at", "expires_at"),)  # pruned when expired
    token: str = Field(primary_key=True, max_length=64)
    name: str = ""
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    expires_at: datetime = Field(sa_column=_ts())


class PendingKind(enum.StrEnum):
    report = "report"  # a report above the daily limit, recorded once its author confirms
    undo_day = "undo_day"  # a leader's undo of all of one member's receipts of a day


class PendingAction(SQLModel, table=True):
    """Something asked for that waits for its asker's confirmation (a button, or the typed
    `/xacnhan CODE` where the channel has no buttons). Done once: `done_at` is set by the
    one confirmation that does it."""

    __tablename__ = "pending_action"
    code: str = Field(primary_key=True, max_length=16)
    kind: PendingKind
    member_id: int = Field(foreign_key="member.id", index=True)  # the asker: only they confirm
    payload: str  # JSON: what exactly will be done
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    expires_at: datetime = Field(sa_column=_ts())
    done_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    result: str = ""  # what the confirmation did (a receipt, "dropped")


class Throttle(SQLModel, table=True):
    """Wrong codes (invites, /lienket) per platform account: after a few, a growing wait.
    In the database, so that it holds across workers and restarts."""

    key: str = Field(primary_key=True, max_length=160)  # "invite:telegram:12345"
    failures: int = 0
    last_failure_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    blocked_until: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class WebTicket(SQLModel, table=True):
    """A one-time login link for the web app (`/web`): only its hash is stored."""

    __tablename__ = "web_ticket"
    token_hash: str = Field(primary_key=True, max_length=64)
    member_id: int = Field(foreign_key="member.id", index=True)
    expires_at: datetime = Field(sa_column=_ts())
    used_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class WebSession(SQLModel, table=True):
    """A signed-in browser: the cookie holds the token, the table only its hash."""

    __tablename__ = "web_session"
    token_hash: str = Field(primary_key=True, max_length=64)
    member_id: int = Field(foreign_key="member.id", index=True)
    csrf: str = Field(max_length=64)  # sent back with every form that changes something
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    expires_at: datetime = Field(sa_column=_ts())


class ApiToken(SQLModel, table=True):
    """A read-only API token for a subtree (a province's own systems). Only the SHA-256 of
    the token is stored: it is 256 random bits, so a plain hash cannot be brute-forced and
    a copy of the database (a backup) opens nothing. `prefix` names it in lists."""

    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    prefix: str = Field(max_length=16)
    name: str = Field(max_length=80)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    created_by: int | None = Field(default=None, foreign_key="member.id")  # None: the CLI
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    revoked_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    revoked_by: int | None = Field(default=None, foreign_key="member.id")
