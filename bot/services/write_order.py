"""Commit a guild's decisions in the order they were decided, without deciding behind a commit.

A decision is made under the guild's lock against the policy state in memory, and the state it
produces is adopted at once; its rows (incident, audit entry, policy items) are written after
the lock is released. The next decision therefore never waits for the previous one's fsync,
but each write carries the *difference* from the state before it, so the writes must reach
the database in decision order. A slot, taken while the lock is held, is that place in line:
entering it waits until every earlier slot of the guild has been left.
"""

from __future__ import annotations

import asyncio
from types import TracebackType


class WriteSlot:
    """One decision's place in its guild's line of writes (an async context manager)."""

    def __init__(self, before: asyncio.Future[None] | None, mine: asyncio.Future[None]) -> None:
        """Wait for `before` on entry; complete `mine` on exit."""
        self._before = before
        self._mine = mine

    async def __aenter__(self) -> WriteSlot:
        if self._before is not None and not self._before.done():
            try:
                await asyncio.shield(self._before)
            except BaseException:
                # Cancelled while waiting: the line must still move once the earlier write is done.
                self._before.add_done_callback(lambda _: self._finish())
                raise
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._finish()

    def _finish(self) -> None:
        if not self._mine.done():
            self._mine.set_result(None)


class WriteOrder:
    """Per-guild lines of writes: slots are entered in the order they were taken."""

    def __init__(self) -> None:
        """No writes under way."""
        self._last: dict[int, asyncio.Future[None]] = {}

    def slot(self, guild_id: int) -> WriteSlot:
        """The next place in the guild's line (take it under the guild's decision lock)."""
        before = self._last.get(guild_id)
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        mine.add_done_callback(lambda done: self._forget(guild_id, done))
        self._last[guild_id] = mine
        return WriteSlot(before, mine)

    async def idle(self, guild_id: int) -> None:
        """Wait until every slot of the guild taken so far has been left."""
        last = self._last.get(guild_id)
        if last is not None:
            await asyncio.shield(last)

    def busy(self, guild_id: int) -> bool:
        """Whether a slot of the guild has been taken and not yet left."""
        return guild_id in self._last

    def _forget(self, guild_id: int, done: asyncio.Future[None]) -> None:
        if self._last.get(guild_id) is done:
            del self._last[guild_id]
