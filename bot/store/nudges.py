"""Nudges: what the bot privately told whom, and whether it arrived."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from bot.store import audit
from bot.store.clock import from_text, to_text, utc_now
from bot.store.db import Database, fetch_one
from bot.store.errors import NotFoundError, StateError
from bot.store.records import NUDGE_STATUSES, Nudge, NudgeStatus, NudgeVia

NUDGE_COLUMNS = (
    "id, guild_id, incident_id, recipient_id, via, body, status, detail, created_at, updated_at"
)


def nudge_from_row(row: Sequence[Any]) -> Nudge:
    """A `Nudge` from a row in `NUDGE_COLUMNS` order."""
    return Nudge(
        int(row[0]),
        int(row[1]),
        row[2],
        int(row[3]),
        cast(NudgeVia, row[4]),
        str(row[5]),
        cast(NudgeStatus, row[6]),
        row[7],
        from_text(row[8]),
        from_text(row[9]),
    )


class SqliteNudges:
    """Nudges. A delivery update is a new audit entry: audit rows are never changed."""

    def __init__(self, db: Database) -> None:
        """Bind to an open database."""
        self._db = db

    async def record(
        self,
        guild_id: int,
        recipient_id: int,
        body: str,
        *,
        incident_id: int | None = None,
        via: NudgeVia = "dm",
        status: NudgeStatus = "pending",
        actor: str = "bot",
        at: datetime | None = None,
    ) -> Nudge:
        """Record a nudge about to be (or just) sent; `body` is the bot's own words."""
        _check_status(status)
        moment = at or utc_now()
        stamp = to_text(moment)
        async with self._db.write() as conn:
            cur = await conn.execute(
                "INSERT INTO nudges (guild_id, incident_id, recipient_id, via, body, status,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (guild_id, incident_id, recipient_id, via, body, status, stamp, stamp),
            )
            nudge_id = int(cast(int, cur.lastrowid))
            await audit.append(
                conn,
                ts=moment,
                actor=actor,
                action="nudge",
                subject=f"member:{recipient_id}",
                details={
                    "nudge": nudge_id,
                    "incident": incident_id,
                    "guild": str(guild_id),
                    "via": via,
                    "status": status,
                    "body": body,
                },
            )
            return Nudge(
                nudge_id,
                guild_id,
                incident_id,
                recipient_id,
                via,
                body,
                status,
                None,
                from_text(stamp),
                from_text(stamp),
            )

    async def set_status(
        self,
        nudge_id: int,
        status: NudgeStatus,
        *,
        detail: str | None = None,
        actor: str = "bot",
        at: datetime | None = None,
    ) -> Nudge:
        """Record the delivery outcome: delivered, dms_closed, blocked or failed."""
        _check_status(status)
        moment = at or utc_now()
        async with self._db.write() as conn:
            cur = await conn.execute(
                "UPDATE nudges SET status = ?, detail = ?, updated_at = ? WHERE id = ?",
                (status, detail, to_text(moment), nudge_id),
            )
            if not cur.rowcount:
                raise NotFoundError(f"no nudge {nudge_id}")
            await audit.append(
                conn,
                ts=moment,
                actor=actor,
                action="nudge.status",
                subject=f"nudge:{nudge_id}",
                details={"nudge": nudge_id, "status": status, "detail": detail},
            )
            row = await fetch_one(
                conn, f"SELECT {NUDGE_COLUMNS} FROM nudges WHERE id = ?", (nudge_id,)
            )
            return nudge_from_row(cast(Sequence[Any], row))

    async def for_member(self, guild_id: int, member_id: int) -> list[Nudge]:
        """Nudges sent to a member, oldest first."""
        async with (
            self._db.read() as conn,
            conn.execute(
                f"SELECT {NUDGE_COLUMNS} FROM nudges WHERE guild_id = ? AND recipient_id = ?"
                " ORDER BY id",
                (guild_id, member_id),
            ) as cur,
        ):
            return [nudge_from_row(r) for r in await cur.fetchall()]


def _check_status(status: str) -> None:
    if status not in NUDGE_STATUSES:
        raise StateError(f"unknown nudge status {status!r}; use one of {', '.join(NUDGE_STATUSES)}")
