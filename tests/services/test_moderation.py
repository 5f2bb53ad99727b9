"""Services over a real SQLite store and a small rules directory: no discord anywhere."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.policy import Routing
from bot.services import DeleteIn, EditIn, LiveRules, MessageIn, ReportIn, Services
from bot.store import open_store
from tests.services.kit import INSULT, SLUR, THREAT, write_rules

GUILD, CHANNEL, ALICE, BOB, MOD, REVIEWER, MODS_CHANNEL = 1, 10, 100, 200, 900, 950, 99
START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    rules = LiveRules(write_rules(tmp_path / "rules"))
    assert rules.load_initial() == ()
    store = await open_store(tmp_path / "db.sqlite", synchronous="NORMAL")
    rules.audit = store.audit
    routing = Routing(MOD, MODS_CHANNEL, REVIEWER, frozenset({MOD}))
    yield Services.build(store, rules, routing, Clock())
    await store.close()


def msg(message_id: int, text: str, author: int = ALICE, **kw: object) -> MessageIn:
    return MessageIn(GUILD, CHANNEL, message_id, author, text, START, **kw)  # type: ignore[arg-type]


async def test_clean_message_is_stored_nowhere(services: Services) -> None:
    outcome = await services.moderation.handle_message(msg(1, "good morning team"))

    assert not outcome.flagged and outcome.nudge is None
    assert (await services.store.audit.verify()).entries == 0


async def test_flagged_message_is_recorded_and_nudged_with_quote(services: Services) -> None:
    outcome = await services.moderation.handle_message(msg(1, f"you are a {SLUR} lol"))

    assert outcome.flagged and outcome.incident_id is not None
    assert outcome.nudge is not None
    assert outcome.nudge.quotes == (SLUR,)
    assert outcome.nudge.category == "discrimination"
    incident = await services.store.incidents.get(outcome.incident_id)
    assert incident.text == f"you are a {SLUR} lol"
    nudges = await services.store.nudges.for_member(GUILD, ALICE)
    assert len(nudges) == 1 and SLUR not in nudges[0].body  # quotes never enter the chain


async def test_replayed_message_does_nothing_twice(services: Services) -> None:
    first = await services.moderation.handle_message(msg(1, SLUR))
    again = await services.moderation.handle_message(msg(1, SLUR))

    assert again.duplicate and again.nudge is None
    assert again.incident_id == first.incident_id
    assert len(await services.store.nudges.for_member(GUILD, ALICE)) == 1


async def test_critical_message_escalates_to_moderator_with_evidence(services: Services) -> None:
    outcome = await services.moderation.handle_message(msg(1, f"I will {THREAT}"))

    (alert,) = outcome.alerts
    assert alert.pattern == "critical" and alert.to_user_id == MOD
    assert alert.to_channel_id == MODS_CHANNEL
    assert alert.evidence[0].quotes == (THREAT,)
    case = await services.store.cases.get(alert.case_id)
    assert case.incident_ids == (outcome.incident_id,) and case.assigned_to == MOD


async def test_moderator_offender_goes_to_reviewer(services: Services) -> None:
    outcome = await services.moderation.handle_message(msg(1, THREAT, author=MOD))

    (alert,) = outcome.alerts
    assert alert.route == "reviewer" and alert.to_user_id == REVIEWER
    assert alert.to_channel_id is None


async def test_two_slurs_escalate_repeat_sender(services: Services) -> None:
    await services.moderation.handle_message(msg(1, SLUR))
    outcome = await services.moderation.handle_message(msg(2, SLUR))

    assert [a.pattern for a in outcome.alerts] == ["repeat_sender"]
    assert len(outcome.alerts[0].evidence) == 2


async def test_edit_keeps_earlier_version_and_is_not_nudged_again(services: Services) -> None:
    first = await services.moderation.handle_message(msg(1, f"{SLUR} here"))
    edit = EditIn(GUILD, CHANNEL, 1, ALICE, "nothing to see", START + timedelta(minutes=1))
    outcome = await services.moderation.handle_edit(edit)

    assert outcome.incident_id == first.incident_id and outcome.nudge is None
    assert first.incident_id is not None
    incident = await services.store.incidents.get(first.incident_id)
    assert incident.text == f"{SLUR} here"
    assert [e.text for e in incident.edits] == ["nothing to see"]


async def test_clean_message_edited_into_flagged_one_is_nudged(services: Services) -> None:
    await services.moderation.handle_message(msg(1, "hello"))
    edit = EditIn(GUILD, CHANNEL, 1, ALICE, f"hello {INSULT}", START)
    outcome = await services.moderation.handle_edit(edit)

    assert outcome.nudge is not None and outcome.nudge.quotes == (INSULT,)


async def test_deleting_flagged_message_keeps_evidence(services: Services) -> None:
    first = await services.moderation.handle_message(msg(1, SLUR))
    ids = await services.moderation.handle_delete(DeleteIn(GUILD, CHANNEL, 1, START))

    assert ids == [first.incident_id]
    assert first.incident_id is not None
    incident = await services.store.incidents.get(first.incident_id)
    assert incident.deleted_at is not None and incident.text == SLUR


async def test_policy_state_survives_restart(services: Services, tmp_path: Path) -> None:
    await services.moderation.handle_message(msg(1, SLUR))
    fresh = Services.build(services.store, services.rules, services.book.routes, Clock())

    outcome = await fresh.moderation.handle_message(msg(2, SLUR))

    assert [a.pattern for a in outcome.alerts] == ["repeat_sender"]


async def test_report_then_hostility_towards_reporter_escalates_at_once(
    services: Services,
) -> None:
    filed = await services.reports.file(
        ReportIn(GUILD, CHANNEL, 1, reported_id=ALICE, reporter_id=BOB, text="x", at=START)
    )
    assert filed.report is not None and filed.report.reporter_id is None
    assert filed.to_user_id == MOD

    outcome = await services.moderation.handle_message(msg(2, f"{INSULT} snitch", mentions=(BOB,)))

    assert [a.pattern for a in outcome.alerts] == ["retaliation"]
    revealed = await services.reports.reveal(filed.report.id, MOD)
    assert revealed.reporter_id == BOB


async def test_resolving_case_resets_the_pattern(services: Services) -> None:
    outcome = await services.moderation.handle_message(msg(1, THREAT))
    case = await services.cases.resolve(outcome.alerts[0].case_id, MOD, "action_taken")

    assert case.state == "resolved" and case.resolved_by == MOD
    assert await services.cases.open_cases(GUILD) == []


async def test_broken_rules_change_keeps_last_good(services: Services) -> None:
    version = services.rules.version
    (services.rules.directory / "bad.yaml").write_text("rules:\n  - id: Bad\n", encoding="utf-8")

    report = await services.rules.check()

    assert not report.ok and report.version == version
    assert any("bad.yaml:2" in e for e in report.errors)
    outcome = await services.moderation.handle_message(msg(1, SLUR))
    assert outcome.flagged
    entries = [e.action async for e in services.store.audit.entries()]
    assert entries[0] == "rules.reload_failed"


async def test_unchanged_rules_are_not_reloaded(services: Services) -> None:
    report = await services.rules.check()

    assert report.ok and not report.changed


async def test_state_reloaded_from_rows_equals_the_state_in_memory(
    services: Services, tmp_path: Path
) -> None:
    moderation = services.moderation
    await moderation.handle_message(msg(1, f"{INSULT} you", mentions=(BOB,)))
    await moderation.handle_message(msg(2, "fine"))
    await moderation.handle_edit(EditIn(GUILD, CHANNEL, 2, ALICE, f"fine {SLUR}", START))
    await services.reports.file(
        ReportIn(GUILD, CHANNEL, 1, reported_id=ALICE, reporter_id=BOB, text="x", at=START)
    )
    hostile = await moderation.handle_message(msg(3, f"{INSULT} snitch", mentions=(BOB,)))
    await moderation.handle_message(msg(4, THREAT, author=BOB))
    await moderation.handle_message(msg(4, THREAT, author=BOB))  # replayed
    await services.cases.resolve(hostile.alerts[0].case_id, MOD, "action_taken")
    await moderation.handle_message(msg(5, SLUR, author=BOB))
    live = await services.book.state(GUILD)

    # A second process's view of the same file, as after a restart.
    async with await open_store(tmp_path / "db.sqlite") as store:
        fresh = Services.build(store, services.rules, services.book.routes, Clock())
        reloaded = await fresh.book.state(GUILD)

    assert reloaded == live
    assert [r.key for r in reloaded.records] == [r.key for r in live.records]
    assert reloaded.watches and reloaded.cases and reloaded.resolved


async def test_edit_and_delete_wait_for_their_message_being_decided(services: Services) -> None:
    moderation = services.moderation
    lock = services.book.lock(GUILD)
    await lock.acquire()  # the guild's decisions are held up
    try:
        create = asyncio.create_task(moderation.handle_message(msg(1, SLUR)))
        await asyncio.sleep(0)
        edit = asyncio.create_task(
            moderation.handle_edit(EditIn(GUILD, CHANNEL, 1, ALICE, f"{SLUR}!", START))
        )
        delete = asyncio.create_task(moderation.handle_delete(DeleteIn(GUILD, CHANNEL, 1, START)))
        other = await moderation.handle_delete(DeleteIn(GUILD, CHANNEL, 2, START))
        assert other == []  # another message's deletion does not queue behind the guild
        assert not edit.done() and not delete.done()
    finally:
        lock.release()
    outcome = await create
    edited, deleted = await edit, await delete
    assert edited.incident_id == outcome.incident_id and edited.notes == ("edit kept",)
    assert deleted == [outcome.incident_id]
    assert len(moderation.in_flight) == 0
