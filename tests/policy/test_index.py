"""The index `decide` keeps changes nothing: the same states and decisions as pruning and counting
over every record, through expiry, the record cap, out-of-order events, resolves and branching."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from policy_builders import ROUTING, at, automod, hit, msg, note, report

from bot.policy import (
    Decision,
    PolicyConfig,
    PolicyEvent,
    PolicyState,
    decide,
    resolve_case,
)
from bot.policy.index import PolicyIndex, index_of
from bot.policy.persist import Changes, diff

MEMBERS = tuple(range(11, 23))
CHANNELS = (100, 200, 300)
SEVERITIES = ("low", "medium", "high", "critical")
CATEGORIES = ("harassment", "discrimination", "violence")

# A small cap (the smallest allowed) and a short staleness, so both bite within a few hundred steps.
CONFIG = PolicyConfig.model_validate(
    {
        "alerts": {"max_records": 100, "case_stale_days": 20, "cooldown_minutes": 30},
        "pile_on": {"window_days": 2},
        "targeted_colleague": {"window_days": 3},
    }
)


def _plain(state: PolicyState, event: PolicyEvent, now: datetime) -> tuple[PolicyState, Decision]:
    return decide(state, event, CONFIG, now, routing=ROUTING, indexed=False)


def _written(changes: Changes) -> tuple[set[tuple[str, str, str]], set[tuple[str, str]]]:
    upserts = {(i.kind, i.key, json.dumps(i.value, sort_keys=True)) for i in changes.upserts}
    assert len(upserts) == len(changes.upserts)
    return upserts, set(changes.deletes)


def _steps(seed: int, count: int) -> Iterator[tuple[str, PolicyEvent | str, datetime]]:
    """(kind, event or case key, now): mostly flagged messages, some late, some long gaps."""
    rng = random.Random(seed)
    clock = at()
    seen: list[PolicyEvent] = []
    for n in range(1, count + 1):
        roll = rng.random()
        clock += timedelta(minutes=rng.choice((1, 5, 30, 240)))
        if roll < 0.02:
            clock += timedelta(days=rng.choice((3, 25, 120)))  # cases, then records, expire
        author = rng.choice(MEMBERS)
        late = timedelta(hours=rng.choice((0, 0, 0, 1, 30)))  # events arrive out of order
        when = clock - late
        targets = tuple(rng.sample(MEMBERS, rng.choice((0, 0, 1, 2))))
        if roll < 0.05 and seen:
            yield "event", rng.choice(seen), clock  # a replay
        elif roll < 0.08:
            yield "event", report(n, author, rng.choice(MEMBERS), when), clock
        elif roll < 0.10:
            yield "event", automod(n, author, when, channel=rng.choice(CHANNELS)), clock
        elif roll < 0.12:
            yield "event", note(n, author, when), clock
        elif roll < 0.14:
            yield "resolve", f"repeat_sender:member:{author}", clock
        elif roll < 0.18:
            yield "event", msg(n, author, when, channel=rng.choice(CHANNELS)), clock  # clean
        else:
            hits = [
                hit(rng.choice(SEVERITIES), rng.choice(CATEGORIES))  # type: ignore[arg-type]
                for _ in range(rng.choice((1, 1, 2)))
            ]
            event = msg(
                n,
                author,
                when,
                *hits,
                channel=rng.choice(CHANNELS),
                mentions=targets,
                moderator=rng.random() < 0.05,
            )
            seen.append(event)
            yield "event", event, clock


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_indexed_decide_equals_the_plain_one_step_by_step(seed: int) -> None:
    indexed = plain = PolicyState()
    for kind, step, now in _steps(seed, 700):
        if kind == "resolve":
            assert isinstance(step, str)
            indexed = resolve_case(indexed, step, now)
            plain = resolve_case(plain, step, now)
            continue
        assert isinstance(step, PolicyEvent)
        old_indexed, old_plain = indexed, plain
        indexed, got = decide(indexed, step, CONFIG, now, routing=ROUTING)
        plain, expected = _plain(plain, step, now)
        assert got == expected
        assert indexed == plain
        # The diff from the decision's noted steps writes what comparing the states would.
        assert _written(diff(old_indexed, indexed)) == _written(diff(old_plain, plain))
    assert len(plain.records) <= 101  # the cap held (pruned to 100 before the new one)
    assert isinstance(indexed.index, PolicyIndex)


def test_an_older_state_decided_on_again_gets_its_own_answer() -> None:
    state = PolicyState()
    history: list[PolicyState] = []
    for kind, step, now in _steps(7, 300):
        if kind == "event":
            assert isinstance(step, PolicyEvent)
            history.append(state)
            state, _ = decide(state, step, CONFIG, now, routing=ROUTING)
    probe = msg(99_999, MEMBERS[0], now, hit("high"), channel=CHANNELS[0], mentions=(MEMBERS[1],))
    for old in (history[-1], history[150], history[10], state):
        got = decide(old, probe, CONFIG, now, routing=ROUTING)
        assert got == _plain(old, probe, now)


def test_the_index_follows_each_decision_instead_of_being_rebuilt() -> None:
    state = PolicyState()
    for kind, step, now in _steps(5, 200):
        if kind == "event":
            assert isinstance(step, PolicyEvent)
            state, _ = decide(state, step, CONFIG, now, routing=ROUTING)
    kept = state.index
    assert isinstance(kept, PolicyIndex)
    later = msg(123_456, MEMBERS[2], now + timedelta(minutes=1), hit())
    state, _ = decide(state, later, CONFIG, now + timedelta(minutes=1), routing=ROUTING)
    assert state.index is kept  # followed, not rebuilt
    assert index_of(state).records.records is state.records
    lanes = index_of(state).records.by_author
    assert sum(len(lane.items) for lane in lanes.values()) == len(state.records)


def test_an_expired_record_behind_a_newer_one_is_pruned_too() -> None:
    horizon = CONFIG.horizon()
    a, b = MEMBERS[0], MEMBERS[1]
    steps = [
        (msg(1, a, at(0), hit()), at(0)),
        (msg(2, b, at(10), hit(), mentions=(a,)), at(10)),
        (msg(3, a, at(1), hit(), mentions=(b,)), at(10)),  # late: older than the one before it
        (msg(4, b, at(2) + horizon, hit(), mentions=(a,)), at(2) + horizon),  # 1 and 3 expire
    ]
    indexed = plain = PolicyState()
    for event, now in steps:
        indexed, got = decide(indexed, event, CONFIG, now, routing=ROUTING)
        plain, expected = _plain(plain, event, now)
        assert (indexed, got) == (plain, expected)
    assert [r.message_id for r in indexed.records] == [2, 4]
    assert [r.message_id for r in index_of(indexed).records.authored(b)] == [2, 4]
