"""`UPSTANDER_GUILD_ROUTING`: each server's moderator, channel, reviewer and role.

Set by the operator, not by a slash command: the reviewer exists to be independent of the
moderators, so who reviews must not be something a server's moderators (or admins) can change
from Discord. A JSON object keyed by server id, for example

    UPSTANDER_GUILD_ROUTING={"111": {"moderator_user_id": 5, "moderator_channel_id": 6,
                                     "reviewer_user_id": 7, "moderator_role_id": 8}}

A server without an entry uses the unkeyed `UPSTANDER_MODERATOR_*` / `UPSTANDER_REVIEWER_USER_ID`
settings; with several servers in `UPSTANDER_GUILD_IDS` every one needs its own entry, so one
server's evidence can never reach another's moderators.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class GuildRouting(BaseModel):
    """One server's routing; the same keys as the unkeyed settings, lower case, no prefix."""

    model_config = ConfigDict(extra="forbid")

    moderator_user_id: int | None = None
    moderator_channel_id: int | None = None
    reviewer_user_id: int | None = None
    moderator_role_id: int | None = None
    moderator_user_ids: list[int] = Field(default_factory=list)


def routing_problem(guild_ids: list[int], routing: dict[int, GuildRouting]) -> str | None:
    """Why this combination would misroute (a sentence), or None when every server is covered."""
    if guild_ids:
        unserved = sorted(set(routing) - set(guild_ids))
        if unserved:
            return (
                f"names server(s) {', '.join(map(str, unserved))} that UPSTANDER_GUILD_IDS "
                "does not list"
            )
    if len(guild_ids) > 1:
        missing = [g for g in guild_ids if g not in routing]
        if missing:
            return (
                f"UPSTANDER_GUILD_IDS lists {len(guild_ids)} servers; give each its own "
                f"routing here (missing: {', '.join(map(str, missing))}), so that no server's "
                "alerts reach another server's moderators"
            )
    return None
