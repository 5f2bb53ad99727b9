"""Check-ins sent to targeted colleagues: claimed at most once per member, pattern and period."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from bot.store import audit
from bot.store.clock import to_text
from bot.store.db import Database, fetch_one


class SqliteCheckins:
    """Rows of `checkins`; every claim and delivery result is audited."""

    def __init__(self, db: Database) -> None:
        """Bind to an open database."""
        self._db = db

    async def claim(
        self, guild_id: int, member_id: int, pattern: str, *, at: datetime, every: timedelta
    ) -> int | None:
        """A new check-in's id, or None when one for this member and pattern is under `every` old.

        Check and insert are one transaction, so two concurrent claims cannot both win.
        """
        async with self._db.write() as conn:
            recent = await fetch_one(
                conn,
                "SELECT 1 FROM checkins WHERE guild_id = ? AND member_id = ? AND pattern = ?"
                " AND created_at > ? LIMIT 1",
                (guild_id, member_id, pattern, to_text(at - every)),
            )
            if recent is not None:
                return None
            cur = await conn.execute(
                "INSERT INTO checkins (guild_id, member_id, pattern, created_at)"
                " VALUES (?, ?, ?, ?)",
                (guild_id, member_id, pattern, to_text(at)),
            )
            checkin_id = int(cast(int, cur.lastrowid))
            await audit.append(
                conn,
                ts=at,
                actor="bot",
                action="checkin",
                subject=f"member:{member_id}",
                details={"checkin": checkin_id, "guild": str(guild_id), "pattern": pattern},
            )
        return checkin_id

    async def set_status(self, checkin_id: int, status: str, *, at: datetime) -> None:
        """Record whether the check-in reached the member (delivered, dms_closed, failed)."""
        async with self._db.write() as conn:
            await conn.execute("UPDATE checkins SET status = ? WHERE id = ?", (status, checkin_id))
            await audit.append(
                conn,
                ts=at,
                actor="bot",
                action="checkin.status",
                subject=f"checkin:{checkin_id}",
                details={"checkin": checkin_id, "status": status},
            )
