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


def routing_warnings(settings: Settings) -> list[str]:
    """Problems with who is told, worth a warning at start-up."""
    warnings = []
    if not (settings.moderator_user_id or settings.moderator_channel_id):
        warnings.append(NO_MODERATOR)
    if not settings.reviewer_user_id:
        warnings.append(NO_REVIEWER)
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
    return " and ".join(places) if places else "NOBODY (no moderator is configured)"


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
