"""Incidents: flagged messages with their evidence, later edits and deletion."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

import aiosqlite

from bot.store import audit, cases, policy_state, texts
from bot.store.clock import from_text, maybe_from_text, to_text
from bot.store.db import Database, fetch_all, fetch_one
from bot.store.errors import NotFoundError
from bot.store.policy_state import PolicyChanges
from bot.store.records import (
    Detection,
    DetectionResult,
    Incident,
    IncidentEdit,
    message_link,
)

INCIDENT_COLUMNS = (
    "id, guild_id, channel_id, message_id, version, author_id, link, text_digest, verdict,"
    " category, severity, rules_version, created_at, deleted_at"
)


def redact_verdict(verdict: Mapping[str, Any]) -> dict[str, Any]:
    """The verdict without the matched span texts (they are message text; spans stay)."""
    out = dict(verdict)
    for key in ("hits", "suppressed"):
        if isinstance(out.get(key), list):
            out[key] = [
                {k: v for k, v in item.items() if k != "text"} if isinstance(item, dict) else item
                for item in out[key]
            ]
    return out


async def load_incidents(
    conn: aiosqlite.Connection, where: str, params: Sequence[Any]
) -> list[Incident]:
    """Incidents matching a WHERE clause, oldest first, with texts and edits resolved."""
    rows = await fetch_all(
        conn, f"SELECT {INCIDENT_COLUMNS} FROM incidents WHERE {where} ORDER BY id", params
    )
    if not rows:
        return []
    ids = [int(r[0]) for r in rows]
    marks = ",".join("?" * len(ids))
    edit_rows = await fetch_all(
        conn,
        "SELECT incident_id, text_digest, edited_at FROM incident_edits"
        f" WHERE incident_id IN ({marks}) ORDER BY id",
        ids,
    )
    words = await texts.bodies(conn, [*(r[7] for r in rows), *(r[1] for r in edit_rows)])
    edits: dict[int, list[IncidentEdit]] = {}
    for incident_id, digest, edited_at in edit_rows:
        edits.setdefault(int(incident_id), []).append(
            IncidentEdit(words.get(digest), from_text(edited_at))
        )
    return [
        Incident(
            id=int(r[0]),
            guild_id=int(r[1]),
            channel_id=int(r[2]),
            message_id=int(r[3]),
            version=int(r[4]),
            author_id=int(r[5]),
            link=str(r[6]),
            text=words.get(r[7]),
            text_digest=str(r[7]),
            verdict=json.loads(r[8]),
            category=r[9],
            severity=r[10],
            rules_version=str(r[11]),
            created_at=from_text(r[12]),
            deleted_at=maybe_from_text(r[13]),
            edits=tuple(edits.get(int(r[0]), ())),
        )
        for r in rows
    ]


async def _record_detection(
    conn: aiosqlite.Connection,
    *,
    detection: Detection,
    policy_updates: Mapping[str, Any | None] | None,
    policy_changes: policy_state.PolicyChanges | None,
    case: cases.CaseRequest | None,
    actor: str,
) -> DetectionResult:
    """The body of `SqliteIncidents.record_detection`, inside its transaction."""
    d = detection
    at = to_text(d.created_at)
    row = await fetch_one(
        conn,
        "SELECT id, audit_seq FROM incidents WHERE guild_id = ? AND message_id = ? AND version = ?",
        (d.guild_id, d.message_id, d.version),
    )
    if row is not None:
        return DetectionResult(int(row[0]), created=False, audit_seq=int(row[1]))
    sealed = texts.sealed(d.text, "message", d.author_id)
    verdict = redact_verdict(d.verdict)
    link = d.link or message_link(d.guild_id, d.channel_id, d.message_id)
    seq, prev = await audit.next_link(conn)
    await texts.insert(conn, sealed, at, seq)
    cur = await conn.execute(
        "INSERT INTO incidents (guild_id, channel_id, message_id, version, author_id,"
        " link, text_digest, verdict, category, severity, rules_version, created_at,"
        " audit_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            d.guild_id,
            d.channel_id,
            d.message_id,
            d.version,
            d.author_id,
            link,
            sealed.digest,
            audit.canonical_json(verdict),
            verdict.get("category"),
            verdict.get("severity"),
            d.rules_version,
            at,
            seq,
        ),
    )
    incident_id = int(cast(int, cur.lastrowid))
    await audit.append(
        conn,
        ts=d.created_at,
        actor=actor,
        action="detection",
        subject=f"incident:{incident_id}",
        link=(seq, prev),
        details={
            "incident": incident_id,
            "guild": str(d.guild_id),
            "channel": str(d.channel_id),
            "message": str(d.message_id),
            "version": d.version,
            "author": str(d.author_id),
            "link": link,
            "rules_version": d.rules_version,
            "verdict": verdict,
            "texts": {"message": sealed.digest},
        },
    )
    if policy_updates:
        await policy_state.write(conn, policy_updates, at)
    if policy_changes is not None:
        await policy_state.apply_changes(conn, policy_changes)
    case_id = None
    if case is not None:
        case_id, _ = await cases.open_or_reuse(
            conn,
            guild_id=d.guild_id,
            pattern=case.pattern,
            subject_id=d.author_id,
            assigned_to=case.assigned_to,
            at=d.created_at,
            actor=actor,
        )
        await cases.link_incidents(conn, case_id, [incident_id], d.created_at, actor)
        if case.escalate:
            await cases.escalate(
                conn,
                case_id=case_id,
                to_user_id=case.assigned_to,
                to_channel_id=case.to_channel_id,
                reason=case.reason,
                at=d.created_at,
                actor=actor,
            )
    return DetectionResult(incident_id, created=True, audit_seq=seq, case_id=case_id)


async def _record_edit(
    conn: aiosqlite.Connection,
    *,
    guild_id: int,
    message_id: int,
    text: str,
    edited_at: datetime,
    actor: str,
) -> int | None:
    """The body of `SqliteIncidents.record_edit`, inside its transaction."""
    at = to_text(edited_at)
    row = await fetch_one(
        conn,
        "SELECT id, author_id FROM incidents WHERE guild_id = ? AND message_id = ?"
        " ORDER BY version DESC LIMIT 1",
        (guild_id, message_id),
    )
    if row is None:
        return None
    incident_id, author_id = int(row[0]), int(row[1])
    sealed = texts.sealed(text, "edit", author_id)
    seq, prev = await audit.next_link(conn)
    await texts.insert(conn, sealed, at, seq)
    await conn.execute(
        "INSERT INTO incident_edits (incident_id, text_digest, edited_at, audit_seq)"
        " VALUES (?, ?, ?, ?)",
        (incident_id, sealed.digest, at, seq),
    )
    await audit.append(
        conn,
        ts=edited_at,
        actor=actor,
        action="message.edit",
        subject=f"incident:{incident_id}",
        link=(seq, prev),
        details={
            "incident": incident_id,
            "message": str(message_id),
            "texts": {"edit": sealed.digest},
        },
    )
    return incident_id


async def _record_deletion(
    conn: aiosqlite.Connection, *, guild_id: int, message_id: int, deleted_at: datetime, actor: str
) -> list[int]:
    """The body of `SqliteIncidents.record_deletion`, inside its transaction."""
    ids = [
        int(r[0])
        for r in await fetch_all(
            conn,
            "SELECT id FROM incidents WHERE guild_id = ? AND message_id = ?"
            " AND deleted_at IS NULL ORDER BY id",
            (guild_id, message_id),
        )
    ]
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    await conn.execute(
        f"UPDATE incidents SET deleted_at = ? WHERE id IN ({marks})",
        (to_text(deleted_at), *ids),
    )
    await audit.append(
        conn,
        ts=deleted_at,
        actor=actor,
        action="message.delete",
        subject=f"message:{guild_id}/{message_id}",
        details={"incidents": ids, "message": str(message_id)},
    )
    return ids


class SqliteIncidents:
    """Flagged messages. Only flagged messages are ever stored, never all traffic."""

    def __init__(self, db: Database) -> None:
        """Bind to an open database."""
        self._db = db

    async def record_detection(
        self,
        detection: Detection,
        *,
        policy_updates: Mapping[str, Any | None] | None = None,
        policy_changes: PolicyChanges | None = None,
        case: cases.CaseRequest | None = None,
        actor: str = "bot",
    ) -> DetectionResult:
        """Store one decision in ONE transaction: incident, audit entry, policy state, case.

        Idempotent on (guild_id, message_id, version): a replayed event returns the first
        incident with `created=False` and writes nothing, counters included. The whole
        transaction is one `BEGIN IMMEDIATE` … `COMMIT`.
        """
        async with self._db.write() as conn:
            return await _record_detection(
                conn,
                detection=detection,
                policy_updates=policy_updates,
                policy_changes=policy_changes,
                case=case,
                actor=actor,
            )

    async def record_edit(
        self, guild_id: int, message_id: int, text: str, *, edited_at: datetime, actor: str = "bot"
    ) -> int | None:
        """Keep the new text of an edited flagged message beside the old one.

        Returns the incident id, or None when the message was never flagged (nothing stored).
        """
        async with self._db.write() as conn:
            return await _record_edit(
                conn,
                guild_id=guild_id,
                message_id=message_id,
                text=text,
                edited_at=edited_at,
                actor=actor,
            )

    async def record_deletion(
        self, guild_id: int, message_id: int, *, deleted_at: datetime, actor: str = "bot"
    ) -> list[int]:
        """Note that a flagged message was deleted; the evidence stays. Returns incident ids."""
        async with self._db.write() as conn:
            return await _record_deletion(
                conn,
                guild_id=guild_id,
                message_id=message_id,
                deleted_at=deleted_at,
                actor=actor,
            )

    async def get(self, incident_id: int) -> Incident:
        """One incident with its text (None once erased) and edits; NotFoundError if absent."""
        async with self._db.read() as conn:
            found = await load_incidents(conn, "id = ?", (incident_id,))
        if not found:
            raise NotFoundError(f"no incident {incident_id}")
        return found[0]

    async def for_message(self, guild_id: int, message_id: int) -> list[Incident]:
        """Every incident (one per flagged revision) of a message."""
        async with self._db.read() as conn:
            return await load_incidents(
                conn, "guild_id = ? AND message_id = ?", (guild_id, message_id)
            )

    async def message_ids(self) -> list[int]:
        """The id of every message with an incident, ascending, each once."""
        async with self._db.read() as conn:
            rows = await fetch_all(conn, "SELECT DISTINCT message_id FROM incidents ORDER BY 1")
        return [int(r[0]) for r in rows]
