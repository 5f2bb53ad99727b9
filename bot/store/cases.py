"""Cases (a pattern by one member, sent to a moderator), their incidents, escalations, notes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import aiosqlite

from bot.policy.case_flow import CaseMoveRefused, Move, assignment_refusal, next_state
from bot.store import audit, texts
from bot.store.clock import from_text, maybe_from_text, to_text, utc_now
from bot.store.db import Database, fetch_all, fetch_one
from bot.store.errors import ForbiddenError, NotFoundError, StateError
from bot.store.records import Case, CaseNote, CaseState, Escalation, Outcome

_CASE_COLUMNS = (
    "id, guild_id, pattern, subject_id, state, outcome, assigned_to, opened_at,"
    " acknowledged_at, acknowledged_by, resolved_at, resolved_by"
)


@dataclass(frozen=True, slots=True)
class CaseRequest:
    """Ask `record_detection` to file the incident in a case and, if `escalate`, escalate it.

    The open case for (guild, pattern, subject) is reused; a new one is opened otherwise.
    """

    pattern: str
    assigned_to: int | None
    reason: str
    to_channel_id: int | None = None
    escalate: bool = True


async def open_or_reuse(
    conn: aiosqlite.Connection,
    *,
    guild_id: int,
    pattern: str,
    subject_id: int,
    assigned_to: int | None,
    at: datetime,
    actor: str,
) -> tuple[int, bool]:
    """(case id, created): the unresolved case for this pattern and subject, or a new one."""
    refusal = assignment_refusal(None, subject_id, assigned_to)
    if refusal is not None:
        raise ForbiddenError(refusal)
    row = await fetch_one(
        conn,
        "SELECT id FROM cases WHERE guild_id = ? AND pattern = ? AND subject_id = ?"
        " AND state != 'resolved'",
        (guild_id, pattern, subject_id),
    )
    if row is not None:
        return int(row[0]), False
    cur = await conn.execute(
        "INSERT INTO cases (guild_id, pattern, subject_id, state, assigned_to, opened_at)"
        " VALUES (?, ?, ?, 'open', ?, ?)",
        (guild_id, pattern, subject_id, assigned_to, to_text(at)),
    )
    case_id = int(cast(int, cur.lastrowid))
    await audit.append(
        conn,
        ts=at,
        actor=actor,
        action="case.open",
        subject=f"case:{case_id}",
        details={
            "case": case_id,
            "guild": str(guild_id),
            "pattern": pattern,
            "member": str(subject_id),
            "assigned_to": _sid(assigned_to),
        },
    )
    return case_id, True


async def link_incidents(
    conn: aiosqlite.Connection,
    case_id: int,
    incident_ids: Iterable[int],
    at: datetime,
    actor: str,
) -> None:
    """File incidents under a case (already-filed ones are skipped) and audit it."""
    added = []
    for incident_id in incident_ids:
        cur = await conn.execute(
            "INSERT OR IGNORE INTO case_incidents (case_id, incident_id, added_at) VALUES (?,?,?)",
            (case_id, incident_id, to_text(at)),
        )
        if cur.rowcount:
            added.append(incident_id)
    if added:
        await audit.append(
            conn,
            ts=at,
            actor=actor,
            action="case.link",
            subject=f"case:{case_id}",
            details={"case": case_id, "incidents": added},
        )


async def escalate(
    conn: aiosqlite.Connection,
    *,
    case_id: int,
    to_user_id: int | None,
    to_channel_id: int | None,
    reason: str,
    at: datetime,
    actor: str,
) -> Escalation:
    """Record that a case went to a moderator (or channel), and assign it to that moderator."""
    row = await fetch_one(conn, "SELECT subject_id FROM cases WHERE id = ?", (case_id,))
    if row is None:
        raise NotFoundError(f"no case {case_id}")
    refusal = assignment_refusal(case_id, int(row[0]), to_user_id)
    if refusal is not None:
        raise ForbiddenError(refusal)
    cur = await conn.execute(
        "INSERT INTO escalations (case_id, to_user_id, to_channel_id, reason, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (case_id, to_user_id, to_channel_id, reason, to_text(at)),
    )
    if to_user_id is not None:
        await conn.execute("UPDATE cases SET assigned_to = ? WHERE id = ?", (to_user_id, case_id))
    escalation = Escalation(
        int(cast(int, cur.lastrowid)),
        case_id,
        to_user_id,
        to_channel_id,
        reason,
        from_text(to_text(at)),
    )
    await audit.append(
        conn,
        ts=at,
        actor=actor,
        action="escalation",
        subject=f"case:{case_id}",
        details={
            "case": case_id,
            "escalation": escalation.id,
            "to_user": _sid(to_user_id),
            "to_channel": _sid(to_channel_id),
            "reason": reason,
        },
    )
    return escalation


def _sid(value: int | None) -> str | None:
    # Snowflakes go into the chain as strings, as Discord's API does, so that verifiers in
    # languages with 53-bit numbers read them exactly.
    return None if value is None else str(value)


def case_from_row(
    row: Sequence[Any],
    incident_ids: Sequence[int] = (),
    notes: Sequence[CaseNote] = (),
    escalations: Sequence[Escalation] = (),
) -> Case:
    """A `Case` from a row in `_CASE_COLUMNS` order."""
    return Case(
        id=int(row[0]),
        guild_id=int(row[1]),
        pattern=str(row[2]),
        subject_id=int(row[3]),
        state=cast(CaseState, row[4]),
        outcome=cast("Outcome | None", row[5]),
        assigned_to=row[6],
        opened_at=from_text(row[7]),
        acknowledged_at=maybe_from_text(row[8]),
        acknowledged_by=row[9],
        resolved_at=maybe_from_text(row[10]),
        resolved_by=row[11],
        incident_ids=tuple(incident_ids),
        notes=tuple(notes),
        escalations=tuple(escalations),
    )


async def load_case(conn: aiosqlite.Connection, case_id: int) -> Case:
    """The full case with incident ids, notes and escalations; NotFoundError if absent."""
    row = await fetch_one(conn, f"SELECT {_CASE_COLUMNS} FROM cases WHERE id = ?", (case_id,))
    if row is None:
        raise NotFoundError(f"no case {case_id}")
    incident_ids = [
        int(r[0])
        for r in await fetch_all(
            conn,
            "SELECT incident_id FROM case_incidents WHERE case_id = ? ORDER BY incident_id",
            (case_id,),
        )
    ]
    note_rows = await fetch_all(
        conn,
        "SELECT id, author_id, text_digest, created_at FROM case_notes WHERE case_id = ?"
        " ORDER BY id",
        (case_id,),
    )
    words = await texts.bodies(conn, (r[2] for r in note_rows))
    notes = [CaseNote(int(r[0]), int(r[1]), words.get(r[2]), from_text(r[3])) for r in note_rows]
    escalations = [
        Escalation(int(r[0]), int(r[1]), r[2], r[3], str(r[4]), from_text(r[5]))
        for r in await fetch_all(
            conn,
            "SELECT id, case_id, to_user_id, to_channel_id, reason, created_at FROM escalations"
            " WHERE case_id = ? ORDER BY id",
            (case_id,),
        )
    ]
    return case_from_row(row, incident_ids, notes, escalations)


class SqliteCases:
    """Cases and escalations. Moderators never act on their own case (the store refuses)."""

    def __init__(self, db: Database) -> None:
        """Bind to an open database."""
        self._db = db

    async def open(
        self,
        guild_id: int,
        pattern: str,
        subject_id: int,
        *,
        assigned_to: int | None = None,
        incident_ids: Sequence[int] = (),
        actor: str = "bot",
        at: datetime | None = None,
    ) -> Case:
        """Open a case for (pattern, subject), or reuse the unresolved one; file incidents."""
        moment = at or utc_now()
        async with self._db.write() as conn:
            case_id, _ = await open_or_reuse(
                conn,
                guild_id=guild_id,
                pattern=pattern,
                subject_id=subject_id,
                assigned_to=assigned_to,
                at=moment,
                actor=actor,
            )
            await link_incidents(conn, case_id, incident_ids, moment, actor)
            return await load_case(conn, case_id)

    async def add_incidents(
        self,
        case_id: int,
        incident_ids: Sequence[int],
        *,
        actor: str = "bot",
        at: datetime | None = None,
    ) -> Case:
        """File more incidents under a case."""
        async with self._db.write() as conn:
            await load_case(conn, case_id)
            await link_incidents(conn, case_id, incident_ids, at or utc_now(), actor)
            return await load_case(conn, case_id)

    async def escalate(
        self,
        case_id: int,
        *,
        to_user_id: int | None,
        to_channel_id: int | None = None,
        reason: str,
        actor: str = "bot",
        at: datetime | None = None,
    ) -> Escalation:
        """Record that the case went to a moderator (or moderator channel)."""
        async with self._db.write() as conn:
            return await escalate(
                conn,
                case_id=case_id,
                to_user_id=to_user_id,
                to_channel_id=to_channel_id,
                reason=reason,
                at=at or utc_now(),
                actor=actor,
            )

    async def acknowledge(
        self, case_id: int, moderator_id: int, *, at: datetime | None = None
    ) -> Case:
        """Mark an open case as seen by a moderator."""
        return await self._transition(case_id, moderator_id, "acknowledge", None, None, at)

    async def resolve(
        self,
        case_id: int,
        moderator_id: int,
        outcome: Outcome,
        *,
        note: str | None = None,
        at: datetime | None = None,
    ) -> Case:
        """Close a case with an outcome: action_taken, no_action or false_positive."""
        return await self._transition(case_id, moderator_id, "resolve", outcome, note, at)

    async def add_note(
        self, case_id: int, author_id: int, text: str, *, at: datetime | None = None
    ) -> Case:
        """Attach a moderator's note to a case (its text can be erased later, the fact stays)."""
        moment = at or utc_now()
        async with self._db.write() as conn:
            await load_case(conn, case_id)
            await _add_note(conn, case_id, author_id, text, moment)
            return await load_case(conn, case_id)

    async def get(self, case_id: int) -> Case:
        """One case with its incidents, notes and escalations; NotFoundError if absent."""
        async with self._db.read() as conn:
            return await load_case(conn, case_id)

    async def list_open(self, guild_id: int) -> list[Case]:
        """Unresolved cases of a guild, oldest first."""
        return await self._list(
            "SELECT id FROM cases WHERE guild_id = ? AND state != 'resolved' ORDER BY id",
            (guild_id,),
        )

    async def list_recent(self, guild_id: int, limit: int) -> list[Case]:
        """The guild's newest `limit` cases in any state, oldest of them first."""
        return await self._list(
            "SELECT id FROM (SELECT id FROM cases WHERE guild_id = ? ORDER BY id DESC LIMIT ?)"
            " ORDER BY id",
            (guild_id, limit),
        )

    async def _list(self, query: str, params: tuple[int, ...]) -> list[Case]:
        async with self._db.read() as conn:
            async with conn.execute(query, params) as cur:
                ids = [int(r[0]) for r in await cur.fetchall()]
            return [await load_case(conn, case_id) for case_id in ids]

    async def _transition(
        self,
        case_id: int,
        moderator_id: int,
        move: Move,
        outcome: Outcome | None,
        note: str | None,
        at: datetime | None,
    ) -> Case:
        """Apply a move of the case's life (bot/policy/case_flow.py) in one transaction."""
        moment = at or utc_now()
        async with self._db.write() as conn:
            case = await load_case(conn, case_id)
            try:
                state = next_state(
                    case_id,
                    case.state,
                    case.outcome,
                    subject_id=case.subject_id,
                    by=moderator_id,
                    move=move,
                    new_outcome=outcome,
                )
            except CaseMoveRefused as refused:
                error = ForbiddenError if refused.forbidden else StateError
                raise error(str(refused)) from None
            stamp = to_text(moment)
            if state == "acknowledged":
                await conn.execute(
                    "UPDATE cases SET state = ?, acknowledged_at = ?,"
                    " acknowledged_by = ? WHERE id = ?",
                    (state, stamp, moderator_id, case_id),
                )
            else:
                await conn.execute(
                    "UPDATE cases SET state = ?, outcome = ?, resolved_at = ?,"
                    " resolved_by = ? WHERE id = ?",
                    (state, outcome, stamp, moderator_id, case_id),
                )
            digest = await _add_note(conn, case_id, moderator_id, note, moment) if note else None
            await audit.append(
                conn,
                ts=moment,
                actor=f"moderator:{moderator_id}",
                action=f"case.{move}",
                subject=f"case:{case_id}",
                details={
                    "case": case_id,
                    "state": state,
                    "outcome": outcome,
                    **({"texts": {"note": digest}} if digest else {}),
                },
            )
            return await load_case(conn, case_id)


async def _add_note(
    conn: aiosqlite.Connection, case_id: int, author_id: int, text: str, at: datetime
) -> str:
    sealed = texts.sealed(text, "note", author_id)
    link = await audit.next_link(conn)
    await texts.insert(conn, sealed, to_text(at), link[0])
    await conn.execute(
        "INSERT INTO case_notes (case_id, author_id, text_digest, created_at) VALUES (?,?,?,?)",
        (case_id, author_id, sealed.digest, to_text(at)),
    )
    await audit.append(
        conn,
        ts=at,
        actor=f"moderator:{author_id}",
        action="case.note",
        subject=f"case:{case_id}",
        link=link,
        details={"case": case_id, "texts": {"note": sealed.digest}},
    )
    return sealed.digest
