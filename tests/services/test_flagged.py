"""Edits and deletions of never-flagged messages skip the database; flagged ones never do."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.policy import Routing
from bot.services import DeleteIn, EditIn, LiveRules, Services
from bot.store import SqliteStore, open_store
from tests.services.kit import SLUR, write_rules
from tests.services.test_moderation import (
    CHANNEL,
    GUILD,
    MOD,
    MODS_CHANNEL,
    REVIEWER,
    START,
    Clock,
    msg,
)


async def build(tmp_path: Path, store: SqliteStore) -> Services:
    rules = LiveRules(write_rules(tmp_path / "rules"))
    assert rules.load_initial() == ()
    rules.audit = store.audit
    routing = Routing(MOD, MODS_CHANNEL, REVIEWER, frozenset({MOD}))
    return Services.build(store, rules, routing, Clock())


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = await open_store(tmp_path / "db.sqlite", synchronous="NORMAL")
    yield opened
    await opened.close()


def count_reads(services: Services, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the incident-store calls made from now on."""
    calls: list[str] = []
    incidents = services.store.incidents
    for name in ("for_message", "record_deletion", "record_edit"):
        original = getattr(incidents, name)

        async def counted(*args: Any, _name: str = name, _f: Any = original, **kw: Any) -> Any:
            calls.append(_name)
            return await _f(*args, **kw)

        monkeypatch.setattr(incidents, name, counted)
    return calls


def edit(message_id: int, text: str) -> EditIn:
    return EditIn(GUILD, CHANNEL, message_id, 100, text, START)


def delete(message_id: int) -> DeleteIn:
    return DeleteIn(GUILD, CHANNEL, message_id, START)


async def test_unflagged_edits_and_deletions_make_no_database_call(
    tmp_path: Path, store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = await build(tmp_path, store)
    moderation = services.moderation
    await moderation.handle_message(msg(1, "morning all"))
    calls = count_reads(services, monkeypatch)

    assert not (await moderation.handle_edit(edit(1, "morning everyone"))).flagged
    assert await moderation.handle_delete(delete(1)) == []
    assert calls == []


async def test_flagged_messages_are_found_also_after_a_restart(
    tmp_path: Path, store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await build(tmp_path, store)
    flagged = await first.moderation.handle_message(msg(1, f"{SLUR} lol"))
    assert flagged.incident_id is not None
    # Before any restart: the edit is kept beside the evidence.
    kept = await first.moderation.handle_edit(edit(1, "edited away"))
    assert kept.incident_id == flagged.incident_id and kept.notes == ("edit kept",)

    restarted = await build(tmp_path, store)  # a fresh memory over the same database
    calls = count_reads(restarted, monkeypatch)
    assert await restarted.moderation.handle_delete(delete(1)) == [flagged.incident_id]
    assert await restarted.moderation.handle_delete(delete(2)) == []
    assert calls == ["record_deletion"]
    incident = await store.incidents.get(flagged.incident_id)
    assert incident.deleted_at is not None and incident.text == f"{SLUR} lol"


async def test_a_clean_message_edited_into_a_flagged_one_is_decided(
    tmp_path: Path, store: SqliteStore
) -> None:
    services = await build(tmp_path, store)
    await services.moderation.handle_message(msg(1, "morning all"))
    outcome = await services.moderation.handle_edit(edit(1, f"morning {SLUR}"))
    assert outcome.flagged and outcome.incident_id is not None
    assert await services.moderation.handle_delete(delete(1)) == [outcome.incident_id]
