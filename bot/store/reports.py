"""Member reports and the retaliation watch that protects the reporter.

The reporter's id is stored, but only `reporter_view()` returns it, only to the designated
moderator, and that disclosure is itself audited. The chain holds a sealed digest of the id.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

import aiosqlite

from bot.store import audit, texts
from bot.store.clock import from_text, to_text, utc_now
from bot.store.db import Database
from bot.store.errors import ForbiddenError, NotFoundError
from bot.store.records import Report, Watch, message_link

REPORT_COLUMNS = (
    "id, guild_id, channel_id, message_id, reported_id, moderator_id, link, text_digest,"
    " reason_digest, case_id, created_at, reporter_id"
)


async def load_reports(
    conn: aiosqlite.Connection, where: str, params: Sequence[Any], *, with_reporter: bool = False
) -> list[Report]:
    """Reports matching a WHERE clause, oldest first; the reporter only if asked."""
    async with conn.execute(
        f"SELECT {REPORT_COLUMNS} FROM reports WHERE {where} ORDER BY id", params
    ) as cur:
        rows = list(await cur.fetchall())
    words = await texts.bodies(conn, [d for r in rows for d in (r[7], r[8])])
    return [
        Report(
            id=int(r[0]),
            guild_id=int(r[1]),
            channel_id=int(r[2]),
            message_id=int(r[3]),
            reported_id=int(r[4]),
            moderator_id=int(r[5]),
            link=str(r[6]),
            text=words.get(r[7]),
            reason=words.get(r[8]) if r[8] else None,
            case_id=r[9],
            created_at=from_text(r[10]),
            reporter_id=int(r[11]) if with_reporter else None,
        )
        for r in rows
    ]


async def add_watch(
    conn: aiosqlite.Connection,
    *,
    guild_id: int,
    watched_id: int,
    protected_id: int,
    expires_at: datetime,
    report_id: int | None,
    at: datetime,
    actor: str,
) -> int:
    """Start a retaliation watch (audited without naming the protected member)."""
    cur = await conn.execute(
        "INSERT INTO watches (guild_id, report_id, watched_id, protected_id, created_at,"
        " expires_at) VALUES (?, ?, ?, ?, ?, ?)",
        (guild_id, report_id, watched_id, protected_id, to_text(at), to_text(expires_at)),
    )
    watch_id = int(cast(int, cur.lastrowid))
    await audit.append(
        conn,
        ts=at,
        actor=actor,
        action="watch.start",
        subject=f"member:{watched_id}",
        details={
            "watch": watch_id,
            "report": report_id,
            "guild": str(guild_id),
            "expires_at": to_text(expires_at),
        },
    )
    return watch_id


class SqliteReports:
    """Reports by members, and retaliation watches."""

    def __init__(self, db: Database) -> None:
        """Bind to an open database."""
        self._db = db

    async def record(
        self,
        *,
        guild_id: int,
        channel_id: int,
        message_id: int,
        reported_id: int,
        reporter_id: int,
        moderator_id: int,
        text: str,
        reason: str | None = None,
        link: str | None = None,
        watch_until: datetime | None = None,
        at: datetime | None = None,
    ) -> Report:
        """Store a report (and its retaliation watch, if `watch_until`) in one transaction."""
        moment = at or utc_now()
        stamp = to_text(moment)
        url = link or message_link(guild_id, channel_id, message_id)
        words = texts.sealed(text, "message", reported_id)
        why = texts.sealed(reason, "reason", reporter_id) if reason else None
        who = texts.sealed(str(reporter_id), "reporter", reporter_id)
        async with self._db.write() as conn:
            seq, prev = await audit.next_link(conn)
            for sealed in (words, why, who):
                if sealed is not None:
                    await texts.insert(conn, sealed, stamp, seq)
            cur = await conn.execute(
                "INSERT INTO reports (guild_id, channel_id, message_id, reported_id,"
                " reporter_id, moderator_id, link, text_digest, reason_digest, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    guild_id,
                    channel_id,
                    message_id,
                    reported_id,
                    reporter_id,
                    moderator_id,
                    url,
                    words.digest,
                    why.digest if why else None,
                    stamp,
                ),
            )
            report_id = int(cast(int, cur.lastrowid))
            sealed_texts = {"message": words.digest, "reporter": who.digest}
            if why:
                sealed_texts["reason"] = why.digest
            await audit.append(
                conn,
                ts=moment,
                actor="reporter:sealed",
                action="report",
                subject=f"report:{report_id}",
                link=(seq, prev),
                details={
                    "report": report_id,
                    "guild": str(guild_id),
                    "channel": str(channel_id),
                    "message": str(message_id),
                    "reported": str(reported_id),
                    "link": url,
                    "moderator": str(moderator_id),
                    "texts": sealed_texts,
                },
            )
            if watch_until is not None:
                await add_watch(
                    conn,
                    guild_id=guild_id,
                    watched_id=reported_id,
                    protected_id=reporter_id,
                    expires_at=watch_until,
                    report_id=report_id,
                    at=moment,
                    actor="bot",
                )
            return (await load_reports(conn, "id = ?", (report_id,)))[0]

    async def get(self, report_id: int) -> Report:
        """A report without its reporter; NotFoundError if absent."""
        async with self._db.read() as conn:
            found = await load_reports(conn, "id = ?", (report_id,))
        if not found:
            raise NotFoundError(f"no report {report_id}")
        return found[0]

    async def reporter_view(
        self, report_id: int, moderator_id: int, *, at: datetime | None = None
    ) -> Report:
        """The report WITH its reporter, for the designated moderator only (audited)."""
        moment = at or utc_now()
        async with self._db.write() as conn:
            found = await load_reports(conn, "id = ?", (report_id,), with_reporter=True)
            if not found:
                raise NotFoundError(f"no report {report_id}")
            if found[0].moderator_id != moderator_id:
                raise ForbiddenError(
                    f"only the designated moderator may see who filed report {report_id}"
                )
            await audit.append(
                conn,
                ts=moment,
                actor=f"moderator:{moderator_id}",
                action="report.reveal",
                subject=f"report:{report_id}",
                details={"report": report_id},
            )
            return found[0]

    async def link_case(self, report_id: int, case_id: int) -> None:
        """Attach a report to the case it led to."""
        async with self._db.write() as conn:
            cur = await conn.execute(
                "UPDATE reports SET case_id = ? WHERE id = ?", (case_id, report_id)
            )
            if not cur.rowcount:
                raise NotFoundError(f"no report {report_id}")
            await audit.append(
                conn,
                ts=utc_now(),
                actor="bot",
                action="report.case",
                subject=f"report:{report_id}",
                details={"report": report_id, "case": case_id},
            )

    async def add_watch(
        self,
        guild_id: int,
        watched_id: int,
        protected_id: int,
        *,
        expires_at: datetime,
        report_id: int | None = None,
        actor: str = "bot",
        at: datetime | None = None,
    ) -> Watch:
        """Watch `watched_id` for hostility towards `protected_id` until `expires_at`."""
        moment = at or utc_now()
        async with self._db.write() as conn:
            watch_id = await add_watch(
                conn,
                guild_id=guild_id,
                watched_id=watched_id,
                protected_id=protected_id,
                expires_at=expires_at,
                report_id=report_id,
                at=moment,
                actor=actor,
            )
        return Watch(
            watch_id,
            guild_id,
            report_id,
            watched_id,
            protected_id,
            from_text(to_text(moment)),
            from_text(to_text(expires_at)),
        )

    async def active_watches(
        self, guild_id: int, watched_id: int, now: datetime | None = None
    ) -> list[Watch]:
        """Unexpired watches on a member (internal: they name the protected member)."""
        async with (
            self._db.read() as conn,
            conn.execute(
                "SELECT id, guild_id, report_id, watched_id, protected_id, created_at,"
                " expires_at FROM watches WHERE guild_id = ? AND watched_id = ?"
                " AND expires_at > ? ORDER BY id",
                (guild_id, watched_id, to_text(now or utc_now())),
            ) as cur,
        ):
            return [
                Watch(
                    int(r[0]),
                    int(r[1]),
                    r[2],
                    int(r[3]),
                    int(r[4]),
                    from_text(r[5]),
                    from_text(r[6]),
                )
                for r in await cur.fetchall()
            ]
