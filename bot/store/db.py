"""One SQLite connection (aiosqlite), opened with clear errors, migrated, used as one writer.

Every public store method runs in `Database.write()` (one `BEGIN IMMEDIATE` transaction) or
`Database.read()` (one snapshot), through aiosqlite's public API only. An asyncio lock keeps
other coroutines' statements out of an open transaction; SQLite's own lock keeps other
processes out, so the chain stays linear even if two processes share a file.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal

import aiosqlite

from bot.store import migrate
from bot.store.errors import StoreError, StoreUnavailableError

log = logging.getLogger(__name__)

Synchronous = Literal["OFF", "NORMAL", "FULL", "EXTRA"]


def describe(path: Path, exc: BaseException) -> str:
    """Turn an sqlite3 error into a sentence naming the file and the likely fix."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return (
            f"database {path} is locked by another process (is another Upstander running, "
            "or a tool holding it open?)"
        )
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return (
            f"database {path} is corrupt or not an SQLite database ({exc}); restore it from "
            "a backup (`upstander backup`) or move it aside to start a new one"
        )
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return f"database {path} cannot be opened for writing ({exc}); check the path and rights"
    if "disk i/o" in text or "full" in text:
        return f"database {path}: disk error ({exc}); check free space and the disk"
    return f"database {path}: {exc}"


def _check_path(path: Path) -> None:
    """Refuse paths that SQLite would fail on later, with a sentence instead of an errno."""
    if path.is_dir():
        raise StoreError(f"database path {path} is a directory; set UPSTANDER_DATABASE to a file")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.exists():
        raise StoreError(f"cannot create database {path}: directory {parent} does not exist")
    if not parent.is_dir():
        raise StoreError(f"cannot create database {path}: {parent} is not a directory")
    # WAL needs to create -wal and -shm files beside the database, so the directory must be
    # writable even when the file already exists.
    if not os.access(parent, os.W_OK | os.X_OK):
        raise StoreError(f"cannot write database {path}: directory {parent} is not writable")
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise StoreError(f"cannot write database {path}: the file is not writable")


class Database:
    """The connection, its lock and transactions. Build it with `await Database.open(path)`."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        """Wrap an open, migrated connection; use `Database.open` instead."""
        self.conn = conn
        self.path = path
        self._lock = asyncio.Lock()

    @classmethod
    async def open(
        cls,
        path: str | os.PathLike[str],
        *,
        busy_timeout: float = 5.0,
        synchronous: Synchronous = "FULL",
        integrity_check: bool = True,
    ) -> Database:
        """Open (creating if need be), check and migrate the database at `path`.

        Raises `StoreError` for an unwritable path, a corrupt file, a database locked past
        `busy_timeout` seconds, or a schema newer than this code.
        """
        db_path = Path(path)
        _check_path(db_path)
        try:
            conn = await aiosqlite.connect(str(db_path), isolation_level=None, timeout=busy_timeout)
        except sqlite3.Error as exc:
            raise StoreError(describe(db_path, exc)) from exc
        try:
            await _configure(conn, busy_timeout, synchronous)
            if integrity_check:
                await _quick_check(conn, db_path)
            await _migrate(conn, db_path)
        except BaseException as exc:
            await conn.close()
            if isinstance(exc, sqlite3.Error):
                raise StoreError(describe(db_path, exc)) from exc
            raise
        return cls(conn, db_path)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[aiosqlite.Connection]:
        """One IMMEDIATE transaction: committed on exit, rolled back on any exception."""
        async with self._lock:
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StoreUnavailableError(describe(self.path, exc)) from exc
            try:
                yield self.conn
            except BaseException as exc:
                await self._rollback()
                # Locked, full, read-only, I/O: the operator's problem, named in one sentence.
                # Other sqlite3 errors (constraints) are bugs and keep their own type.
                if isinstance(exc, sqlite3.OperationalError):
                    raise StoreUnavailableError(describe(self.path, exc)) from exc
                raise
            try:
                await self.conn.execute("COMMIT")
            except sqlite3.Error as exc:
                await self._rollback()
                raise StoreUnavailableError(describe(self.path, exc)) from exc

    async def _rollback(self) -> None:
        """Roll back if a transaction is still open.

        On SQLITE_FULL / IOERR / BUSY SQLite may already have rolled the whole transaction
        back; a second ROLLBACK would raise "no transaction is active" and hide the real error.
        """
        if self.conn.in_transaction:
            await self.conn.execute("ROLLBACK")

    @asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        """A consistent snapshot for several SELECTs (a deferred transaction)."""
        async with self._lock:
            await self.conn.execute("BEGIN")
            try:
                yield self.conn
            finally:
                await self.conn.execute("COMMIT")

    async def backup(self, dest: str | os.PathLike[str]) -> None:
        """Copy the live database to `dest` with SQLite's online backup API (consistent, hot)."""
        dest_path = Path(dest)
        _check_path(dest_path)
        if dest_path.exists():
            raise StoreError(f"backup destination {dest_path} already exists; choose a new file")
        target = await aiosqlite.connect(str(dest_path), isolation_level=None)
        try:
            async with self._lock:
                await self.conn.backup(target)
        except sqlite3.Error as exc:
            raise StoreError(f"backup to {dest_path} failed: {exc}") from exc
        finally:
            await target.close()

    async def close(self) -> None:
        """Close the connection (SQLite checkpoints the WAL into the main file)."""
        await self.conn.close()


