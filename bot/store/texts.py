"""Sealed texts: people's words live here, the audit chain holds only their digests."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import aiosqlite

from bot.store.audit import seal
from bot.store.db import fetch_all

TextKind = Literal["message", "edit", "reason", "note", "reporter"]
# What retention removes: the words of flagged and reported messages, not moderators' notes.
RETAINED_KINDS: tuple[TextKind, ...] = ("message", "edit", "reason")


@dataclass(frozen=True, slots=True)
class Sealed:
    """A text ready to store: its digest goes into the chain, the rest into `texts`."""

    digest: str
    nonce: str
    body: str
    kind: TextKind
    author_id: int | None


def sealed(body: str, kind: TextKind, author_id: int | None) -> Sealed:
    """Seal `body` with a fresh nonce."""
    digest, nonce = seal(body)
    return Sealed(digest, nonce, body, kind, author_id)


async def insert(conn: aiosqlite.Connection, text: Sealed, at: str, audit_seq: int) -> None:
    """Store a sealed text; call inside the write transaction that appends `audit_seq`."""
    await conn.execute(
        "INSERT INTO texts (digest, nonce, body, kind, author_id, created_at, audit_seq)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (text.digest, text.nonce, text.body, text.kind, text.author_id, at, audit_seq),
    )


async def bodies(
    conn: aiosqlite.Connection, digests: Iterable[str | None]
) -> dict[str, str | None]:
    """digest -> text (None once erased) for the given digests."""
    wanted = sorted({d for d in digests if d})
    found: dict[str, str | None] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for digest, body in await fetch_all(
            conn, f"SELECT digest, body FROM texts WHERE digest IN ({marks})", chunk
        ):
            found[str(digest)] = None if body is None else str(body)
    return found


async def erase_author(conn: aiosqlite.Connection, author_id: int, at: str, reason: str) -> int:
    """Null every surviving text written by `author_id`; returns how many."""
    cur = await conn.execute(
        "UPDATE texts SET body = NULL, nonce = NULL, erased_at = ?, erased_reason = ?"
        " WHERE author_id = ? AND body IS NOT NULL",
        (at, reason, author_id),
    )
    return int(cur.rowcount)


async def erase_before(conn: aiosqlite.Connection, cutoff: str, at: str, reason: str) -> int:
    """Null message texts created before `cutoff` (retention); returns how many."""
    marks = ",".join("?" * len(RETAINED_KINDS))
    cur = await conn.execute(
        "UPDATE texts SET body = NULL, nonce = NULL, erased_at = ?, erased_reason = ?"
        f" WHERE body IS NOT NULL AND created_at < ? AND kind IN ({marks})",
        (at, reason, cutoff, *RETAINED_KINDS),
    )
    return int(cur.rowcount)
