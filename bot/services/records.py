"""What the Discord layer may know of storage, handed on by the services.

The gateway imports these names from here, never from `bot.store` (tests/services/
test_layers.py checks it): the records it renders, the errors it turns into one sentence, and
the store it opens and passes to the services.
"""

from bot.store import ForbiddenError, NotFoundError, StateError, Store, open_store
from bot.store.clock import utc_now
from bot.store.records import (
    OUTCOMES,
    Case,
    MemberHistory,
    NudgeStatus,
    Report,
)
from bot.store.records import Outcome as CaseOutcome

__all__ = [
    "OUTCOMES",
    "Case",
    "CaseOutcome",
    "ForbiddenError",
    "MemberHistory",
    "NotFoundError",
    "NudgeStatus",
    "Report",
    "StateError",
    "Store",
    "open_store",
    "utc_now",
]
