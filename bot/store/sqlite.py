"""The SQLite store (aiosqlite): the default backend, one file, nothing to install."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

from bot.store import audit, texts
from bot.store.base import Store
from bot.store.cases import SqliteCases
from bot.store.checkins import SqliteCheckins
from bot.store.clock import to_text, utc_now
from bot.store.db import Database, Synchronous
from bot.store.evidence import SqliteEvidence
from bot.store.incidents import SqliteIncidents
from bot.store.members import SqliteMembers
from bot.store.nudges import SqliteNudges
from bot.store.policy_state import SqlitePolicyState
from bot.store.records import AuditEntry, VerifyReport
from bot.store.reports import SqliteReports


class SqliteAuditLog:
    """The append-only, hash-chained audit log."""

    def __init__(self, db: Database) -> None:
        """Bind to an open database."""
        self._db = db

    async def record(
        self,
        actor: str,
        action: str,
        subject: str,
        details: dict[str, Any] | None = None,
        *,
        at: datetime | None = None,
    ) -> AuditEntry:
        """Append one entry, e.g. ("moderator:42", "button.dismiss", "case:7", {...}).

        `details` must be JSON (no NaN); put no member's free text in it: it can never be erased.
        """
        async with self._db.write() as conn:
            return await audit.append(
                conn,
                ts=at or utc_now(),
                actor=actor,
                action=action,
                subject=subject,
                details=details or {},
            )

    async def verify(self) -> VerifyReport:
        """Walk the chain and the sealed texts; the report names the first bad entry."""
        async with self._db.read() as conn:
            return await audit.verify(conn)

    async def entries(
        self, since: datetime | None = None, batch: int = 5_000
    ) -> AsyncIterator[AuditEntry]:
        """Entries from `since` (inclusive, UTC) in chain order, streamed in batches."""
        after, floor = 0, to_text(since) if since else ""
        while True:
            async with (
                self._db.read() as conn,
                conn.execute(
                    "SELECT seq, ts, actor, action, subject, details, prev, hash FROM audit_log"
                    " WHERE seq > ? AND ts >= ? ORDER BY seq LIMIT ?",
                    (after, floor, batch),
                ) as cur,
            ):
                rows = list(await cur.fetchall())
            for row in rows:
                yield audit.entry_from_row(row)
            if len(rows) < batch:
                return
            after = int(rows[-1][0])


class SqliteStore:
    """Every store service over one SQLite file. Open with `await open_store(path)`."""

    def __init__(self, db: Database) -> None:
        """Build the services over an open database (use `open_store`)."""
        self.db = db
        self.audit = SqliteAuditLog(db)
        self.incidents = SqliteIncidents(db)
        self.nudges = SqliteNudges(db)
        self.cases = SqliteCases(db)
        self.reports = SqliteReports(db)
        self.members = SqliteMembers(db)
        self.policy = SqlitePolicyState(db)
        self.evidence = SqliteEvidence(db)
        self.checkins = SqliteCheckins(db)

    async def erase_member(self, member_id: int, *, actor: str, at: datetime | None = None) -> int:
        """Erase every text a member wrote (data-protection request), audited; returns count."""
        moment = at or utc_now()
        async with self.db.write() as conn:
            count = await texts.erase_author(conn, member_id, to_text(moment), "erase")
            await audit.append(
                conn,
                ts=moment,
                actor=actor,
                action="erase",
                subject=f"member:{member_id}",
                details={"texts_erased": count},
            )
        return count

    async def purge(
        self, retention_days: int, *, actor: str = "system:retention", now: datetime | None = None
    ) -> int:
        """Erase message texts older than `retention_days` (the chain stays); returns count."""
        moment = now or utc_now()
        cutoff = to_text(moment - timedelta(days=retention_days))
        async with self.db.write() as conn:
            count = await texts.erase_before(conn, cutoff, to_text(moment), "retention")
            await audit.append(
                conn,
                ts=moment,
                actor=actor,
                action="retention.purge",
                subject="store",
                details={"days": retention_days, "cutoff": cutoff, "texts_erased": count},
            )
        return count

    async def backup(self, dest: str | os.PathLike[str]) -> None:
        """Write a consistent copy of the live database to a new file `dest`."""
        await self.db.backup(dest)

    async def close(self) -> None:
        """Close the database."""
        await self.db.close()

    async def __aenter__(self) -> SqliteStore:
        """Use as `async with await open_store(path) as store:`."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close on leaving the block."""
        await self.close()


async def open_store(
    path: str | os.PathLike[str],
    *,
    busy_timeout: float = 5.0,
    synchronous: Synchronous = "FULL",
    integrity_check: bool = True,
) -> SqliteStore:
    """Open, check and migrate the SQLite store at `path`; `StoreError` says what is wrong.

    `synchronous="FULL"` makes every acknowledged decision survive a power cut, not only a
    crash; "NORMAL" is faster and still survives a killed process.
    """
    db = await Database.open(
        path, busy_timeout=busy_timeout, synchronous=synchronous, integrity_check=integrity_check
    )
    return SqliteStore(db)


def _conforms(store: SqliteStore) -> Store:
    """Never called: makes mypy prove that SqliteStore satisfies the `Store` Protocol."""
    return store
