"""Start-up: migrations, pragmas, and a clear StoreError for every bad database."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.store import StoreError, open_store
from bot.store.migrate import latest_version, load_migrations, split_statements


async def test_new_database_is_migrated_to_latest_version(db_path: Path) -> None:
    async with await open_store(db_path) as store:
        async with store.db.conn.execute("PRAGMA user_version") as cur:
            assert (await cur.fetchone()) == (latest_version(),)
        async with store.db.conn.execute("PRAGMA journal_mode") as cur:
            assert (await cur.fetchone()) == ("wal",)
        async with store.db.conn.execute("PRAGMA foreign_keys") as cur:
            assert (await cur.fetchone()) == (1,)


async def test_reopening_keeps_data_and_does_not_migrate_again(db_path: Path) -> None:
    async with await open_store(db_path) as store:
        await store.audit.record("bot", "first", "x")
    async with await open_store(db_path) as store:
        await store.audit.record("bot", "second", "x")
        assert (await store.audit.verify()).entries == 2


def test_migrations_are_numbered_from_one_without_gaps() -> None:
    assert [m.version for m in load_migrations()] == list(range(1, latest_version() + 1))


def test_statement_splitter_keeps_trigger_bodies_whole() -> None:
    sql = (
        "CREATE TABLE t (a);\n-- c\nCREATE TRIGGER x BEFORE DELETE ON t\nBEGIN\n  SELECT 1;\nEND;\n"
    )
    parts = split_statements(sql)
    assert len(parts) == 2 and parts[1].endswith("END;")


def _random_bytes(path: Path) -> None:
    path.write_bytes(os.urandom(8192))


def _text_file(path: Path) -> None:
    path.write_text("this is a text file, not a database\n" * 200)


def _damaged_btree(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (a)")
    conn.executemany("INSERT INTO t VALUES (?)", [("x" * 500,)] * 200)
    conn.commit()
    conn.close()
    raw = bytearray(path.read_bytes())
    page = 4096
    raw[page * 2 : page * 2 + 64] = b"\xff" * 64  # a b-tree page header
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize(
    "damage", [_random_bytes, _text_file, _damaged_btree], ids=["random", "text", "btree"]
)
async def test_corrupt_file_is_refused_with_clear_error(
    db_path: Path, damage: Callable[[Path], None]
) -> None:
    damage(db_path)
    with pytest.raises(StoreError, match=r"corrupt|not an SQLite database"):
        await open_store(db_path)


async def test_directory_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        await open_store(tmp_path / "missing" / "u.db")


async def test_path_that_is_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a directory"):
        await open_store(tmp_path)


async def test_path_under_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError, match="not a directory"):
        await open_store(tmp_path / "file" / "u.db")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
async def test_read_only_directory_is_refused(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(StoreError, match="not writable"):
            await open_store(ro / "u.db")
    finally:
        ro.chmod(0o700)


async def test_database_locked_by_another_process_is_refused(db_path: Path) -> None:
    async with await open_store(db_path):
        pass
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError, match="locked by another process"):
            await open_store(db_path, busy_timeout=0.2)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


async def test_database_from_newer_version_is_refused(db_path: Path) -> None:
    async with await open_store(db_path):
        pass
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {latest_version() + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer than this Upstander"):
        await open_store(db_path)


async def test_database_of_another_application_is_refused(db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE someone_elses (x)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="did not create"):
        await open_store(db_path)


async def test_failed_migration_leaves_database_untouched(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.store import migrate

    real = migrate.pending_statements
    monkeypatch.setattr(
        migrate,
        "pending_statements",
        lambda current: [*real(current)[:5], "CREATE TABLE broken (", "x"],
    )
    with pytest.raises(StoreError):
        await open_store(db_path)
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA user_version").fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)
    conn.close()


def test_store_package_never_imports_discord() -> None:
    import subprocess
    import sys

    code = "import sys, bot.store, bot.store.sqlite; print('discord' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.stdout.strip() == "False"


async def test_unwritable_directory_is_refused_even_when_running_as_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Root ignores permission bits, so the test fakes what a normal user would see.
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(StoreError, match="not writable"):
        await open_store(tmp_path / "u.db")
