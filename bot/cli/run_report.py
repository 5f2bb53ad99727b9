"""What `upstander run` says about itself: where escalations go, and the ready line."""

from __future__ import annotations

from bot.settings import Settings

NO_MODERATOR = (
    "no designated moderator: escalations and reports have nowhere to go. Set "
    "UPSTANDER_MODERATOR_USER_ID (alerts by DM) and/or UPSTANDER_MODERATOR_CHANNEL_ID (the "
    "moderators' channel); `upstander doctor` checks them"
)
NO_REVIEWER = (
    "no UPSTANDER_REVIEWER_USER_ID: a case about a moderator is recorded but shown to nobody "
    "(never to the moderators themselves)"
)


def _unkeyed_used(settings: Settings) -> bool:
    """Whether some server can fall back on the unkeyed `UPSTANDER_MODERATOR_*` settings."""
    listed = settings.guild_ids
    return not listed or any(guild not in settings.guild_routing for guild in listed)


def routing_warnings(settings: Settings) -> list[str]:
    """Problems with who is told, worth a warning at start-up."""
    warnings = []
    if _unkeyed_used(settings):
        if not (settings.moderator_user_id or settings.moderator_channel_id):
            warnings.append(NO_MODERATOR)
        if not settings.reviewer_user_id:
            warnings.append(NO_REVIEWER)
    for guild, routing in sorted(settings.guild_routing.items()):
        if not (routing.moderator_user_id or routing.moderator_channel_id):
            warnings.append(
                f"server {guild}: UPSTANDER_GUILD_ROUTING names no moderator_user_id or "
                "moderator_channel_id: its escalations have nowhere to go"
            )
        if not routing.reviewer_user_id:
            warnings.append(
                f"server {guild}: UPSTANDER_GUILD_ROUTING names no reviewer_user_id: a case "
                "about one of its moderators is recorded but shown to nobody"
            )
    return warnings


def server_warnings(settings: Settings, joined: set[int]) -> list[str]:
    """Once connected: servers the bot should serve but is not in (or none at all)."""
    if not joined:
        return ["the bot is in no server yet: invite it with `upstander invite-url CLIENT_ID`"]
    return [
        f"UPSTANDER_GUILD_IDS lists server {guild} but the bot is not in it: invite it with "
        "`upstander invite-url CLIENT_ID`"
        for guild in settings.guild_ids
        if guild not in joined
    ]


def alerts_go_to(settings: Settings) -> str:
    """Where moderator alerts are delivered, in words."""
    places = []
    if settings.moderator_user_id:
        places.append(f"user {settings.moderator_user_id} by DM")
    if settings.moderator_channel_id:
        places.append(f"channel {settings.moderator_channel_id}")
    unkeyed = " and ".join(places) if places else "NOBODY (no moderator is configured)"
    if not settings.guild_routing:
        return unkeyed
    routed = f"each of {len(settings.guild_routing)} server(s)' own (UPSTANDER_GUILD_ROUTING)"
    return f"{routed}, other servers: {unkeyed}" if _unkeyed_used(settings) else routed


def watching(settings: Settings, guild_count: int) -> str:
    """Which channels are watched, in words."""
    if settings.watched_channel_ids:
        channels = f"channels {', '.join(str(c) for c in settings.watched_channel_ids)}"
    else:
        channels = "all text channels"
    if settings.excluded_channel_ids:
        channels += f" except {', '.join(str(c) for c in settings.excluded_channel_ids)}"
    return f"{channels} in {guild_count} server(s)"


def ready_line(
    settings: Settings, user: str, guild_count: int, rules: int, version: str, source: str
) -> str:
    """One line once the bot is connected: who it is, its rules, what it watches, who is told."""
    return (
        f"ready: logged in as {user}; {rules} rules (version {version}) from {source}; "
        f"watching {watching(settings, guild_count)}; alerts go to {alerts_go_to(settings)}"
    )
