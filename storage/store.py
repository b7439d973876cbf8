"""One transaction's view of the database: the repositories, bound to one session."""

from __future__ import annotations

from sqlalchemy import bindparam, insert, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncSessionTransaction
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import rollups
from storage.entries import Entries, Indicators, Targets
from storage.intake import ReportReads
from storage.limits import Pendings, Throttles
from storage.models import AuditAction, AuditLog, ProcessedUpdate, utcnow
from storage.nothing import Declarations
from storage.nudges import Nudges
from storage.outbox import Broadcasts, Outbox, PublicFiles
from storage.people import Chats, Invites, Links, Members, OaTokens, Units
from storage.punctual import Punctuality
from storage.roster import Rosters
from storage.signoff import Signoffs
from storage.tally import Tallies
from storage.web import WebAccess

# Built once: every update runs them (building a statement costs more than running it).
# (Tables, not ORM entities: a plain Core insert, with its rowcount.)
_SCHEMA_VERSION = text("SELECT version_num FROM alembic_version")
_INSERT_AUDIT = insert(AuditLog.__table__)  # type: ignore[attr-defined]
_CLAIM = {
    name: dialect.insert(ProcessedUpdate.__table__)  # type: ignore[attr-defined]
    .values(key=bindparam("key"), at=bindparam("at"))
    .on_conflict_do_nothing()
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


class Store:
    """One unit of work. Only `commit()` ends it keeping what it wrote; the repositories
    never commit (`Database.transaction()` owns the session)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.units = Units(session)
        self.members = Members(session)
        self.invites = Invites(session)
        self.indicators = Indicators(session)
        self.entries = Entries(session)
        self.targets = Targets(session)
        self.outbox = Outbox(session)
        self.chats = Chats(session)
        self.broadcasts = Broadcasts(session)
        self.links = Links(session)
        self.public_files = PublicFiles(session)
        self.oa_tokens = OaTokens(session)
        self.pending = Pendings(session)
        self.throttles = Throttles(session)
        self.web = WebAccess(session)
        self.nothing = Declarations(session)
        self.nudges = Nudges(session)
        self.signoffs = Signoffs(session)
        self.rosters = Rosters(session)
        self.tallies = Tallies(session)
        self.intake = ReportReads(session)
        self.punctual = Punctuality(session)

    async def commit(self) -> None:
        """Keep what this unit of work wrote. Call it last in the `transaction()` block
        (before a `return` inside it): a block left without it is rolled back. A commit is
        final: if the block raises afterwards, only what it wrote after the commit is lost.
        The roll-up deltas collected by the unit of work are written last, just before."""
        await rollups.flush(self.session)
        await self.session.commit()

    async def schema_version(self) -> str | None:
        """The migration the database is at (None: never migrated)."""
        try:
            async with self.session.begin_nested():
                found = await self.session.scalar(_SCHEMA_VERSION)
                return None if found is None else str(found)
        except OperationalError:
            return None  # SQLite: no such table
        except ProgrammingError:
            return None  # PostgreSQL: undefined table

    async def claim_update(self, key: str) -> bool:
        """Record an incoming update's key; False when it was already processed.

        Concurrent claims of one key serialize on the primary key: one inserts, the
        other sees the conflict (after the first commits) and does nothing.
        """
        dialect = self.session.bind.dialect.name if self.session.bind else "sqlite"
        stmt = _CLAIM["postgresql" if dialect == "postgresql" else "sqlite"]
        result = await self.session.exec(stmt, params={"key": key, "at": utcnow()})
        return bool(result.rowcount)

    def savepoint(self) -> AsyncSessionTransaction:
        """A nested transaction: what is written inside can be rolled back alone."""
        return self.session.begin_nested()

    async def audit(self, actor_id: int | None, action: AuditAction, detail: str = "") -> None:
        row = {"at": utcnow(), "actor_id": actor_id, "action": action, "detail": detail}
        await self.session.exec(_INSERT_AUDIT, params=row)
