"""Which messages were ever flagged, so that edits and deletions of the rest cost no database trip.

Nearly every edit or deletion is of a message that was never flagged, and for those the answer
"nothing to record" should not wait in line behind the database's commits. The ids of messages
with an incident are read once (8 bytes each, in a sorted array) and every new flagged decision
adds its id before its write starts. An id may be here without an incident (a write that
failed, an incident erased by retention): that only costs the database trip it saves elsewhere.
"""

from __future__ import annotations

import asyncio
from array import array
from bisect import bisect_left

from bot.store.base import Incidents


class FlaggedMessages:
    """A membership test for "this message may have an incident"."""

    def __init__(self, incidents: Incidents) -> None:
        """Bind to the store's incidents; they are read on first use."""
        self._incidents = incidents
        self._stored: array[int] = array("q")
        self._added: set[int] = set()
        self._loaded = False
        self._loading = asyncio.Lock()

    def add(self, message_id: int) -> None:
        """A decision on this message is about to be written."""
        self._added.add(message_id)

    async def may_have_incident(self, message_id: int) -> bool:
        """False only when the message certainly has no incident."""
        if message_id in self._added:
            return True
        await self._load()
        found = bisect_left(self._stored, message_id)
        return found < len(self._stored) and self._stored[found] == message_id

    async def _load(self) -> None:
        if self._loaded:
            return
        async with self._loading:
            if not self._loaded:
                self._stored = array("q", await self._incidents.message_ids())
                self._loaded = True
