"""The escalation policy's memory: one row per item (policy_items), plus a small key -> JSON map.

The policy's state is stored item by item (a hit record, a watch, a case, one entry of a map) so
a decision writes only what it changed, inside the transaction of its incident. `policy_state`
remains a plain key -> JSON map for anything small.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from bot.store.audit import canonical_json
from bot.store.clock import to_text, utc_now
from bot.store.db import Database, fetch_all


@dataclass(frozen=True, slots=True)
class PolicyChanges:
    """What one decision changed in a guild's policy memory.

    `upserts` are (kind, key, JSON-ready value); a known (kind, key) keeps its place in the
    insertion order. `deletes` are (kind, key). `replace_all` first drops every item of the
    guild (when the stored ones could not be read and the state starts afresh).
    """

    guild_id: int
    upserts: Sequence[tuple[str, str, Any]] = ()
    deletes: Sequence[tuple[str, str]] = ()
    replace_all: bool = False


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


async def apply_changes(conn: aiosqlite.Connection, changes: PolicyChanges) -> None:
    """Write one decision's items; call inside the decision's write transaction."""
    guild = changes.guild_id
    if changes.replace_all:
        await conn.execute("DELETE FROM policy_items WHERE guild_id = ?", (guild,))
    if changes.deletes:
        await conn.executemany(
            "DELETE FROM policy_items WHERE guild_id = ? AND kind = ? AND key = ?",
            [(guild, kind, key) for kind, key in changes.deletes],
        )
    if changes.upserts:
        await conn.executemany(
            "INSERT INTO policy_items (guild_id, kind, key, value) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (guild_id, kind, key) DO UPDATE SET value = excluded.value",
            [
                (guild, kind, key, json.dumps(value, separators=(",", ":"), ensure_ascii=False))
                for kind, key, value in changes.upserts
            ],
        )


async def load_items(conn: aiosqlite.Connection, guild_id: int) -> list[tuple[str, str, Any]]:
    """A guild's items as (kind, key, value) in insertion order."""
    rows = await fetch_all(
        conn,
        "SELECT kind, key, value FROM policy_items WHERE guild_id = ? ORDER BY id",
        (guild_id,),
    )
    return [(str(kind), str(key), json.loads(value)) for kind, key, value in rows]


class SqlitePolicyState:
    """The policy's persistent memory: items per guild, and a key -> JSON map."""

    def __init__(self, db: Database) -> None:
        """Bind to an open database."""
        self._db = db

    async def apply(self, changes: PolicyChanges) -> None:
        """Write a guild's changed items in one transaction of their own."""
        async with self._db.write() as conn:
            await apply_changes(conn, changes)

    async def items(self, guild_id: int) -> list[tuple[str, str, Any]]:
        """A guild's items as (kind, key, value), in insertion order."""
        async with self._db.read() as conn:
            return await load_items(conn, guild_id)

    async def save(self, updates: Mapping[str, Any | None], *, at: datetime | None = None) -> None:
        """Store several keys in one transaction; a None value deletes its key."""
        moment = to_text(at or utc_now())
        async with self._db.write() as conn:
            await write(conn, updates, moment)

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
