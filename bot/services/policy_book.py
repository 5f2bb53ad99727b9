"""The escalation policy's memory per guild: loaded from the store once, saved with each decision.

Every decision for a guild runs under that guild's lock, so two messages handled at once never
both start from the same state and lose one another's counts. What a decision changed (a new
hit record, a case, a few map entries) is written as rows in the decision's own transaction,
never the whole state.

A flagged message's decision is adopted as soon as it is made (`adopt`), and written after the
lock is released, in decision order (`writes`, see write_order.py): the next message is judged
without waiting for the previous one's commit. The book counts the adopted states not yet in
the database; while any wait, the memory is ahead of the store, so a reload or a direct `save`
waits for them (or refuses, when the database is refusing writes).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from bot.policy import PolicyState, Routes, Routing
from bot.policy.persist import diff, from_items, items
from bot.services.write_order import WriteOrder
from bot.store import PolicyChanges, StoreUnavailableError
from bot.store.base import Store
from bot.store.clock import utc_now

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


class PolicyBook:
    """Per-guild `PolicyState`, cached in memory, persisted through the store."""

    def __init__(self, store: Store, routes: Routes | Routing, clock: Clock = utc_now) -> None:
        """Bind to the store; `routes` say who each server's moderators and reviewer are."""
        self.store = store
        self.routes = routes if isinstance(routes, Routes) else Routes(routes)
        self.clock = clock
        self._states: dict[int, PolicyState] = {}
        self._locks: dict[int, asyncio.Lock] = {}
        self._rewrite: set[int] = set()  # guilds whose stored items could not be read
        self.writes = WriteOrder()
        self._unstored: dict[int, int] = {}  # adopted decisions not yet committed, per guild
        self._stale: set[int] = set()  # reload from the store once nothing is unstored

    def routing(self, guild_id: int) -> Routing:
        """Who is told in this server (its own routing, never another server's)."""
        return self.routes.for_guild(guild_id)

    def lock(self, guild_id: int) -> asyncio.Lock:
        """The lock every read-decide-write of this guild's state holds."""
        return self._locks.setdefault(guild_id, asyncio.Lock())

    async def state(self, guild_id: int) -> PolicyState:
        """The current state (call with the guild's lock held)."""
        cached = self._states.get(guild_id)
        if cached is not None:
            return cached
        await self.writes.idle(guild_id)  # the store must hold every adopted decision first
        state = PolicyState()
        try:
            state = from_items(await self.store.policy.items(guild_id))
        except (ValueError, KeyError, TypeError):
            # A state we cannot read must not stop moderation; the incidents stay in the store.
            log.exception("policy state of guild %s unreadable; starting afresh", guild_id)
            self._rewrite.add(guild_id)
        self._states[guild_id] = state
        return state

    def changes(self, guild_id: int, state: PolicyState) -> PolicyChanges:
        """The `policy_changes` argument that persists `state` in the same transaction.

        Call with the guild's lock held, after `state()`: the difference is taken from the
        state this book holds, which is what the store holds.
        """
        if guild_id in self._rewrite:
            every = items(state)
            return PolicyChanges(
                guild_id, [(i.kind, i.key, i.value) for i in every], replace_all=True
            )
        delta = diff(self._states.get(guild_id, PolicyState()), state)
        return PolicyChanges(
            guild_id, [(i.kind, i.key, i.value) for i in delta.upserts], delta.deletes
        )

    def remember(self, guild_id: int, state: PolicyState) -> None:
        """Adopt `state` once the store has committed it."""
        self._states[guild_id] = state
        self._rewrite.discard(guild_id)

    def adopt(self, guild_id: int, state: PolicyState) -> PolicyChanges:
        """Adopt `state` before it is stored; the changes to write, in decision order.

        Call with the guild's lock held, then take a slot in `writes` before releasing it, and
        report the write's fate with `stored` or `abandoned`.
        """
        changes = self.changes(guild_id, state)
        self.remember(guild_id, state)
        self._unstored[guild_id] = self._unstored.get(guild_id, 0) + 1
        return changes

    def stored(self, guild_id: int) -> None:
        """An adopted decision's write has committed."""
        self._settle(guild_id)

    def abandoned(self, guild_id: int) -> None:
        """An adopted decision will never be stored: the memory no longer matches the store."""
        log.error(
            "guild %s: a decision was counted but not stored; the policy's memory will be "
            "reloaded from the database",
            guild_id,
        )
        self.reload(guild_id)
        self._settle(guild_id)

    def reload(self, guild_id: int) -> None:
        """Read the guild's state from the store again, once every adopted decision is there."""
        self._stale.add(guild_id)
        if not self._unstored.get(guild_id):
            self._drop(guild_id)

    def unstored(self, guild_id: int) -> int:
        """How many adopted decisions of the guild are not in the database yet."""
        return self._unstored.get(guild_id, 0)

    def _settle(self, guild_id: int) -> None:
        left = self._unstored.get(guild_id, 0) - 1
        if left > 0:
            self._unstored[guild_id] = left
            return
        self._unstored.pop(guild_id, None)
        if guild_id in self._stale:
            self._drop(guild_id)

    def _drop(self, guild_id: int) -> None:
        self._stale.discard(guild_id)
        self._states.pop(guild_id, None)

    async def save(self, guild_id: int, state: PolicyState) -> None:
        """Persist, then adopt, `state` on its own (for changes not tied to an incident).

        Call with the guild's lock held. Written after every decision adopted before it; if
        some of those are still waiting for a database that refuses writes, this is refused
        too (StoreUnavailableError) rather than written out of order.
        """
        await self.writes.idle(guild_id)
        waiting = self.unstored(guild_id)
        if waiting:
            raise StoreUnavailableError(
                f"{waiting} earlier decision(s) of this server still wait for the database"
            )
        await self.store.policy.apply(self.changes(guild_id, state))
        self.remember(guild_id, state)
