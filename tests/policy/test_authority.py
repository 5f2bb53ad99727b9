"""bot/policy/authority.py: who is a moderator, who decides a case, who may report, who is told."""

from __future__ import annotations

import pytest

from bot.policy.authority import (
    Actor,
    Routes,
    Routing,
    case_recipient,
    case_refusal,
    command_refusal,
    is_moderator,
    report_refusal,
)

MOD, OTHER_MOD, REVIEWER, ROLE, CHANNEL, MEMBER = 1, 2, 3, 40, 50, 9
ROUTING = Routing(MOD, CHANNEL, REVIEWER, frozenset({MOD, OTHER_MOD}), ROLE)

MODERATORS = [
    ("designated", Actor(MOD), True),
    ("listed", Actor(OTHER_MOD), True),
    ("by role", Actor(MEMBER, frozenset({ROLE})), True),
    ("by permission", Actor(MEMBER, may_timeout=True), True),
    ("other roles", Actor(MEMBER, frozenset({ROLE + 1})), False),
    ("reviewer", Actor(REVIEWER), False),
    ("member", Actor(MEMBER), False),
]


@pytest.mark.parametrize(("name", "actor", "expected"), MODERATORS, ids=[m[0] for m in MODERATORS])
def test_a_moderator_by_any_definition_is_one(name: str, actor: Actor, expected: bool) -> None:
    assert is_moderator(actor, ROUTING) is expected
    assert (command_refusal(actor, ROUTING) is None) is expected


def test_without_a_role_configured_no_role_makes_a_moderator() -> None:
    assert not is_moderator(Actor(MEMBER, frozenset({ROLE})), Routing(MOD))


TO_REVIEWER = "This case is for the reviewer."
CASES = [
    ("moderator, ordinary case", Actor(OTHER_MOD), MEMBER, MOD, None),
    ("moderator by role, ordinary case", Actor(8, frozenset({ROLE})), MEMBER, MOD, None),
    ("reviewer, ordinary case", Actor(REVIEWER), MEMBER, MOD, None),
    ("member", Actor(8), MEMBER, MOD, "Moderators only."),
    ("own case", Actor(MOD), MOD, REVIEWER, "This case is about you; someone else must decide it."),
    ("colleague, reviewer's case", Actor(OTHER_MOD), MOD, REVIEWER, TO_REVIEWER),
    ("reviewer, reviewer's case", Actor(REVIEWER), MOD, REVIEWER, None),
]


@pytest.mark.parametrize(
    ("name", "actor", "subject", "assigned", "refusal"), CASES, ids=[c[0] for c in CASES]
)
def test_who_decides_a_case(
    name: str, actor: Actor, subject: int, assigned: int, refusal: str | None
) -> None:
    assert case_refusal(actor, ROUTING, subject_id=subject, assigned_to=assigned) == refusal


def test_reports_of_bots_and_of_oneself_are_refused() -> None:
    assert report_refusal(Actor(MEMBER), Actor(7, is_bot=True)) is not None
    assert report_refusal(Actor(MEMBER), Actor(MEMBER)) == "You cannot report your own message."
    assert report_refusal(Actor(MEMBER), Actor(MOD)) is None


RECIPIENTS = [
    ("member", (MEMBER,), False, False, ("moderator", MOD, CHANNEL)),
    ("member, reporter involved", (MEMBER,), False, True, ("moderator", MOD, None)),
    ("listed moderator", (OTHER_MOD,), False, False, ("reviewer", REVIEWER, None)),
    ("moderator seen by the gateway", (MEMBER,), True, False, ("reviewer", REVIEWER, None)),
    ("the reviewer among offenders", (MOD, REVIEWER), False, False, ("reviewer", None, None)),
]


@pytest.mark.parametrize(
    ("name", "offenders", "seen", "reporter", "expected"),
    RECIPIENTS,
    ids=[r[0] for r in RECIPIENTS],
)
def test_who_is_told(
    name: str,
    offenders: tuple[int, ...],
    seen: bool,
    reporter: bool,
    expected: tuple[str, int | None, int | None],
) -> None:
    got = case_recipient(offenders, seen, ROUTING, reporter_involved=reporter)
    assert got == expected


def test_each_server_has_its_own_routing_and_the_rest_the_default() -> None:
    other = Routing(7, 8, 9)
    routes = Routes(ROUTING, {100: other})

    assert routes.for_guild(100) is other
    assert routes.for_guild(200) is ROUTING
    assert routes.every() == (ROUTING, other)
