"""Detections: one transaction, idempotent, evidence kept through edits and deletion."""

from __future__ import annotations

import pytest

from bot.store import CaseRequest, ForbiddenError, SqliteStore

from .conftest import AUTHOR, GUILD, MOD, T0, MakeDetection


async def _count(store: SqliteStore, table: str) -> int:
    async with store.db.conn.execute(f"SELECT count(*) FROM {table}") as cur:
        row = await cur.fetchone()
    assert row is not None
    return int(row[0])


async def test_detection_stores_incident_audit_entry_and_counters_together(
    store: SqliteStore, make_detection: MakeDetection
) -> None:
    result = await store.incidents.record_detection(
        make_detection(), policy_updates={f"author:{GUILD}:{AUTHOR}": {"score": 2}}
    )
    incident = await store.incidents.get(result.incident_id)
    assert result.created and result.audit_seq == 1
    assert incident.text == "you are idiot number 1"
    assert incident.link == f"https://discord.com/channels/{GUILD}/2000/500001"
    assert (incident.category, incident.severity, incident.rules_version) == (
        "harassment",
        "high",
        "r1",
    )
    assert await store.policy.load(f"author:{GUILD}:{AUTHOR}") == {"score": 2}
    entries = [e async for e in store.audit.entries()]
    assert [e.action for e in entries] == ["detection"]
    assert entries[0].details["texts"] == {"message": incident.text_digest}


async def test_replayed_event_creates_no_second_incident_or_counter_change(
    store: SqliteStore, make_detection: MakeDetection
) -> None:
    detection = make_detection()
    first = await store.incidents.record_detection(detection, policy_updates={"k": 1})
    again = await store.incidents.record_detection(detection, policy_updates={"k": 2})
    assert (again.incident_id, again.created) == (first.incident_id, False)
    assert await _count(store, "incidents") == 1
    assert await _count(store, "audit_log") == 1
    assert await store.policy.load("k") == 1


async def test_flagged_edit_of_same_message_is_a_new_version(
    store: SqliteStore, make_detection: MakeDetection
) -> None:
    await store.incidents.record_detection(make_detection(message_id=9))
    await store.incidents.record_detection(make_detection(message_id=9, version=1))
    assert [i.version for i in await store.incidents.for_message(GUILD, 9)] == [0, 1]


async def test_message_text_never_enters_the_chain(
    store: SqliteStore, make_detection: MakeDetection
) -> None:
    await store.incidents.record_detection(make_detection(text="a very private sentence"))
    async with store.db.conn.execute("SELECT group_concat(details) FROM audit_log") as cur:
        row = await cur.fetchone()
    assert row is not None
    chained = str(row[0])
    assert "private sentence" not in chained
    assert '"idiot"' not in chained  # the hit's span text is dropped, its span kept
    assert '"span":[8,13]' in chained


async def test_edit_keeps_earlier_text_and_deletion_keeps_evidence(
    store: SqliteStore, make_detection: MakeDetection
) -> None:
    result = await store.incidents.record_detection(make_detection(message_id=42))
    assert await store.incidents.record_edit(GUILD, 42, "edited to hide", edited_at=T0) == (
        result.incident_id
    )
    assert await store.incidents.record_deletion(GUILD, 42, deleted_at=T0) == [result.incident_id]
    incident = await store.incidents.get(result.incident_id)
    assert incident.text == "you are idiot number 1"
    assert [e.text for e in incident.edits] == ["edited to hide"]
    assert incident.deleted_at == T0
    assert (await store.audit.verify()).ok


async def test_edits_and_deletions_of_unflagged_messages_store_nothing(
    store: SqliteStore,
) -> None:
    assert await store.incidents.record_edit(GUILD, 1, "hello", edited_at=T0) is None
    assert await store.incidents.record_deletion(GUILD, 1, deleted_at=T0) == []
    assert await _count(store, "texts") == 0
    assert await _count(store, "audit_log") == 0


async def test_detection_with_case_request_opens_case_and_escalates_in_same_transaction(
    store: SqliteStore, make_detection: MakeDetection
) -> None:
    request = CaseRequest(pattern="repeat-harassment", assigned_to=MOD, reason="3 in 24h")
    first = await store.incidents.record_detection(make_detection(), case=request)
    second = await store.incidents.record_detection(make_detection(), case=request)
    assert first.case_id is not None and first.case_id == second.case_id
    case = await store.cases.get(first.case_id)
    assert case.incident_ids == (first.incident_id, second.incident_id)
    assert [e.to_user_id for e in case.escalations] == [MOD, MOD]


async def test_failed_decision_writes_nothing_at_all(
    store: SqliteStore, make_detection: MakeDetection
) -> None:
    # The author is the moderator the case would go to: refused, and the whole decision with it.
    bad = CaseRequest(pattern="p", assigned_to=AUTHOR, reason="r")
    with pytest.raises(ForbiddenError):
        await store.incidents.record_detection(make_detection(), policy_updates={"k": 1}, case=bad)
    for table in ("incidents", "texts", "audit_log", "policy_state", "cases"):
        assert await _count(store, table) == 0, table


async def test_naive_timestamps_are_refused(
    store: SqliteStore, make_detection: MakeDetection
) -> None:
    with pytest.raises(ValueError, match="naive"):
        await store.incidents.record_detection(make_detection(created_at=T0.replace(tzinfo=None)))


async def test_stats_count_incidents_per_day_category_and_channel(
    store: SqliteStore, make_detection: MakeDetection
) -> None:
    from datetime import timedelta

    for channel, day in [(1, 0), (1, 0), (2, 0), (1, 1)]:
        await store.incidents.record_detection(
            make_detection(channel_id=channel, created_at=T0 + timedelta(days=day))
        )
    rows = await store.members.stats(GUILD, 7, now=T0 + timedelta(days=2))
    assert [(r.day, r.category, r.channel_id, r.count) for r in rows] == [
        ("2024-05-01", "harassment", 1, 2),
        ("2024-05-01", "harassment", 2, 1),
        ("2024-05-02", "harassment", 1, 1),
    ]
