"""The nudge ladder: one hit earns a nudge, a pattern earns a human; points fade over weeks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from policy_builders import CHANNEL, Runner, at, hit, msg, patterns

from bot.engine.verdict import Category, Severity
from bot.policy import PolicyConfig, PolicyState, decide
from bot.policy.config import CategoryPolicy
from bot.policy.counters import member_points
from bot.policy.state import HitRecord, Offence

ALICE = 11

# (hits as (day, severity, category)) -> patterns escalated by the LAST message
LADDER = [
    ("first low nudges only", [(0, "low", "harassment")], []),
    ("first medium nudges only", [(0, "medium", "harassment")], []),
    ("first high nudges only", [(0, "high", "harassment")], []),
    (
        "two mediums within a week escalate",
        [(0, "medium", "harassment"), (6, "medium", "harassment")],
        ["repeat_sender"],
    ),
    (
        "two mediums eight days apart do not",
        [(0, "medium", "harassment"), (8, "medium", "harassment")],
        [],
    ),
    (
        "medium and two lows in three days escalate",
        [(0, "medium", "harassment"), (1, "low", "harassment"), (2, "low", "harassment")],
        ["repeat_sender"],
    ),
    (
        "three lows a week apart do not",
        [(0, "low", "harassment"), (7, "low", "harassment"), (14, "low", "harassment")],
        [],
    ),
    (
        "second high within thirty days escalates",
        [(0, "high", "harassment"), (25, "high", "harassment")],
        ["repeat_sender"],
    ),
    (
        "second high after six weeks does not",
        [(0, "high", "harassment"), (45, "high", "harassment")],
        [],
    ),
    ("critical escalates at once", [(0, "critical", "violence")], ["critical"]),
    ("retaliation category escalates at once", [(0, "medium", "retaliation")], ["critical"]),
    (
        "categories keep separate thresholds",
        [(0, "medium", "harassment"), (1, "medium", "violence")],
        [],
    ),
    (
        "spread across categories hits the member total",
        [(0, "medium", "harassment"), (0.5, "medium", "violence"), (1, "medium", "discrimination")],
        ["repeat_sender"],
    ),
]


@pytest.mark.parametrize(("name", "hits", "expected"), LADDER, ids=[row[0] for row in LADDER])
def test_nudge_ladder(
    name: str, hits: list[tuple[float, str, Category]], expected: list[str]
) -> None:
    runner = Runner()
    decisions = [
        runner.feed(msg(i, ALICE, at(day), hit(sev, cat))) for i, (day, sev, cat) in enumerate(hits)
    ]
    assert all(d.nudge is not None for d in decisions), "every flagged message earns a nudge"
    assert [p for d in decisions[:-1] for p in patterns(d)] == []
    assert patterns(decisions[-1]) == expected


def test_critical_threat_escalates_at_once_with_an_alert() -> None:
    decision = Runner().feed(msg(1, ALICE, at(), hit("critical", "violence", subcategory="threat")))
    (esc,) = decision.escalations
    assert (esc.pattern, esc.subject_id, esc.new_case, esc.alert) == ("critical", ALICE, True, True)
    assert esc.evidence[0].message_id == 1
    assert "violence/threat" in esc.summary


def test_several_hits_in_one_message_merge_into_one_nudge() -> None:
    event = msg(
        1,
        ALICE,
        at(),
        hit("low", rule="h.low", nudge="Please keep it kind."),
        hit("high", "discrimination", rule="d.slur", nudge="That word demeans people."),
        hit("medium", rule="h.medium", nudge="Please keep it kind."),
    )
    decision = Runner().feed(event)
    assert decision.nudge is not None
    assert decision.nudge.severity is Severity.HIGH
    assert decision.nudge.category == "discrimination"
    assert decision.nudge.texts == ("That word demeans people.", "Please keep it kind.")
    assert decision.nudge.rule_ids == ("h.low", "d.slur", "h.medium")


def test_a_message_counts_once_per_category_by_its_worst_hit() -> None:
    runner = Runner()
    runner.feed(msg(1, ALICE, at(), hit("medium", rule="a"), hit("medium", rule="b"), hit("low")))
    points = member_points(runner.state.records, "harassment", runner.config, at())
    assert points == pytest.approx(2.0)


def test_a_burst_of_messages_earns_one_nudge() -> None:
    runner = Runner()
    first = runner.feed(msg(1, ALICE, at(), hit("low")))
    second = runner.feed(msg(2, ALICE, at(minutes=3), hit("low")))
    third = runner.feed(msg(3, ALICE, at(minutes=15), hit("low")))
    assert first.nudge is not None
    assert second.nudge is None and "nudge held back" in second.notes[0]
    assert third.nudge is not None


def test_hits_below_the_nudge_floor_count_but_are_not_nudged() -> None:
    config = PolicyConfig.model_validate({"nudge": {"min_severity": "medium"}})
    runner = Runner(config=config)
    assert runner.feed(msg(1, ALICE, at(), hit("low"))).nudge is None
    assert len(runner.state.records) == 1


def test_clean_messages_leave_no_trace() -> None:
    runner = Runner()
    decision = runner.feed(msg(1, ALICE, at()))
    assert not decision.acted
    assert runner.state == PolicyState()


# Decay over simulated weeks: (policy, weeks later) -> fraction of the points left.
DECAY = [
    ({"half_life_days": 14}, 0, 1.0),
    ({"half_life_days": 14}, 2, 0.5),
    ({"half_life_days": 14}, 4, 0.25),
    ({"half_life_days": 14}, 8, 0.0625),
    ({"half_life_days": 7}, 3, 0.125),
    ({"window_days": 28}, 3.9, 1.0),
    ({"window_days": 28}, 4, 0.0),
]


@pytest.mark.parametrize(("policy", "weeks", "left"), DECAY)
def test_points_fade_over_weeks(policy: dict[str, float], weeks: float, left: float) -> None:
    config = PolicyConfig.model_validate({"categories": {"harassment": policy}})
    record = HitRecord(
        key="message:1",
        kind="message",
        message_id=1,
        guild_id=1,
        channel_id=CHANNEL,
        author_id=ALICE,
        at=at(),
        offences=(Offence("harassment", "insult", Severity.MEDIUM, "r"),),
    )
    points = member_points([record], "harassment", config, at(days=7 * weeks))
    assert points == pytest.approx(2.0 * left)


# A medium every 3+ weeks fades faster than it adds up (steady state 2 / (1 - 0.5^(21/14)) < 3.4).
@pytest.mark.parametrize(
    ("every_days", "escalates"), [(28, False), (21, False), (10, True), (5, True)]
)
def test_steady_medium_hits_escalate_only_when_frequent(every_days: int, escalates: bool) -> None:
    runner = Runner()
    decisions = [
        runner.feed(msg(i, ALICE, at(days=i * every_days), hit("medium"))) for i in range(12)
    ]
    escalated = any("repeat_sender" in patterns(d) for d in decisions)
    assert escalated is escalates


def test_old_history_is_pruned_so_the_state_stays_bounded() -> None:
    runner = Runner()
    for i in range(400):  # more than a year, one low hit a day, nudge each time
        runner.feed(msg(i, ALICE, at(days=i), hit("low")))
    horizon = runner.config.horizon()
    assert all(at(days=399) - r.at <= horizon for r in runner.state.records)
    assert len(runner.state.records) <= horizon.days + 1
    assert len(runner.state.seen) <= horizon.days + 1


def test_naive_clock_is_refused() -> None:
    event = msg(1, ALICE, at(), hit())
    with pytest.raises(ValueError, match="UTC"):
        decide(
            PolicyState(),
            event,
            PolicyConfig(),
            at().replace(tzinfo=None),
            routing=Runner().routing,
        )


def test_an_event_older_than_the_horizon_does_not_count() -> None:
    config = PolicyConfig()
    late = at() + config.horizon() + timedelta(days=1)
    decision = Runner().feed(msg(1, ALICE, at(), hit("critical")), now=late)
    assert not decision.acted and decision.notes == ("too old to count",)


def test_category_policy_needs_exactly_one_decay() -> None:
    assert CategoryPolicy.model_validate({"window_days": 10}).half_life_days is None
    with pytest.raises(ValueError, match="not both"):
        CategoryPolicy.model_validate({"window_days": 10, "half_life_days": 3})
