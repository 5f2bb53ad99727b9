"""Cases and who hears about them: no spam, cooldowns, routing, idempotence, restarts."""

from __future__ import annotations

import json

import pytest
from policy_builders import (
    MOD_CHANNEL,
    MODERATOR,
    OTHER_MOD,
    REVIEWER,
    ROUTING,
    Runner,
    at,
    automod,
    hit,
    msg,
    note,
    patterns,
    report,
)

from bot.policy import PolicyConfig, PolicyEvent, PolicyState, Route, Routing, resolve_case

A, B, C, REPORTER = 11, 12, 13, 30


def test_later_hits_update_the_open_case_instead_of_alerting() -> None:
    runner = Runner()
    runner.feed_all(*(msg(i, A, at(i), hit()) for i in range(5)))
    escalations = [e for d in runner.decisions for e in d.escalations]
    assert [(e.new_case, e.alert, e.incident_count) for e in escalations] == [
        (True, True, 2),
        (False, False, 3),
        (False, False, 4),
        (False, False, 5),
    ]
    assert len(runner.state.cases) == 1
    assert escalations[-1].summary.startswith("Update (5 incidents)")


def test_resolving_a_case_lets_only_new_hits_reopen_it() -> None:
    runner = Runner()
    runner.feed_all(msg(1, A, at(0), hit()), msg(2, A, at(1), hit()))
    (case_key,) = runner.state.cases
    runner.state = resolve_case(runner.state, case_key, at(2))
    assert runner.state.cases == {}
    # The old points are still high, but they were dealt with: one new hit alone does not reopen.
    assert patterns(runner.feed(msg(3, A, at(3), hit()))) == []
    reopened = runner.feed(msg(4, A, at(4), hit()))
    assert patterns(reopened) == ["repeat_sender"] and reopened.escalations[0].new_case
    assert [r.message_id for r in reopened.escalations[0].evidence] == [3, 4]


def test_urgent_updates_ping_again_only_after_the_cooldown() -> None:
    runner = Runner()
    threat = hit("critical", "violence", subcategory="threat")
    first, soon, later = runner.feed_all(
        msg(1, A, at(0), threat),
        msg(2, A, at(minutes=20), threat),
        msg(3, A, at(minutes=90), threat),
    )
    assert [(e.new_case, e.alert) for e in first.escalations] == [(True, True)]
    assert [(e.new_case, e.alert) for e in soon.escalations] == [(False, False)]
    assert [(e.new_case, e.alert) for e in later.escalations] == [(False, True)]


def test_a_new_case_about_a_subject_pinged_moments_ago_opens_quietly() -> None:
    runner = Runner()
    runner.feed(msg(1, A, at(0), hit("critical", "violence")))
    decision = runner.feed(msg(2, A, at(minutes=5), hit("medium")))
    (repeat,) = decision.escalations  # a medium hit is not added to the critical case
    assert (repeat.pattern, repeat.new_case, repeat.alert) == ("repeat_sender", True, False)
    assert decision.nudge is None  # and the sender was nudged five minutes ago


def test_one_message_opens_one_case_per_member() -> None:
    # A threat is also enough points for a repeat-sender case: it must not alert twice.
    decision = Runner().feed(msg(1, A, at(0), hit("critical", "violence")))
    assert patterns(decision) == ["critical"]


ORDINARY = Route("moderator", MODERATOR, MOD_CHANNEL)
TO_REVIEWER = Route("reviewer", REVIEWER, None)

# (who sends, flagged as moderator by services, routing) -> route of the escalation
ROUTES = [
    ("ordinary member", A, False, ROUTING, ORDINARY),
    ("designated moderator", MODERATOR, False, ROUTING, TO_REVIEWER),
    ("another listed moderator", OTHER_MOD, False, ROUTING, TO_REVIEWER),
    ("moderator by role", A, True, ROUTING, TO_REVIEWER),
    (
        "moderator, no reviewer set",
        MODERATOR,
        False,
        Routing(MODERATOR, MOD_CHANNEL),
        Route("reviewer", None, None),
    ),
    ("reviewer offends", REVIEWER, False, ROUTING, ORDINARY),
    (
        "channel only",
        A,
        False,
        Routing(moderator_channel_id=MOD_CHANNEL),
        Route("moderator", None, MOD_CHANNEL),
    ),
]


