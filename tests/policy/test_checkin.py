"""Who a raised pattern checks in on: its target, never an offender, only when it alerts."""

from __future__ import annotations

from bot.policy.checkin import checkin_targets
from tests.policy.policy_builders import Runner, at, hit, msg

TARGET, A, B, C = 500, 501, 502, 503


def test_targeted_colleague_checks_in_on_the_target_once_raised() -> None:
    run = Runner()
    first, second, third = run.feed_all(
        msg(1, A, at(0), hit(), mentions=(TARGET,)),
        msg(2, B, at(minutes=5), hit(), mentions=(TARGET,)),
        msg(3, A, at(minutes=10), hit(), mentions=(TARGET,)),
    )

    assert checkin_targets(first) == [] and checkin_targets(second) == []
    assert ("targeted_colleague", TARGET) in checkin_targets(third)
    later = run.feed(msg(4, B, at(minutes=15), hit(), mentions=(TARGET,)))
    assert ("targeted_colleague", TARGET) not in checkin_targets(later)  # folded in quietly


def test_pile_on_checks_in_on_whom_it_aims_at_but_not_on_its_senders() -> None:
    run = Runner()
    decisions = run.feed_all(
        msg(1, A, at(0), hit(), mentions=(TARGET,)),
        msg(2, B, at(minutes=1), hit(), mentions=(A,)),
        msg(3, C, at(minutes=2), hit()),
    )

    raised = [d for d in decisions if "pile_on" in [e.pattern for e in d.escalations]]
    assert raised, "three members flagged in one channel raise a pile-on"
    found = checkin_targets(raised[0])
    assert ("pile_on", TARGET) in found
    assert ("pile_on", A) not in found  # A is one of the pile-on's senders
