"""Check-ins: one private, kind message to a colleague a raised pattern is aimed at.

At most one per member and pattern a week (the store keeps when, so a restart changes
nothing); it says how to report and who the moderator is, and nothing about the senders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.policy import Decision, Routes
from bot.policy.checkin import checkin_targets
from bot.store.base import Store

CHECKIN_EVERY = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class CheckinPlan:
    """A check-in to send privately to `member_id`."""

    checkin_id: int
    guild_id: int
    member_id: int
    pattern: str
    moderator_user_id: int | None


class CheckinService:
    """Decides which check-ins go out and records their delivery."""

    def __init__(self, store: Store, routes: Routes, *, enabled: bool = True) -> None:
        """Bind to the store and each server's routing; `enabled` is UPSTANDER_CHECKIN_TARGETS."""
        self.store = store
        self.routes = routes
        self.enabled = enabled

    async def plan(
        self, guild_id: int, decision: Decision, now: datetime
    ) -> tuple[CheckinPlan, ...]:
        """The check-ins a decision earns, each claimed in the store (so never sent twice)."""
        if not self.enabled:
            return ()
        claimed: dict[int, tuple[int, list[str]]] = {}
        for pattern, member in checkin_targets(decision):
            checkin_id = await self.store.checkins.claim(
                guild_id, member, pattern, at=now, every=CHECKIN_EVERY
            )
            if checkin_id is not None:
                claimed.setdefault(member, (checkin_id, []))[1].append(pattern)
        # A message that raises two patterns about one colleague (targeted and pile-on) claims
        # both for the week, but sends one message. It names the moderator of the target's own
        # server, never another server's.
        moderator = self.routes.for_guild(guild_id).moderator_user_id
        return tuple(
            CheckinPlan(first, guild_id, member, "+".join(patterns), moderator)
            for member, (first, patterns) in claimed.items()
        )

    async def result(self, checkin_id: int, status: str, now: datetime) -> None:
        """Record whether it arrived."""
        await self.store.checkins.set_status(checkin_id, status, at=now)