@pytest.mark.parametrize(
    ("name", "sender", "is_mod", "routing", "route"), ROUTES, ids=[r[0] for r in ROUTES]
)
def test_moderator_offender_goes_to_the_reviewer(
    name: str, sender: int, is_mod: bool, routing: Routing, route: Route
) -> None:
    runner = Runner(routing=routing)
    decision = runner.feed(msg(1, sender, at(), hit("critical", "violence"), moderator=is_mod))
    assert decision.nudge is not None, "moderators are not exempt by default"
    assert decision.escalations[0].route == route
    assert decision.escalations[0].route.deliverable is (route != Route("reviewer", None, None))


def test_a_pile_on_joined_by_a_moderator_goes_to_the_reviewer() -> None:
    runner = Runner()
    runner.feed_all(msg(1, A, at(0), hit("low")), msg(2, B, at(0.1), hit("low")))
    decision = runner.feed(msg(3, OTHER_MOD, at(0.2), hit("low")))
    (pile_on,) = decision.escalations
    assert pile_on.pattern == "pile_on" and pile_on.route == TO_REVIEWER


def test_a_pile_on_case_moves_to_the_reviewer_when_a_moderator_joins() -> None:
    runner = Runner()
    runner.feed_all(*(msg(i, m, at(i / 10), hit("low")) for i, m in enumerate((A, B, C))))
    assert runner.decisions[-1].escalations[0].route == ORDINARY
    update = runner.feed(msg(9, MODERATOR, at(0.5), hit("low")))
    assert update.escalations[0].route == TO_REVIEWER


def test_exempt_moderators_still_escalate_critical_hits_to_the_reviewer() -> None:
    runner = Runner(config=PolicyConfig(exempt_moderators=True))
    assert not runner.feed(msg(1, MODERATOR, at(0), hit("medium"))).acted
    decision = runner.feed(msg(2, MODERATOR, at(1), hit("medium"), hit("critical", "violence")))
    assert patterns(decision) == ["critical"]
    assert decision.escalations[0].route == TO_REVIEWER


def test_retaliation_by_a_moderator_goes_to_the_reviewer() -> None:
    runner = Runner()
    runner.feed(report(4, REPORTER, MODERATOR, at(0)))
    decision = runner.feed(msg(5, MODERATOR, at(1), hit("low"), reply_to=REPORTER))
    assert decision.escalations[0].route == TO_REVIEWER


EVENTS: list[tuple[str, PolicyEvent]] = [
    ("flagged message", msg(1, A, at(1), hit())),
    ("critical message", msg(1, A, at(1), hit("critical", "violence"))),
    ("automod block", automod(1, A, at(1))),
    ("manual note", note(1, A, at(1))),
    ("report", report(1, REPORTER, A, at(1))),
    ("clean message", msg(1, A, at(1))),
]


@pytest.mark.parametrize(("name", "event"), EVENTS, ids=[e[0] for e in EVENTS])
def test_the_same_event_twice_changes_nothing(name: str, event: PolicyEvent) -> None:
    runner = Runner()
    runner.feed_all(msg(90, A, at(0), hit()), msg(91, B, at(0), hit()))  # some history
    runner.feed(event, now=at(1))
    before = runner.state
    again = runner.feed(event, now=at(1))
    assert runner.state == before
    assert not again.acted


def test_an_edit_that_adds_an_offence_still_counts() -> None:
    runner = Runner()
    assert not runner.feed(msg(1, A, at(0))).acted
    assert runner.feed(msg(1, A, at(0), hit())).nudge is not None


def test_state_round_trips_through_json_and_decisions_continue_the_same() -> None:
    events = [
        msg(1, A, at(0), hit(), mentions=(C,)),
        report(1, C, A, at(0.1)),
        automod(2, B, at(0.2)),
        note(3, A, at(0.3)),
        msg(4, B, at(0.4), hit("high", "discrimination"), reply_to=C),
        msg(5, MODERATOR, at(0.5), hit("critical", "violence")),
    ]
    runner = Runner()
    runner.feed_all(*events)
    runner.state = resolve_case(runner.state, "critical:member:900", at(0.6))
    text = json.dumps(runner.state.to_json())
    restored = PolicyState.from_json(json.loads(text))
    assert restored == runner.state

    follow_up = msg(6, A, at(1), hit(), reply_to=C)
    twin = Runner(state=restored)
    assert twin.feed(follow_up) == runner.feed(follow_up)
    assert twin.state == runner.state


def test_unknown_state_version_is_refused() -> None:
    with pytest.raises(ValueError, match="version"):
        PolicyState.from_json({"version": 99})
