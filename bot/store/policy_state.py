"""Key -> JSON state for the pure escalation policy, so a restart forgets nobody's history."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import aiosqlite

from bot.store.audit import canonical_json
from bot.store.clock import to_text, utc_now
from bot.store.db import Database


async def write(conn: aiosqlite.Connection, updates: Mapping[str, Any | None], at: str) -> None:
    """Upsert each key's JSON value (None deletes the key); call inside a write transaction."""
    for key, value in updates.items():
        if value is None:
            await conn.execute("DELETE FROM policy_state WHERE key = ?", (key,))
        else:
            await conn.execute(
                "INSERT INTO policy_state (key, value, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value,"
                " updated_at = excluded.updated_at",
                (key, canonical_json(value), at),
            )


class SqlitePolicyState:
    """The policy's persistent counters; keys are the policy's own (e.g. "author:G:U")."""

    def __init__(self, db: Database) -> None:
        """Bind to an open database."""
        self._db = db

    async def save(self, updates: Mapping[str, Any | None], *, at: datetime | None = None) -> None:
        """Store several keys in one transaction; a None value deletes its key."""
        async with self._db.write() as conn:
            await write(conn, updates, to_text(at or utc_now()))

    async def load(self, key: str) -> Any | None:
        """The JSON value stored under `key`, or None."""
        async with (
            self._db.read() as conn,
            conn.execute("SELECT value FROM policy_state WHERE key = ?", (key,)) as cur,
        ):
            row = await cur.fetchone()
        return None if row is None else json.loads(row[0])

    async def load_prefix(self, prefix: str) -> dict[str, Any]:
        """Every key starting with `prefix`, with its value (e.g. all counters of one guild)."""
        upper = prefix + "\U0010ffff"
        async with (
            self._db.read() as conn,
            conn.execute(
                "SELECT key, value FROM policy_state WHERE key >= ? AND key < ? ORDER BY key",
                (prefix, upper),
            ) as cur,
        ):
            rows = await cur.fetchall()
        return {str(key): json.loads(value) for key, value in rows}
