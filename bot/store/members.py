"""Per-member records: moderator notes and warnings, full history, and channel statistics."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from bot.store import audit, texts
from bot.store.cases import load_case
from bot.store.clock import from_text, to_text, utc_now
from bot.store.db import Database
from bot.store.incidents import load_incidents
from bot.store.nudges import NUDGE_COLUMNS, nudge_from_row
from bot.store.records import MemberHistory, MemberNote, NoteKind, StatRow
from bot.store.reports import load_reports


class SqliteMembers:
    """What moderators see about a member. Reporters never appear here."""

    def __init__(self, db: Database) -> None:
        """Bind to an open database."""
        self._db = db

    async def add_note(
        self,
        guild_id: int,
        member_id: int,
        author_id: int,
        text: str,
        *,
        kind: NoteKind = "note",
        at: datetime | None = None,
    ) -> MemberNote:
        """A moderator's note or warning about a member; the text is sealed, the fact chained."""
        moment = at or utc_now()
        stamp = to_text(moment)
        sealed = texts.sealed(text, "note", author_id)
        async with self._db.write() as conn:
            seq, prev = await audit.next_link(conn)
            await texts.insert(conn, sealed, stamp, seq)
            cur = await conn.execute(
                "INSERT INTO member_notes (guild_id, member_id, author_id, kind, text_digest,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (guild_id, member_id, author_id, kind, sealed.digest, stamp),
            )
            note_id = int(cast(int, cur.lastrowid))
            await audit.append(
                conn,
                ts=moment,
                actor=f"moderator:{author_id}",
                action=f"member.{kind}",
                subject=f"member:{member_id}",
                link=(seq, prev),
                details={
                    "note": note_id,
                    "guild": str(guild_id),
                    "kind": kind,
                    "texts": {"note": sealed.digest},
                },
            )
        return MemberNote(note_id, guild_id, member_id, author_id, kind, text, from_text(stamp))

    async def history(self, guild_id: int, member_id: int) -> MemberHistory:
        """Incidents, nudges, cases, notes and reports against a member, oldest first."""
        async with self._db.read() as conn:
            incidents = await load_incidents(
                conn, "guild_id = ? AND author_id = ?", (guild_id, member_id)
            )
            async with conn.execute(
                f"SELECT {NUDGE_COLUMNS} FROM nudges WHERE guild_id = ? AND recipient_id = ?"
                " ORDER BY id",
                (guild_id, member_id),
            ) as cur:
                nudges = [nudge_from_row(r) for r in await cur.fetchall()]
            async with conn.execute(
                "SELECT id FROM cases WHERE guild_id = ? AND subject_id = ? ORDER BY id",
                (guild_id, member_id),
            ) as cur:
                case_ids = [int(r[0]) for r in await cur.fetchall()]
            cases = [await load_case(conn, case_id) for case_id in case_ids]
            async with conn.execute(
                "SELECT id, guild_id, member_id, author_id, kind, text_digest, created_at"
                " FROM member_notes WHERE guild_id = ? AND member_id = ? ORDER BY id",
                (guild_id, member_id),
            ) as cur:
                note_rows = list(await cur.fetchall())
            words = await texts.bodies(conn, (r[5] for r in note_rows))
            notes = [
                MemberNote(
                    int(r[0]),
                    int(r[1]),
                    int(r[2]),
                    int(r[3]),
                    cast(NoteKind, r[4]),
                    words.get(r[5]),
                    from_text(r[6]),
                )
                for r in note_rows
            ]
            reports = await load_reports(
                conn, "guild_id = ? AND reported_id = ?", (guild_id, member_id)
            )
        return MemberHistory(
            member_id, tuple(incidents), tuple(nudges), tuple(cases), tuple(notes), tuple(reports)
        )

    async def stats(
        self, guild_id: int, days: int, *, now: datetime | None = None
    ) -> list[StatRow]:
        """Incidents per UTC day, category and channel over the last `days` days."""
        since = to_text((now or utc_now()) - timedelta(days=days))
        async with (
            self._db.read() as conn,
            conn.execute(
                "SELECT substr(created_at, 1, 10) AS day, category, channel_id, count(*)"
                " FROM incidents WHERE guild_id = ? AND created_at >= ?"
                " GROUP BY day, category, channel_id ORDER BY day, category, channel_id",
                (guild_id, since),
            ) as cur,
        ):
            return [StatRow(str(r[0]), r[1], int(r[2]), int(r[3])) for r in await cur.fetchall()]
