"""Each pattern the moderator is told about, with its evidence."""

from __future__ import annotations

import pytest
from policy_builders import (
    CHANNEL,
    OTHER_CHANNEL,
    Runner,
    at,
    automod,
    hit,
    msg,
    note,
    patterns,
    report,
)

from bot.policy import PolicyConfig, PolicyEvent

A, B, C, D, TARGET, REPORTER = 11, 12, 13, 14, 20, 30

# Each row: a list of (author, day, channel) low hits; expect a pile-on case on the last one?
PILE_ON = [
    ("three members in two days", [(A, 0, CHANNEL), (B, 1, CHANNEL), (C, 2, CHANNEL)], True),
    ("three members over ten days", [(A, 0, CHANNEL), (B, 5, CHANNEL), (C, 10, CHANNEL)], False),
    ("one member three times", [(A, 0, CHANNEL), (A, 0.1, CHANNEL), (A, 0.2, CHANNEL)], False),
    (
        "three members, two channels",
        [(A, 0, CHANNEL), (B, 1, CHANNEL), (C, 2, OTHER_CHANNEL)],
        False,
    ),
    ("two members only", [(A, 0, CHANNEL), (B, 1, CHANNEL)], False),
]


@pytest.mark.parametrize(("name", "hits", "expected"), PILE_ON, ids=[r[0] for r in PILE_ON])
def test_channel_pile_on(name: str, hits: list[tuple[int, float, int]], expected: bool) -> None:
    runner = Runner()
    decisions = [
        runner.feed(msg(i, author, at(day), hit("low"), channel=channel))
        for i, (author, day, channel) in enumerate(hits)
    ]
    assert all("pile_on" not in patterns(d) for d in decisions[:-1])
    assert ("pile_on" in patterns(decisions[-1])) is expected


def test_pile_on_case_names_the_channel_and_its_evidence() -> None:
    runner = Runner()
    runner.feed_all(*(msg(i, m, at(i), hit("low")) for i, m in enumerate((A, B, C))))
    (esc,) = runner.decisions[-1].escalations
    assert (esc.subject_kind, esc.subject_id, esc.new_case) == ("channel", CHANNEL, True)
    assert [r.message_id for r in esc.evidence] == [0, 1, 2]
    assert esc.offenders == (A, B, C)
    assert esc.evidence[0].link == f"https://discord.com/channels/1/{CHANNEL}/0"
    later = runner.feed(msg(9, D, at(3), hit("low")))
    (update,) = later.escalations
    assert (update.new_case, update.alert, update.incident_count) == (False, False, 4)


# (sender, day, mentions, reply_to) of low hits; expect a targeted-colleague case for TARGET?
TARGETED = [
    (
        "mentions from several senders",
        [(A, 0, (TARGET,), None), (B, 1, (TARGET,), None), (C, 2, (TARGET,), None)],
        True,
    ),
    ("one sender, replies", [(A, 0, (), TARGET), (A, 3, (), TARGET), (A, 6, (), TARGET)], True),
    (
        "mixed mention and reply",
        [(A, 0, (TARGET,), None), (B, 1, (), TARGET), (A, 2, (TARGET,), None)],
        True,
    ),
    (
        "spread over a month",
        [(A, 0, (TARGET,), None), (B, 10, (TARGET,), None), (C, 20, (TARGET,), None)],
        False,
    ),
    (
        "aimed at different people",
        [(A, 0, (TARGET,), None), (B, 1, (D,), None), (C, 2, (TARGET,), None)],
        False,
    ),
]


@pytest.mark.parametrize(("name", "hits", "expected"), TARGETED, ids=[r[0] for r in TARGETED])
def test_targeted_colleague(
    name: str, hits: list[tuple[int, float, tuple[int, ...], int | None]], expected: bool
) -> None:
    runner = Runner()
    decisions = [
        runner.feed(msg(i, a, at(day), hit("low"), channel=CHANNEL + i, mentions=m, reply_to=r))
        for i, (a, day, m, r) in enumerate(hits)
    ]
    targeted = [e for e in decisions[-1].escalations if e.pattern == "targeted_colleague"]
    assert bool(targeted) is expected
    if expected:
        assert targeted[0].subject_id == TARGET
        assert len(targeted[0].evidence) == 3


def test_mentioning_yourself_does_not_make_you_a_target() -> None:
    runner = Runner()
    for i in range(3):
        runner.feed(msg(i, A, at(i), hit("low"), channel=CHANNEL + i, mentions=(A,)))
    assert all(r.targets == () for r in runner.state.records)


