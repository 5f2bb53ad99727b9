"""Storage: incidents, cases, reports, policy state and a hash-chained audit log.

Open the default backend with `await open_store(path)`; code against `base.Store`. This
package never imports discord.
"""

from bot.store.base import Store
from bot.store.cases import CaseRequest
from bot.store.errors import (
    ForbiddenError,
    NotFoundError,
    StateError,
    StoreError,
    StoreUnavailableError,
)
from bot.store.policy_state import PolicyChanges
from bot.store.records import Detection, DetectionResult, message_link
from bot.store.sqlite import SqliteStore, open_store

__all__ = [
    "CaseRequest",
    "Detection",
    "DetectionResult",
    "ForbiddenError",
    "NotFoundError",
    "PolicyChanges",
    "SqliteStore",
    "StateError",
    "Store",
    "StoreError",
    "StoreUnavailableError",
    "message_link",
    "open_store",
]
