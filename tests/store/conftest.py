"""Fixtures: a real SQLite store in tmp_path, and a factory for detections."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.store import Detection, SqliteStore, open_store

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
GUILD = 1000
CHANNEL = 2000
AUTHOR = 3000
MOD = 4000
REVIEWER = 4001

VERDICT: dict[str, Any] = {
    "flagged": True,
    "category": "harassment",
    "subcategory": "insult",
    "severity": "high",
    "explanation": "That reads as an insult aimed at someone.",
    "hits": [
        {
            "rule": "h1",
            "category": "harassment",
            "subcategory": "insult",
            "severity": "high",
            "span": [8, 13],
            "text": "idiot",
        }
    ],
    "suppressed": [],
    "addressee": {"mentions": [], "reply_to": None, "second_person": True},
    "rules_version": "r1",
}


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where the test database lives."""
    return tmp_path / "upstander.db"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[SqliteStore]:
    """An open store on a fresh file."""
    opened = await open_store(db_path)
    try:
        yield opened
    finally:
        await opened.close()


MakeDetection = Callable[..., Detection]


@pytest.fixture
def make_detection() -> MakeDetection:
    """Build a detection; message ids count up unless given."""
    counter = iter(range(1, 10**9))

    def build(**overrides: Any) -> Detection:
        n = next(counter)
        fields: dict[str, Any] = {
            "guild_id": GUILD,
            "channel_id": CHANNEL,
            "message_id": 500_000 + n,
            "author_id": AUTHOR,
            "text": f"you are idiot number {n}",
            "verdict": VERDICT,
            "rules_version": "r1",
            "created_at": T0 + timedelta(minutes=n),
        }
        fields.update(overrides)
        return Detection(**fields)

    return build
