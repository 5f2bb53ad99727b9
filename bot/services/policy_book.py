"""The escalation policy's memory per guild: loaded from the store once, saved with each decision.

Every decision for a guild runs under that guild's lock, so two messages handled at once never
both start from the same state and lose one another's counts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.policy import PolicyState, Routing
from bot.store.base import Store
from bot.store.clock import utc_now

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def state_key(guild_id: int) -> str:
    """The store key of one guild's policy state."""
    return f"policy:guild:{guild_id}"


class PolicyBook:
    """Per-guild `PolicyState`, cached in memory, persisted through the store."""

    def __init__(self, store: Store, routing: Routing, clock: Clock = utc_now) -> None:
        """Bind to the store; `routing` says who the moderators and the reviewer are."""
        self.store = store
        self.routing = routing
        self.clock = clock
        self._states: dict[int, PolicyState] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    def lock(self, guild_id: int) -> asyncio.Lock:
        """The lock every read-decide-write of this guild's state holds."""
        return self._locks.setdefault(guild_id, asyncio.Lock())

    async def state(self, guild_id: int) -> PolicyState:
        """The current state (call with the guild's lock held)."""
        cached = self._states.get(guild_id)
        if cached is not None:
            return cached
        raw = await self.store.policy.load(state_key(guild_id))
        state = PolicyState()
        if raw is not None:
            try:
                state = PolicyState.from_json(raw)
            except (ValueError, KeyError, TypeError):
                # A state we cannot read must not stop moderation; the incidents stay in the store.
                log.exception("policy state of guild %s unreadable; starting afresh", guild_id)
        self._states[guild_id] = state
        return state

    def updates(self, guild_id: int, state: PolicyState) -> dict[str, Any]:
        """The `policy_updates` argument that persists `state` in the same transaction."""
        return {state_key(guild_id): state.to_json()}

    def remember(self, guild_id: int, state: PolicyState) -> None:
        """Adopt `state` once the store has committed it."""
        self._states[guild_id] = state

    async def save(self, guild_id: int, state: PolicyState) -> None:
        """Persist and adopt `state` on its own (for changes not tied to an incident)."""
        await self.store.policy.save(self.updates(guild_id, state))
        self.remember(guild_id, state)
