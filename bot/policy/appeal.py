"""An upheld appeal: the disputed messages stop counting towards any pattern. Pure."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from bot.policy.state import PolicyState


def forget_messages(state: PolicyState, message_ids: Iterable[int]) -> PolicyState:
    """`state` without the hit records of these messages (a moderator upheld a false positive).

    Only the counting memory changes: `seen` keeps them, so a replayed event is still not judged
    again, and the store keeps the incidents and their audit entries.
    """
    gone = frozenset(message_ids)
    kept = tuple(r for r in state.records if not (r.kind == "message" and r.message_id in gone))
    if len(kept) == len(state.records):
        return state
    return dataclasses.replace(state, records=kept)
