"""Which messages are being decided right now, so that their edits and deletions can wait.

Registration is synchronous: a decision registers its message before its first `await`, so an
edit dispatched after the message itself always finds it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass(slots=True)
class _Entry:
    count: int = 0
    done: asyncio.Event = field(default_factory=asyncio.Event)


class InFlight:
    """(guild, message) -> decisions under way; waiting costs nothing when there are none."""

    def __init__(self) -> None:
        """Nothing in flight."""
        self._entries: dict[tuple[int, int], _Entry] = {}

    @contextmanager
    def deciding(self, guild_id: int, message_id: int) -> Iterator[None]:
        """Mark a decision on this message as under way for the duration of the block."""
        key = (guild_id, message_id)
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry()
        entry.count += 1
        try:
            yield
        finally:
            entry.count -= 1
            if entry.count == 0:
                del self._entries[key]
                entry.done.set()

    async def wait(self, guild_id: int, message_id: int) -> None:
        """Return once no decision on this message is under way."""
        while (entry := self._entries.get((guild_id, message_id))) is not None:
            await entry.done.wait()

    def __len__(self) -> int:
        """Messages with a decision under way."""
        return len(self._entries)
