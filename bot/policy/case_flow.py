"""The life of a stored case, open → acknowledged → resolved: which moves are allowed, by whom.

Pure. The store applies these inside the transaction that writes the move, so the rule is in one
place and a race between two clicks is settled by the database's single writer.
"""

from __future__ import annotations

from typing import Literal

CaseState = Literal["open", "acknowledged", "resolved"]
CaseOutcome = Literal["action_taken", "no_action", "false_positive"]
OUTCOMES: tuple[CaseOutcome, ...] = ("action_taken", "no_action", "false_positive")
Move = Literal["acknowledge", "resolve"]


class CaseMoveRefused(Exception):
    """A move the case's state or the person forbids; the message is one sentence to show.

    `forbidden` is True when it is the person (their own case), False when it is the state.
    """

    def __init__(self, message: str, *, forbidden: bool = False) -> None:
        super().__init__(message)
        self.forbidden = forbidden


def next_state(
    case_id: int,
    state: CaseState,
    outcome: CaseOutcome | None,
    *,
    subject_id: int,
    by: int,
    move: Move,
    new_outcome: CaseOutcome | None = None,
) -> CaseState:
    """The state after `move` by member `by`, or CaseMoveRefused saying why not."""
    if by == subject_id:
        raise CaseMoveRefused(
            f"case {case_id} is about member {by}; they cannot act on it", forbidden=True
        )
    if state == "resolved":
        raise CaseMoveRefused(f"case {case_id} is already resolved ({outcome})")
    if move == "acknowledge":
        if state != "open":
            raise CaseMoveRefused(f"case {case_id} is already {state}")
        return "acknowledged"
    if new_outcome not in OUTCOMES:
        raise CaseMoveRefused(f"unknown outcome {new_outcome!r}; use one of {', '.join(OUTCOMES)}")
    return "resolved"


def assignment_refusal(case_id: int | None, subject_id: int, to_user_id: int | None) -> str | None:
    """Why a case about `subject_id` may not go to `to_user_id`, or None when it may."""
    if to_user_id is None or to_user_id != subject_id:
        return None
    if case_id is None:
        return (
            f"member {subject_id}'s own case cannot be assigned to them; "
            "send it to the designated reviewer"
        )
    return f"case {case_id} is about member {to_user_id}; it cannot be escalated to them"