async def fetch_one(
    conn: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()
) -> sqlite3.Row | None:
    """The first row of a query, or None."""
    async with conn.execute(sql, params) as cur:
        return await cur.fetchone()


async def fetch_all(
    conn: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()
) -> list[sqlite3.Row]:
    """Every row of a query."""
    return list(await conn.execute_fetchall(sql, params))


async def _configure(conn: aiosqlite.Connection, busy_timeout: float, sync: Synchronous) -> None:
    await conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
    async with conn.execute("PRAGMA journal_mode = WAL") as cur:
        row = await cur.fetchone()
    if row is None or str(row[0]).lower() != "wal":
        log.warning("SQLite refused WAL mode (journal_mode=%s); continuing", row and row[0])
    await conn.execute("PRAGMA foreign_keys = ON")
    await conn.execute(f"PRAGMA synchronous = {sync}")


async def _quick_check(conn: aiosqlite.Connection, path: Path) -> None:
    async with conn.execute("PRAGMA quick_check(5)") as cur:
        rows = [str(r[0]) for r in await cur.fetchall()]
    if rows != ["ok"]:
        raise StoreError(
            f"database {path} is corrupt: {'; '.join(rows)}; restore it from a "
            "backup (`upstander backup`) or move it aside to start a new one"
        )


async def _migrate(conn: aiosqlite.Connection, path: Path) -> None:
    latest = migrate.latest_version()
    # Taking the write lock now, even with nothing to migrate, turns a database held by another
    # process into a clear start-up error instead of a failure at the first detection.
    await conn.execute("BEGIN IMMEDIATE")
    try:
        async with conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        current = int(row[0]) if row else 0
        if current > latest:
            raise StoreError(
                f"database {path} has schema version {current}, newer than this Upstander "
                f"understands ({latest}); upgrade Upstander or point UPSTANDER_DATABASE elsewhere"
            )
        if current == 0:
            async with conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
            ) as cur:
                row = await cur.fetchone()
            if row and int(row[0]):
                raise StoreError(
                    f"database {path} holds tables Upstander did not create; "
                    "point UPSTANDER_DATABASE at a new or Upstander file"
                )
        statements = migrate.pending_statements(current)
        if statements:
            log.info("migrating %s from schema %d to %d", path, current, latest)
        for statement in statements:
            await conn.execute(statement)
        await conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            await conn.execute("ROLLBACK")
        raise
