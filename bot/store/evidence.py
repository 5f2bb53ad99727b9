"""What an evidence pack is made of, read in one snapshot: rows as plain JSON-ready dicts.

A pack is about one member or one case: their incidents (with edits and deletion), the nudges
and cases (notes, escalations) around them, reports against the member, every audit entry those
rest on in full, the bare links (seq, prev, hash) of the other entries up to the head, and the
sealed texts with their nonces, so that a pack can be checked without the database.

The reporter's id is a sealed text of kind 'reporter' and the `reports.reporter_id` column; both
stay out unless `with_reporter` is set.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiosqlite

from bot.store.audit import GENESIS
from bot.store.db import Database
from bot.store.errors import NotFoundError

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class EvidenceData:
    """Everything a pack holds, as read from the store."""

    guild_id: int
    subject: str  # "member:ID" or "case:ID"
    head_seq: int
    head_hash: str
    incidents: list[Row] = field(default_factory=list)
    nudges: list[Row] = field(default_factory=list)
    cases: list[Row] = field(default_factory=list)
    reports: list[Row] = field(default_factory=list)
    entries: list[Row] = field(default_factory=list)  # full audit entries, by seq
    links: list[Row] = field(default_factory=list)  # {seq, prev, hash} of every other entry
    texts: list[Row] = field(default_factory=list)  # {digest, nonce, body, kind}
    withheld: list[Row] = field(default_factory=list)  # {digest, why} of texts left out


async def _rows(conn: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> list[Row]:
    async with conn.execute(sql, tuple(params)) as cur:
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in await cur.fetchall()]


def _marks(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values))


class SqliteEvidence:
    """Reads the material of evidence packs."""

    def __init__(self, db: Database) -> None:
        """Bind to an open database."""
        self._db = db

    async def gather(
        self,
        guild_id: int,
        *,
        member_id: int | None = None,
        case_id: int | None = None,
        with_reporter: bool = False,
    ) -> EvidenceData:
        """The pack's material for a member or a case; NotFoundError if the case is absent."""
        if (member_id is None) == (case_id is None):
            raise ValueError("give exactly one of member_id and case_id")
        async with self._db.read() as conn:
            return await _gather(conn, guild_id, member_id, case_id, with_reporter)


async def _gather(
    conn: aiosqlite.Connection,
    guild_id: int,
    member_id: int | None,
    case_id: int | None,
    with_reporter: bool,
) -> EvidenceData:
    if case_id is not None:
        cases = await _rows(
            conn, "SELECT * FROM cases WHERE id = ? AND guild_id = ?", (case_id, guild_id)
        )
        if not cases:
            raise NotFoundError(f"no case {case_id}")
        links = await _rows(
            conn, "SELECT incident_id FROM case_incidents WHERE case_id = ?", (case_id,)
        )
        ids = sorted(int(r["incident_id"]) for r in links)
        incidents = await _rows(
            conn, f"SELECT * FROM incidents WHERE id IN ({_marks(ids)}) ORDER BY id", ids
        )
        reports = await _rows(
            conn, "SELECT * FROM reports WHERE case_id = ? ORDER BY id", (case_id,)
        )
        subject = f"case:{case_id}"
    else:
        incidents = await _rows(
            conn,
            "SELECT * FROM incidents WHERE guild_id = ? AND author_id = ? ORDER BY id",
            (guild_id, member_id),
        )
        # Cases about the member, and those their messages are filed under (a colleague
        # they targeted, a pile-on they joined): the alerts their messages caused.
        cases = await _rows(
            conn,
            "SELECT * FROM cases WHERE guild_id = ? AND (subject_id = ? OR id IN"
            " (SELECT ci.case_id FROM case_incidents AS ci JOIN incidents AS i"
            " ON i.id = ci.incident_id WHERE i.author_id = ?)) ORDER BY id",
            (guild_id, member_id, member_id),
        )
        reports = await _rows(
            conn,
            "SELECT * FROM reports WHERE guild_id = ? AND reported_id = ? ORDER BY id",
            (guild_id, member_id),
        )
        subject = f"member:{member_id}"
    incident_ids = [int(i["id"]) for i in incidents]
    edits = await _rows(
        conn,
        f"SELECT * FROM incident_edits WHERE incident_id IN ({_marks(incident_ids)}) ORDER BY id",
        incident_ids,
    )
    for incident in incidents:
        incident["edits"] = [e for e in edits if e["incident_id"] == incident["id"]]
        incident["verdict"] = json.loads(incident["verdict"])
    nudges = await _rows(
        conn,
        f"SELECT * FROM nudges WHERE incident_id IN ({_marks(incident_ids)}) ORDER BY id",
        incident_ids,
    )
    for case in cases:
        await _case_details(conn, case)
    for report in reports:
        if not with_reporter:
            report.pop("reporter_id", None)
    entries = await _entries(conn, subject, incidents, nudges, cases, reports)
    head = await _rows(conn, "SELECT seq, hash FROM audit_head WHERE id = 1")
    head_seq, head_hash = (int(head[0]["seq"]), str(head[0]["hash"])) if head else (0, GENESIS)
    first = min((int(e["seq"]) for e in entries), default=head_seq + 1)
    full = {int(e["seq"]) for e in entries}
    links = [
        r
        for r in await _rows(
            conn,
            "SELECT seq, prev, hash FROM audit_log WHERE seq >= ? AND seq <= ? ORDER BY seq",
            (first, head_seq),
        )
        if int(r["seq"]) not in full
    ]
    texts, withheld = await _texts(conn, entries, with_reporter)
    return EvidenceData(
        guild_id=guild_id,
        subject=subject,
        head_seq=head_seq,
        head_hash=head_hash,
        incidents=incidents,
        nudges=nudges,
        cases=cases,
        reports=reports,
        entries=entries,
        links=links,
        texts=texts,
        withheld=withheld,
    )


