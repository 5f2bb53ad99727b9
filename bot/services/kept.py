"""Decisions the store could not take yet (locked, full, read-only), kept in memory in order.

Bounded, so an outage that never ends cannot exhaust memory: past the limit new decisions are
refused loudly rather than silently. Kept in memory only: a process that stops before the
database recovers loses them, and says so in its log (see the gateway's shutdown).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

MAX_KEPT = 1_000

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Kept(Generic[T]):
    """One decision waiting for the store: what to retry, and a label for the logs."""

    item: T
    label: str  # ids only ("guild 1 message 2"), never a member's text
    kept_at: datetime


class KeptDecisions(Generic[T]):
    """A FIFO of decisions waiting for the store, oldest first, at most `limit` long."""

    def __init__(self, limit: int = MAX_KEPT) -> None:
        """An empty queue holding at most `limit` decisions."""
        self.limit = limit
        self._items: deque[Kept[T]] = deque()
        self.refused = 0  # decisions lost because the queue was full

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Kept[T]]:
        return iter(self._items)

    def keep(self, item: T, label: str, at: datetime) -> bool:
        """Queue a decision; False (logged at ERROR) when the queue is full and it is lost."""
        if len(self._items) >= self.limit:
            self.refused += 1
            log.error(
                "LOST decision on %s: %d decisions already wait for the database (the limit); "
                "fix the database (locked, full or read-only) and restart",
                label,
                self.limit,
            )
            return False
        self._items.append(Kept(item, label, at))
        return True

    def first(self) -> Kept[T] | None:
        """The oldest waiting decision, left in place."""
        return self._items[0] if self._items else None

    def drop_first(self) -> None:
        """Remove the oldest decision once it is stored."""
        self._items.popleft()
