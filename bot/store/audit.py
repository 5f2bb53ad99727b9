"""The tamper-evident audit log: canonical JSON, a SHA-256 hash chain, sealed texts, and verify.

Entry n commits to entry n-1: ``hash_n = SHA-256(UTF-8(canonical_json(record_n)))`` where
``record_n = {"action", "actor", "details", "prev": hash_{n-1}, "seq": n, "subject", "ts"}`` and
``hash_0 = "0" * 64``. Canonical JSON means sorted keys, no whitespace, non-ASCII kept as UTF-8,
no NaN/Infinity. Anyone can re-check an export with those three lines of any language.

People's free text never enters the chain: `seal()` gives ``digest = SHA-256(nonce || text)``
with a random nonce kept beside the text. The chain holds the digest (under ``details["texts"]``);
erasing nulls text and nonce, so the chain still verifies and the digest cannot be used to
confirm a guess of what was erased.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from bot.store.clock import from_text, to_text
from bot.store.db import fetch_one
from bot.store.records import AuditEntry, VerifyReport

GENESIS = "0" * 64
_CHUNK = 20_000
_MAX_PROBLEMS = 20

Row = tuple[int, str, str, str, str, str, str, str]


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, compact separators, UTF-8 text, finite numbers only."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def entry_hash(
    *, seq: int, ts: str, actor: str, action: str, subject: str, details_json: str, prev: str
) -> str:
    """SHA-256 of the canonical record; `details_json` must already be canonical JSON."""
    # Built by hand (keys in sorted order) so that verify need not re-parse every details blob;
    # a test checks that this equals canonical_json() of the full record.
    dumps = json.dumps
    record = (
        f'{{"action":{dumps(action, ensure_ascii=False)},'
        f'"actor":{dumps(actor, ensure_ascii=False)},'
        f'"details":{details_json},"prev":"{prev}","seq":{seq},'
        f'"subject":{dumps(subject, ensure_ascii=False)},'
        f'"ts":"{ts}"}}'
    )
    return hashlib.sha256(record.encode("utf-8")).hexdigest()


def seal(text: str) -> tuple[str, str]:
    """(digest, nonce) for a text: the digest goes in the chain, the nonce beside the text."""
    nonce = secrets.token_hex(16)
    return text_digest(nonce, text), nonce


def text_digest(nonce: str, text: str) -> str:
    """SHA-256 of nonce and text, hex."""
    return hashlib.sha256(nonce.encode("ascii") + text.encode("utf-8")).hexdigest()


async def next_link(conn: aiosqlite.Connection) -> tuple[int, str]:
    """(seq, prev) of the entry to append next; inside a write transaction it cannot move."""
    head = await fetch_one(conn, "SELECT seq, hash FROM audit_head WHERE id = 1")
    return (int(head[0]) + 1, str(head[1])) if head else (1, GENESIS)


async def append(
    conn: aiosqlite.Connection,
    *,
    ts: datetime,
    actor: str,
    action: str,
    subject: str,
    details: dict[str, Any],
    link: tuple[int, str] | None = None,
) -> AuditEntry:
    """Add one entry at the head of the chain. Call only inside a write transaction.

    Pass `link` from `next_link()` when rows written before the entry must carry its seq.
    """
    seq, prev = link or await next_link(conn)
    ts_text = to_text(ts)
    details_json = canonical_json(details)
    digest = entry_hash(
        seq=seq,
        ts=ts_text,
        actor=actor,
        action=action,
        subject=subject,
        details_json=details_json,
        prev=prev,
    )
    await conn.execute(
        "INSERT INTO audit_log (seq, ts, actor, action, subject, details, prev, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (seq, ts_text, actor, action, subject, details_json, prev, digest),
    )
    await conn.execute(
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
        (seq, digest),
    )
    return AuditEntry(
        seq=seq,
        ts=from_text(ts_text),
        actor=actor,
        action=action,
        subject=subject,
        details=details,
        prev=prev,
        hash=digest,
    )


def entry_from_row(row: Sequence[Any]) -> AuditEntry:
    """An `AuditEntry` from a (seq, ts, actor, action, subject, details, prev, hash) row."""
    return AuditEntry(
        seq=int(row[0]),
        ts=from_text(row[1]),
        actor=row[2],
        action=row[3],
        subject=row[4],
        details=json.loads(row[5]),
        prev=row[6],
        hash=row[7],
    )


class _ChainWalk:
    """Walks rows in seq order, carrying the expected seq and previous hash between chunks."""

    def __init__(self) -> None:
        self.expected = 1
        self.prev = GENESIS
        self.count = 0
        self.problems: list[str] = []
        self.first_bad: int | None = None

    def _bad(self, seq: int, message: str) -> None:
        if self.first_bad is None or seq < self.first_bad:
            self.first_bad = seq
        if len(self.problems) < _MAX_PROBLEMS:
            self.problems.append(message)

    def feed(self, rows: Sequence[Row]) -> None:
        """Check a chunk of rows; runs in a worker thread so a long chain never stalls the loop."""
        for seq, ts, actor, action, subject, details, prev, stored in rows:
            self.count += 1
            actual = entry_hash(
                seq=seq,
                ts=ts,
                actor=actor,
                action=action,
                subject=subject,
                details_json=details,
                prev=prev,
            )
            if seq != self.expected:
                missing = (
                    f"entry {self.expected}"
                    if seq == self.expected + 1
                    else f"entries {self.expected}..{seq - 1}"
                )
                self._bad(
                    self.expected,
                    f"{missing} removed: entry {seq} follows entry {self.expected - 1}",
                )
            elif actual != stored:
                self._bad(
                    seq, f"entry {seq} changed or moved: its contents no longer match its hash"
                )
            elif prev != self.prev:
                # This entry is intact, so the one before it was replaced (and re-hashed).
                self._bad(
                    seq - 1,
                    f"entry {seq - 1} changed or replaced: entry {seq} no longer links to it",
                )
            self.expected = seq + 1
            self.prev = stored


async def verify(conn: aiosqlite.Connection) -> VerifyReport:
    """Walk the whole chain and every surviving text; name the first entry that does not hold."""
    walk = _ChainWalk()
    async with conn.execute(
        "SELECT seq, ts, actor, action, subject, details, prev, hash FROM audit_log ORDER BY seq"
    ) as cur:
        while rows := await cur.fetchmany(_CHUNK):
            await asyncio.to_thread(walk.feed, rows)  # type: ignore[arg-type]
    async with conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1") as cur:
        head = await cur.fetchone()
    head_seq, head_hash = (int(head[0]), str(head[1])) if head else (0, GENESIS)
    last = walk.expected - 1
    if head_seq > last:
        walk._bad(last + 1, f"entries {last + 1}..{head_seq} removed from the end of the log")
    elif head_seq < last or (last and head_hash != walk.prev):
        walk._bad(head_seq or 1, f"the recorded head (entry {head_seq}) does not match the log")
    erased = await _check_texts(conn, walk)
    return VerifyReport(
        entries=walk.count,
        head_seq=last,
        head_hash=walk.prev,
        texts_erased=erased,
        first_bad_seq=walk.first_bad,
        problems=tuple(walk.problems),
    )


async def _check_texts(conn: aiosqlite.Connection, walk: _ChainWalk) -> int:
    """Check surviving texts against their digests and that every referenced text is on file."""
    erased = 0
    async with conn.execute("SELECT digest, nonce, body, audit_seq FROM texts") as cur:
        while rows := await cur.fetchmany(_CHUNK):
            for digest, nonce, body, seq in rows:
                if body is None:
                    erased += 1
                elif text_digest(nonce, body) != digest:
                    walk._bad(
                        seq or 0,
                        f"a text recorded by entry {seq} was altered (digest {digest[:12]}…)",
                    )
    try:
        async with conn.execute(
            "SELECT a.seq, j.value FROM audit_log AS a, json_each(a.details, '$.texts') AS j"
            " WHERE NOT EXISTS (SELECT 1 FROM texts AS t WHERE t.digest = j.value)"
            " ORDER BY a.seq"
        ) as cur:
            missing = list(await cur.fetchall())
    except sqlite3.OperationalError:
        # Only reachable when some entry's details were damaged, which the walk already named.
        return erased
    for seq, digest in missing:
        walk._bad(seq, f"a text recorded by entry {seq} was deleted (digest {str(digest)[:12]}…)")
    return erased
