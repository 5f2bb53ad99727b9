"""bot/policy/case_flow.py: the moves of a case's life, and who may make them."""

from __future__ import annotations

import re

import pytest

from bot.policy.case_flow import (
    CaseMoveRefused,
    CaseOutcome,
    CaseState,
    Move,
    assignment_refusal,
    next_state,
)

SUBJECT, MOD = 5, 6

MOVES: list[tuple[CaseState, CaseOutcome | None, Move, CaseOutcome | None, CaseState]] = [
    ("open", None, "acknowledge", None, "acknowledged"),
    ("open", None, "resolve", "no_action", "resolved"),
    ("acknowledged", None, "resolve", "action_taken", "resolved"),
]


@pytest.mark.parametrize(("state", "outcome", "move", "new_outcome", "after"), MOVES)
def test_allowed_moves(
    state: CaseState,
    outcome: CaseOutcome | None,
    move: Move,
    new_outcome: CaseOutcome | None,
    after: CaseState,
) -> None:
    got = next_state(
        1, state, outcome, subject_id=SUBJECT, by=MOD, move=move, new_outcome=new_outcome
    )
    assert got == after


REFUSED: list[tuple[CaseState, CaseOutcome | None, Move, object, int, str, bool]] = [
    (
        "resolved",
        "no_action",
        "resolve",
        "action_taken",
        MOD,
        "already resolved (no_action)",
        False,
    ),
    ("resolved", "no_action", "acknowledge", None, MOD, "already resolved", False),
    ("acknowledged", None, "acknowledge", None, MOD, "already acknowledged", False),
    ("open", None, "resolve", "banned", MOD, "unknown outcome 'banned'", False),
    ("open", None, "acknowledge", None, SUBJECT, "cannot act on it", True),
]


@pytest.mark.parametrize(("state", "outcome", "move", "new", "by", "why", "forbidden"), REFUSED)
def test_refused_moves_say_why(
    state: CaseState,
    outcome: CaseOutcome | None,
    move: Move,
    new: object,
    by: int,
    why: str,
    forbidden: bool,
) -> None:
    with pytest.raises(CaseMoveRefused, match=re.escape(why)) as refused:
        next_state(1, state, outcome, subject_id=SUBJECT, by=by, move=move, new_outcome=new)  # type: ignore[arg-type]
    assert refused.value.forbidden is forbidden


def test_a_case_never_goes_to_its_subject() -> None:
    assert assignment_refusal(None, SUBJECT, SUBJECT) is not None
    assert assignment_refusal(3, SUBJECT, SUBJECT) == (
        f"case 3 is about member {SUBJECT}; it cannot be escalated to them"
    )
    assert assignment_refusal(3, SUBJECT, MOD) is None
    assert assignment_refusal(3, SUBJECT, None) is None