async def _case_details(conn: aiosqlite.Connection, case: Row) -> None:
    """Attach a case's incident ids, notes (by digest) and escalations (alerts)."""
    key = (case["id"],)
    linked = await _rows(conn, "SELECT incident_id FROM case_incidents WHERE case_id = ?", key)
    case["incidents"] = sorted(int(r["incident_id"]) for r in linked)
    case["notes"] = await _rows(
        conn,
        "SELECT id, author_id, text_digest, created_at FROM case_notes WHERE case_id = ?"
        " ORDER BY id",
        key,
    )
    case["escalations"] = await _rows(
        conn,
        "SELECT id, to_user_id, to_channel_id, reason, created_at FROM escalations"
        " WHERE case_id = ? ORDER BY id",
        key,
    )


async def _entries(
    conn: aiosqlite.Connection,
    subject: str,
    incidents: list[Row],
    nudges: list[Row],
    cases: list[Row],
    reports: list[Row],
) -> list[Row]:
    """Every audit entry the pack's records rest on, in full, by seq."""
    subjects = {f"incident:{i['id']}" for i in incidents}
    subjects |= {f"message:{i['guild_id']}/{i['message_id']}" for i in incidents}
    subjects |= {f"case:{c['id']}" for c in cases}
    subjects |= {f"nudge:{n['id']}" for n in nudges}
    subjects |= {f"report:{r['id']}" for r in reports}
    if subject.startswith("member:"):
        subjects.add(subject)  # nudges, notes, warnings, watches, erasure
    names = sorted(subjects)
    rows = await _rows(
        conn,
        f"SELECT seq, ts, actor, action, subject, details, prev, hash FROM audit_log"
        f" WHERE subject IN ({_marks(names)}) ORDER BY seq",
        names,
    )
    nudge_ids = [int(n["id"]) for n in nudges]
    if nudge_ids and not subject.startswith("member:"):
        # A nudge's own entry is filed under its recipient; find it by its id.
        rows += await _rows(
            conn,
            "SELECT seq, ts, actor, action, subject, details, prev, hash FROM audit_log"
            f" WHERE action = 'nudge' AND json_extract(details, '$.nudge') IN"
            f" ({_marks(nudge_ids)}) ORDER BY seq",
            nudge_ids,
        )
    unique = {int(r["seq"]): r for r in rows}
    return [unique[seq] for seq in sorted(unique)]


def _digests(entries: Iterable[Row]) -> dict[str, str]:
    """digest -> its role ('message', 'reporter', ...) over the entries' `details.texts`."""
    found: dict[str, str] = {}
    for entry in entries:
        sealed = json.loads(entry["details"]).get("texts")
        if isinstance(sealed, dict):
            for role, digest in sealed.items():
                if isinstance(digest, str):
                    found[digest] = str(role)
    return found


async def _texts(
    conn: aiosqlite.Connection, entries: list[Row], with_reporter: bool
) -> tuple[list[Row], list[Row]]:
    roles = _digests(entries)
    wanted = sorted(roles)
    rows = await _rows(
        conn,
        f"SELECT digest, nonce, body, kind FROM texts WHERE digest IN ({_marks(wanted)})"
        " ORDER BY digest",
        wanted,
    )
    kept: list[Row] = []
    withheld: list[Row] = []
    for row in rows:
        if row["kind"] == "reporter" and not with_reporter:
            withheld.append({"digest": row["digest"], "why": "reporter identity withheld"})
        elif row["body"] is None:
            withheld.append({"digest": row["digest"], "why": "erased"})
        else:
            kept.append(row)
    return kept, withheld
