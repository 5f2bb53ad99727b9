"""The escalation policy's memory per guild: loaded from the store once, saved with each decision.

Every decision for a guild runs under that guild's lock, so two messages handled at once never
both start from the same state and lose one another's counts. What a decision changed (a new
hit record, a case, a few map entries) is written as rows in the decision's own transaction,
never the whole state.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from bot.policy import PolicyState, Routing
from bot.policy.persist import diff, from_items, items
from bot.store import PolicyChanges
from bot.store.base import Store
from bot.store.clock import utc_now

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


class PolicyBook:
    """Per-guild `PolicyState`, cached in memory, persisted through the store."""

    def __init__(self, store: Store, routing: Routing, clock: Clock = utc_now) -> None:
        """Bind to the store; `routing` says who the moderators and the reviewer are."""
        self.store = store
        self.routing = routing
        self.clock = clock
        self._states: dict[int, PolicyState] = {}
        self._locks: dict[int, asyncio.Lock] = {}
        self._rewrite: set[int] = set()  # guilds whose stored items could not be read

    def lock(self, guild_id: int) -> asyncio.Lock:
        """The lock every read-decide-write of this guild's state holds."""
        return self._locks.setdefault(guild_id, asyncio.Lock())

    async def state(self, guild_id: int) -> PolicyState:
        """The current state (call with the guild's lock held)."""
        cached = self._states.get(guild_id)
        if cached is not None:
            return cached
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

    async def save(self, guild_id: int, state: PolicyState) -> None:
        """Persist and adopt `state` on its own (for changes not tied to an incident)."""
        await self.store.policy.apply(self.changes(guild_id, state))
        self.remember(guild_id, state)
