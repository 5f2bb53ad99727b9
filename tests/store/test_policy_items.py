"""The policy's memory as rows: written by decisions, migrated from the old per-guild blob."""

from __future__ import annotations

import sqlite3
from importlib import resources
from pathlib import Path

import pytest

from bot.policy.persist import diff, from_items
from bot.store import PolicyChanges, SqliteStore, StoreUnavailableError, open_store
from bot.store.audit import canonical_json
from bot.store.migrate import split_statements
from tests.policy.policy_builders import Runner, at, automod, hit, msg, note, report

GUILD_ID = 1  # the policy builders' guild


def _scripted_runner() -> Runner:
    runner = Runner()
    runner.feed_all(
        msg(1, 11, at(0), hit(), mentions=(13,)),
        report(1, 13, 11, at(0, 5)),
        automod(2, 12, at(0, 10)),
        note(3, 11, at(0, 20)),
        msg(4, 11, at(1), hit("high", "discrimination"), mentions=(13,)),
        msg(5, 14, at(1, 1), hit("critical", "violence")),
    )
    return runner


def _schema_one(path: Path) -> sqlite3.Connection:
    """A database as the previous release left it (migration 0001 only)."""
    sql = resources.files("bot.store.migrations").joinpath("0001_init.sql").read_text("utf-8")
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in split_statements(sql):
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    return conn


async def test_old_policy_blob_migrates_to_rows_with_the_same_state(db_path: Path) -> None:
    state = _scripted_runner().state
    conn = _schema_one(db_path)
    conn.execute(
        "INSERT INTO policy_state (key, value, updated_at) VALUES (?, ?, ?)",
        (f"policy:guild:{GUILD_ID}", canonical_json(state.to_json()), "2024-03-05T00:00:00Z"),
    )
    conn.execute(
        "INSERT INTO policy_state (key, value, updated_at) VALUES ('other', '1', 'x')",
    )
    conn.close()

    async with await open_store(db_path) as store:
        migrated = from_items(await store.policy.items(GUILD_ID))
        assert await store.policy.load(f"policy:guild:{GUILD_ID}") is None  # blob gone
        assert await store.policy.load("other") == 1  # other keys untouched

    assert migrated == state
    assert [r.key for r in migrated.records] == [r.key for r in state.records]
    assert migrated.records and migrated.watches and migrated.cases and migrated.seen


async def test_applied_changes_reload_as_the_same_state(store: SqliteStore) -> None:
    runner = Runner()
    events = [
        msg(1, 11, at(0), hit(), mentions=(13,)),
        report(1, 13, 11, at(0, 5)),
        msg(2, 11, at(0, 6), hit(), mentions=(13,)),
        msg(3, 12, at(300), hit()),  # the rest expires
    ]
    for event in events:
        before = runner.state
        runner.feed(event)
        delta = diff(before, runner.state)
        upserts = [(i.kind, i.key, i.value) for i in delta.upserts]
        await store.policy.apply(PolicyChanges(GUILD_ID, upserts, delta.deletes))
        assert from_items(await store.policy.items(GUILD_ID)) == runner.state
    assert from_items(await store.policy.items(GUILD_ID + 1)) == from_items([])


async def test_replace_all_drops_what_was_stored(store: SqliteStore) -> None:
    await store.policy.apply(PolicyChanges(GUILD_ID, [("seen", "message:1", "bad")]))
    await store.policy.apply(
        PolicyChanges(GUILD_ID, [("seen", "message:2", at(0).isoformat())], replace_all=True)
    )
    assert await store.policy.items(GUILD_ID) == [("seen", "message:2", at(0).isoformat())]


async def test_a_write_commits_on_exit_and_rolls_back_on_error(store: SqliteStore) -> None:
    async with store.db.write() as conn:
        await conn.execute(
            "INSERT INTO policy_state (key, value, updated_at) VALUES ('k', '1', 'x')"
        )

    with pytest.raises(RuntimeError, match="boom"):
        async with store.db.write() as conn:
            await conn.execute(
                "INSERT INTO policy_state (key, value, updated_at) VALUES ('j', '1', 'x')"
            )
            raise RuntimeError("boom")
    assert await store.policy.load("k") == 1 and await store.policy.load("j") is None
    assert not store.db.conn.in_transaction


async def test_a_write_names_a_locked_database(db_path: Path) -> None:
    async with await open_store(db_path, busy_timeout=0.05) as store:
        other = sqlite3.connect(db_path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(StoreUnavailableError, match="locked"):
                async with store.db.write():
                    pass
        finally:
            other.execute("ROLLBACK")
            other.close()
        async with store.db.write() as conn:
            await conn.execute("DELETE FROM policy_state")
