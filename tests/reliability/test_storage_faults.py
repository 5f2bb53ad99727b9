"""The database refuses writes while the bot handles flagged messages: locked by another
process, disk full, read-only. The bot says so loudly (ERROR log and a note to the moderators),
keeps the decisions in memory, stores, nudges and escalates them once the fault clears, and the
audit chain verifies throughout.

How each fault is made (we run as root, so file modes would not stop SQLite):
- locked: a second *process* holds `BEGIN IMMEDIATE` on the file (the bot's busy timeout is
  0.2 s here instead of 5 s, to keep the test short);
- disk full: `PRAGMA max_page_count` capped at the current size on the bot's connection, which
  makes SQLite fail with SQLITE_FULL exactly as a full disk does;
- read-only: `PRAGMA query_only` on the bot's connection (SQLITE_READONLY), standing in for a
  file or mount that became read-only.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from bot.gateway import create_bot
from bot.gateway.client import DATABASE_DOWN, KEPT_RETRY_MAX
from bot.store import Detection, SqliteStore, StoreUnavailableError, open_store
from tests.gateway.conftest import World
from tests.reliability.nitro import allow_nitro_length
from tests.services.kit import SLUR, THREAT

# A flagged message long enough (a Nitro-length 4,000 characters) that its text needs new
# pages, so the capped database really runs out of room on it.
LONG_SLUR = f"you {SLUR} " + "and more words " * 265

HOLD_LOCK = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("ROLLBACK")
"""


class LockingProcess:
    """Another process holding SQLite's write lock on the bot's database until released."""

    def __init__(self, database: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLD_LOCK, str(database)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == "locked"

    def release(self) -> None:
        """Let go of the lock and wait for the process to end."""
        assert self.process.stdin is not None
        self.process.stdin.write("\n")
        self.process.stdin.flush()
        self.process.wait(timeout=10)


async def _pragma(store: SqliteStore, sql: str) -> None:
    async with store.db.conn.execute(sql) as cur:
        await cur.fetchall()


async def _cap_size(store: SqliteStore) -> Callable[[], Awaitable[None]]:
    async with store.db.conn.execute("PRAGMA page_count") as cur:
        row = await cur.fetchone()
    assert row is not None
    await _pragma(store, f"PRAGMA max_page_count = {int(row[0])}")
    return lambda: _pragma(store, "PRAGMA max_page_count = 1073741823")


async def start_fault(kind: str, store: SqliteStore) -> Callable[[], Awaitable[None]]:
    """Start the fault; returns the coroutine function that clears it."""
    if kind == "locked":
        holder = LockingProcess(store.db.path)

        async def release() -> None:
            holder.release()

        return release
    if kind == "full":
        return await _cap_size(store)
    await _pragma(store, "PRAGMA query_only = ON")
    return lambda: _pragma(store, "PRAGMA query_only = OFF")


# What the ERROR line must say about each fault, in words an operator understands.
FAULTS = {
    "locked": "is locked by another process",
    "full": "disk error (database or disk is full)",
    "read_only": "cannot be opened for writing (attempt to write a readonly database)",
}


@pytest.fixture
async def store(world: World, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[SqliteStore]:
    """Restart the world's bot on a store with a short busy timeout (0.2 s, not 5 s)."""
    allow_nitro_length(monkeypatch)
    opened = await open_store(world.settings.database, busy_timeout=0.2)
    old = world.bot
    await world.env.restart_bot(create_bot(world.settings, store=opened, clock=world.env.now))
    await old.close()
    yield opened
    await world.bot.close()
    await opened.close()


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("kind", list(FAULTS))
async def test_refused_writes_are_loud_kept_and_stored_after_the_fault_clears(
    world: World, store: SqliteStore, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await world.alice.send(world.general, f"first {SLUR}")  # a chain to protect
    before = await store.audit.verify()
    assert before.ok and len(world.dms(world.alice)) == 1

    clear = await start_fault(kind, store)
    await world.alice.send(world.general, LONG_SLUR)
    await world.bob.send(world.general, f"I will {THREAT}")  # queued behind, not lost

    # Loud: one ERROR sentence naming the fault; the moderators are told on Discord.
    (error,) = [e for e in _errors(caplog) if e.startswith("could not store the decision")]
    assert FAULTS[kind] in error and "kept in memory" in error
    assert [m.content for m in world.mods_posts()] == [DATABASE_DOWN]
    # Kept, nothing half-written, nobody nudged or alerted about an unrecorded decision.
    assert len(world.bot.services.moderation.kept) == 2
    assert len(world.dms(world.alice)) == 1 and world.dms(world.bob) == []
    during = await store.audit.verify()
    assert during.ok and during.head_hash == before.head_hash

    await clear()
    await world.env.advance_time(KEPT_RETRY_MAX + 1)  # the retry loop backs off to this

    assert len(world.bot.services.moderation.kept) == 0
    assert len(world.dms(world.alice)) == 2 and len(world.dms(world.bob)) == 1
    posts = [m.content for m in world.mods_posts()]
    assert posts[-1].startswith("Upstander's database accepts writes again: 2 kept")
    assert any(m.embeds and "Immediate" in (m.embeds[0].title or "") for m in world.mods_posts())
    after = await store.audit.verify()
    assert after.ok and after.entries > before.entries
    entries = [e async for e in store.audit.entries()]
    assert entries[before.entries - 1].hash == before.head_hash  # history untouched
    actions = [e.action for e in entries]
    assert actions.count("detection") == 3


async def test_decisions_kept_while_locked_wait_only_once(
    world: World, store: SqliteStore, caplog: pytest.LogCaptureFixture
) -> None:
    """Messages after the first refusal queue at once: one busy-timeout wait, not one each."""
    holder = LockingProcess(store.db.path)
    try:
        for n in range(5):
            await world.alice.send(world.general, f"{SLUR} {n}")
        assert len(world.bot.services.moderation.kept) == 5
        assert len([e for e in _errors(caplog) if "could not store" in e]) == 1
    finally:
        holder.release()
    assert await world.bot.deliver_kept() == 5
    assert len(world.dms(world.alice)) == 5
    assert (await store.audit.verify()).ok


async def test_store_reports_disk_full_as_unavailable_not_a_failed_rollback(
    world: World, store: SqliteStore
) -> None:
    """SQLITE_FULL rolls the transaction back itself; the error must still name the disk."""
    clear = await _cap_size(store)
    detection = Detection(
        guild_id=world.guild.id,
        channel_id=world.general.id,
        message_id=1,
        author_id=world.alice.id,
        text=LONG_SLUR,
        verdict={"flagged": True, "category": "harassment", "severity": "high", "hits": []},
        rules_version="r1",
        created_at=world.env.now(),
    )
    with pytest.raises(StoreUnavailableError, match="database or disk is full"):
        await store.incidents.record_detection(detection)
    await clear()
    assert (await store.audit.verify()).ok
    assert (await store.incidents.record_detection(detection)).created


def test_kept_queue_is_bounded_and_says_what_it_lost(caplog: pytest.LogCaptureFixture) -> None:
    from datetime import UTC, datetime

    from bot.services.kept import KeptDecisions

    kept: KeptDecisions[int] = KeptDecisions(limit=2)
    now = datetime(2025, 1, 1, tzinfo=UTC)

    assert [kept.keep(n, f"message {n}", now) for n in range(3)] == [True, True, False]
    assert len(kept) == 2 and kept.refused == 1
    assert "LOST decision on message 2" in _errors(caplog)[0]
