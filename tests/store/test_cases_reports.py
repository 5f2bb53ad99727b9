"""Cases, nudges, reports and watches; erase and retention."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.store import ForbiddenError, NotFoundError, SqliteStore, StateError

from .conftest import AUTHOR, GUILD, MOD, REVIEWER, T0, MakeDetection

REPORTER = 5000


async def test_open_reuses_the_unresolved_case_for_same_pattern_and_member(
    store: SqliteStore,
) -> None:
    first = await store.cases.open(GUILD, "slurs", AUTHOR, assigned_to=MOD)
    again = await store.cases.open(GUILD, "slurs", AUTHOR)
    other = await store.cases.open(GUILD, "threats", AUTHOR)
    assert first.id == again.id != other.id
    assert [c.id for c in await store.cases.list_open(GUILD)] == [first.id, other.id]


@pytest.mark.parametrize("outcome", ["action_taken", "no_action", "false_positive"])
async def test_case_goes_open_acknowledged_resolved_with_outcome(
    store: SqliteStore, outcome: str
) -> None:
    case = await store.cases.open(GUILD, "slurs", AUTHOR, assigned_to=MOD)
    assert (await store.cases.acknowledge(case.id, MOD, at=T0)).state == "acknowledged"
    done = await store.cases.resolve(case.id, MOD, outcome, note="spoke to them", at=T0)  # type: ignore[arg-type]
    assert (done.state, done.outcome, done.resolved_by) == ("resolved", outcome, MOD)
    assert [n.text for n in done.notes] == ["spoke to them"]
    assert await store.cases.list_open(GUILD) == []
    reopened = await store.cases.open(GUILD, "slurs", AUTHOR)
    assert reopened.id != case.id


@pytest.mark.parametrize(
    ("action", "error"),
    [
        ("resolve-twice", StateError),
        ("bad-outcome", StateError),
        ("self-acknowledge", ForbiddenError),
        ("self-escalate", ForbiddenError),
        ("missing-case", NotFoundError),
    ],
)
async def test_case_operations_that_are_refused(
    store: SqliteStore, action: str, error: type[Exception]
) -> None:
    case = await store.cases.open(GUILD, "slurs", AUTHOR)
    with pytest.raises(error):
        if action == "resolve-twice":
            await store.cases.resolve(case.id, MOD, "no_action")
            await store.cases.resolve(case.id, MOD, "no_action")
        elif action == "bad-outcome":
            await store.cases.resolve(case.id, MOD, "banned")  # type: ignore[arg-type]
        elif action == "self-acknowledge":
            await store.cases.acknowledge(case.id, AUTHOR)
        elif action == "self-escalate":
            await store.cases.escalate(case.id, to_user_id=AUTHOR, reason="x")
        else:
            await store.cases.get(999)


async def test_flagged_moderator_case_goes_to_reviewer(store: SqliteStore) -> None:
    case = await store.cases.open(GUILD, "slurs", MOD)
    escalation = await store.cases.escalate(case.id, to_user_id=REVIEWER, reason="moderator")
    assert (await store.cases.get(case.id)).assigned_to == REVIEWER == escalation.to_user_id


async def test_nudge_delivery_update_is_a_new_audit_entry(store: SqliteStore) -> None:
    nudge = await store.nudges.record(GUILD, AUTHOR, "Please reconsider that message.")
    updated = await store.nudges.set_status(nudge.id, "dms_closed", detail="403")
    assert (updated.status, updated.detail) == ("dms_closed", "403")
    actions = [(e.action, e.details.get("status")) async for e in store.audit.entries()]
    assert actions == [("nudge", "pending"), ("nudge.status", "dms_closed")]
    with pytest.raises(StateError):
        await store.nudges.set_status(nudge.id, "lost")  # type: ignore[arg-type]


async def _report(store: SqliteStore) -> int:
    report = await store.reports.record(
        guild_id=GUILD,
        channel_id=1,
        message_id=77,
        reported_id=AUTHOR,
        reporter_id=REPORTER,
        moderator_id=MOD,
        text="the reported words",
        reason="it targets me",
        watch_until=T0 + timedelta(days=14),
        at=T0,
    )
    return report.id


async def test_reporter_is_hidden_except_from_the_designated_moderator(
    store: SqliteStore,
) -> None:
    report_id = await _report(store)
    plain = await store.reports.get(report_id)
    assert plain.reporter_id is None and plain.text == "the reported words"
    history = await store.members.history(GUILD, AUTHOR)
    assert [r.reporter_id for r in history.reports_against] == [None]
    with pytest.raises(ForbiddenError):
        await store.reports.reporter_view(report_id, REVIEWER)
    assert (await store.reports.reporter_view(report_id, MOD)).reporter_id == REPORTER
    chained = [e async for e in store.audit.entries()]
    assert str(REPORTER) not in str([e.details for e in chained] + [e.actor for e in chained])
    assert chained[-1].action == "report.reveal"


async def test_retaliation_watch_is_active_until_it_expires(store: SqliteStore) -> None:
    await _report(store)
    active = await store.reports.active_watches(GUILD, AUTHOR, now=T0 + timedelta(days=13))
    assert [w.protected_id for w in active] == [REPORTER]
    assert await store.reports.active_watches(GUILD, AUTHOR, now=T0 + timedelta(days=15)) == []


async def test_policy_state_survives_reopen(store: SqliteStore, db_path: object) -> None:
    await store.policy.save({"g:1:a": {"n": 1}, "g:1:b": [1, 2], "g:2:a": 3})
    await store.policy.save({"g:1:b": None})
    assert await store.policy.load_prefix("g:1:") == {"g:1:a": {"n": 1}}
    assert await store.policy.load("missing") is None


async def test_erase_removes_member_texts_and_chain_still_verifies(
    store: SqliteStore, make_detection: MakeDetection
) -> None:
    mine = await store.incidents.record_detection(make_detection())
    theirs = await store.incidents.record_detection(make_detection(author_id=9))
    await store.incidents.record_edit(GUILD, 500_001, "edited", edited_at=T0)
    await store.members.add_note(GUILD, AUTHOR, MOD, "warned in person", kind="warning")
    assert await store.erase_member(AUTHOR, actor="operator:test") == 2
    assert (await store.incidents.get(mine.incident_id)).text is None
    assert (await store.incidents.get(theirs.incident_id)).text is not None
    assert [n.text for n in (await store.members.history(GUILD, AUTHOR)).notes] == [
        "warned in person"
    ]
    report = await store.audit.verify()
    assert report.ok and report.texts_erased == 2
    last = [e async for e in store.audit.entries()][-1]
    assert (last.action, last.details) == ("erase", {"texts_erased": 2})


async def test_retention_erases_only_old_message_texts(
    store: SqliteStore, make_detection: MakeDetection
) -> None:
    old = await store.incidents.record_detection(make_detection(created_at=T0))
    new = await store.incidents.record_detection(make_detection(created_at=T0 + timedelta(days=40)))
    await store.members.add_note(GUILD, AUTHOR, MOD, "note", at=T0)
    assert await store.purge(30, now=T0 + timedelta(days=41)) == 1
    assert (await store.incidents.get(old.incident_id)).text is None
    assert (await store.incidents.get(new.incident_id)).text is not None
    report = await store.audit.verify()
    assert report.ok and report.texts_erased == 1


async def test_backup_is_a_verifiable_copy(
    store: SqliteStore, tmp_path: object, make_detection: MakeDetection
) -> None:
    from pathlib import Path

    from bot.store import StoreError, open_store

    await store.incidents.record_detection(make_detection())
    dest = Path(str(tmp_path)) / "copy.db"
    await store.backup(dest)
    async with await open_store(dest) as copy:
        assert (await copy.audit.verify()).entries == 1
    with pytest.raises(StoreError, match="already exists"):
        await store.backup(dest)