def test_repeat_sender_case_lists_the_incidents() -> None:
    runner = Runner()
    runner.feed_all(msg(1, A, at(0), hit()), msg(2, A, at(2), hit()))
    (esc,) = runner.decisions[-1].escalations
    assert (esc.pattern, esc.subject_id, esc.alert) == ("repeat_sender", A, True)
    assert [(r.message_id, r.at) for r in esc.evidence] == [(1, at(0)), (2, at(2))]
    assert "harassment points" in esc.summary


# Retaliation: a report by REPORTER of a message by A, then A's message; does it escalate at once?
RETALIATION = [
    ("flagged reply to the reporter", msg(5, A, at(1), hit("low"), reply_to=REPORTER), True),
    ("flagged mention of the reporter", msg(5, A, at(1), hit("low"), mentions=(REPORTER,)), True),
    (
        "policy-only hit at the reporter",
        msg(5, A, at(1), hit("low", policy=True), reply_to=REPORTER),
        True,
    ),
    ("flagged message at someone else", msg(5, A, at(1), hit("low"), reply_to=B), False),
    ("clean reply to the reporter", msg(5, A, at(1), reply_to=REPORTER), False),
    (
        "someone else hostile to the reporter",
        msg(5, B, at(1), hit("low"), reply_to=REPORTER),
        False,
    ),
    ("after the watch expired", msg(5, A, at(91), hit("low"), reply_to=REPORTER), False),
]


@pytest.mark.parametrize(
    ("name", "event", "expected"), RETALIATION, ids=[r[0] for r in RETALIATION]
)
def test_retaliation_after_a_report(name: str, event: PolicyEvent, expected: bool) -> None:
    runner = Runner()
    runner.feed(report(4, REPORTER, A, at(0)))
    decision = runner.feed(event)
    assert ("retaliation" in patterns(decision)) is expected
    if expected:
        esc = decision.escalations[0]
        assert (esc.pattern, esc.subject_id, esc.new_case, esc.alert) == (
            "retaliation",
            A,
            True,
            True,
        )
        assert str(REPORTER) not in esc.summary  # kept in the audit chain: never the reporter


def test_hostility_the_engine_missed_still_counts_towards_a_reporter() -> None:
    runner = Runner()
    runner.feed(report(4, REPORTER, A, at(0)))
    event = PolicyEvent(
        kind="message",
        message_id=5,
        guild_id=1,
        channel_id=CHANNEL,
        author_id=A,
        at=at(1),
        targets=(REPORTER,),
        hostile=True,
    )
    decision = runner.feed(event)
    assert patterns(decision) == ["retaliation"]  # one message, one new case per member
    assert decision.nudge is None  # no engine hit to explain: the moderator decides


def test_a_message_before_the_report_is_not_retaliation() -> None:
    runner = Runner()
    runner.feed(report(4, REPORTER, A, at(1)))
    assert "retaliation" not in patterns(
        runner.feed(msg(5, A, at(0.5), hit("low"), reply_to=REPORTER))
    )


def test_reporting_yourself_registers_no_watch() -> None:
    runner = Runner()
    decision = runner.feed(report(4, A, A, at(0)))
    assert runner.state.watches == () and "ignored" in decision.notes[0]


def test_automod_blocks_count_as_hits_without_a_nudge() -> None:
    runner = Runner()
    first, second = runner.feed_all(automod(1, A, at(0)), automod(2, A, at(2)))
    assert first.nudge is None and first.escalations == ()
    assert second.nudge is None and patterns(second) == ["repeat_sender"]
    assert runner.state.records[0].offences[0].rule_id == "automod:Block slurs"


def test_automod_can_be_switched_off() -> None:
    runner = Runner(config=PolicyConfig.model_validate({"automod": {"enabled": False}}))
    assert not runner.feed(automod(1, A, at(0))).acted
    assert runner.state.records == ()


def test_automod_and_engine_hits_add_up() -> None:
    runner = Runner()
    runner.feed(automod(1, A, at(0)))
    assert patterns(runner.feed(msg(2, A, at(1), hit("medium")))) == ["repeat_sender"]


@pytest.mark.parametrize(
    ("note_severity", "expected"), [("low", []), ("medium", ["repeat_sender"])]
)
def test_manual_notes_count_towards_the_same_thresholds(
    note_severity: str, expected: list[str]
) -> None:
    runner = Runner()
    noted = runner.feed(note(1, A, at(0), note_severity))
    assert noted.nudge is None and noted.escalations == ()
    assert patterns(runner.feed(msg(2, A, at(2), hit("medium")))) == expected


def test_manual_notes_do_not_make_a_channel_pile_on() -> None:
    runner = Runner()
    runner.feed_all(note(1, A, at(0), "low"), note(2, B, at(0), "low"), note(3, C, at(0), "low"))
    assert all(d.escalations == () for d in runner.decisions)
