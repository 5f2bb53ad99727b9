"""Numbered SQL migrations (`migrations/NNNN_name.sql`), tracked in `PRAGMA user_version`."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from importlib import resources

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    """One numbered SQL file."""

    version: int
    name: str
    sql: str


def load_migrations() -> list[Migration]:
    """Every migration shipped with the package, in order; numbering must be 1, 2, 3 ... ."""
    found = []
    for entry in resources.files("bot.store.migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise RuntimeError(f"migration {migration.name} is out of sequence (want {expected})")
    return found


def latest_version() -> int:
    """The schema version this code writes."""
    migrations = load_migrations()
    return migrations[-1].version if migrations else 0


def split_statements(script: str) -> list[str]:
    """Split SQL into complete statements (trigger bodies included) so one transaction can run them.

    `executescript` would commit first, which is why migrations are run statement by statement.
    """
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not all(
        part.strip().startswith("--") or not part.strip() for part in buffer.splitlines()
    ):
        raise RuntimeError(f"incomplete SQL statement at the end of a migration: {buffer!r}")
    return statements


def pending_statements(current: int) -> list[str]:
    """Every statement of every migration after `current`, then the new `user_version`."""
    pending = [m for m in load_migrations() if m.version > current]
    if not pending:
        return []
    statements = [s for m in pending for s in split_statements(m.sql)]
    return [*statements, f"PRAGMA user_version = {pending[-1].version}"]
