"""Serialisers: turn the fake world's dataclasses into Discord v10 JSON payloads."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .models import DM_CHANNEL, FakeChannel, FakeGuild, FakeRole, FakeUser, Payload


def now_iso() -> str:
    """Current time as Discord's ISO-8601 timestamp."""
    return datetime.now(UTC).isoformat()


def user_payload(user: FakeUser) -> Payload:
    """A user object."""
    return {
        "id": str(user.id),
        "username": user.name,
        "global_name": user.name,
        "discriminator": "0",
        "avatar": None,
        "bot": user.bot,
        "public_flags": 0,
        "flags": 0,
    }


def role_payload(role: FakeRole) -> Payload:
    """A role object."""
    return {
        "id": str(role.id),
        "name": role.name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": role.position,
        "permissions": str(role.permissions),
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


def member_payload(guild: FakeGuild, user: FakeUser, *, with_user: bool = True) -> Payload:
    """A guild member object (optionally without the nested user, as in MESSAGE_CREATE)."""
    data: Payload = {
        "roles": [str(r) for r in guild.members.get(user.id, [])],
        "nick": None,
        "avatar": None,
        "banner": None,
        "joined_at": now_iso(),
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "pending": False,
        "flags": 0,
        "communication_disabled_until": None,
    }
    if with_user:
        data["user"] = user_payload(user)
    return data


def channel_payload(channel: FakeChannel, users: dict[int, FakeUser]) -> Payload:
    """A guild text channel or DM channel object."""
    if channel.type == DM_CHANNEL:
        recipient = users[channel.recipient_id] if channel.recipient_id else None
        return {
            "id": str(channel.id),
            "type": DM_CHANNEL,
            "last_message_id": None,
            "recipients": [user_payload(recipient)] if recipient else [],
        }
    return {
        "id": str(channel.id),
        "type": channel.type,
        "guild_id": str(channel.guild_id),
        "name": channel.name,
        "position": channel.position,
        "permission_overwrites": [],
        "topic": None,
        "nsfw": False,
        "parent_id": None,
        "rate_limit_per_user": 0,
        "last_message_id": None,
        "flags": 0,
    }


def guild_create_payload(guild: FakeGuild, users: dict[int, FakeUser]) -> Payload:
    """A full GUILD_CREATE payload: roles, channels and every member (so no chunking)."""
    return {
        "id": str(guild.id),
        "name": guild.name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(guild.owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "premium_progress_bar_enabled": False,
        "preferred_locale": "en-US",
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "features": [],
        "vanity_url_code": None,
        "max_members": 500000,
        "joined_at": now_iso(),
        "large": False,
        "unavailable": False,
        "member_count": len(guild.members),
        "roles": [role_payload(r) for r in guild.roles.values()],
        "channels": [channel_payload(c, users) for c in guild.channels.values()],
        "members": [member_payload(guild, users[uid]) for uid in guild.members],
        "threads": [],
        "voice_states": [],
        "presences": [],
        "emojis": [],
        "stickers": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def message_payload(
    *,
    message_id: int,
    channel: FakeChannel,
    author: FakeUser,
    guild: FakeGuild | None,
    body: Payload,
    webhook_id: int | None = None,
) -> Payload:
    """A message object built from a send body (content, embeds, components, flags)."""
    data: Payload = {
        "id": str(message_id),
        "channel_id": str(channel.id),
        "author": user_payload(author),
        "content": body.get("content") or "",
        "timestamp": now_iso(),
        "edited_timestamp": None,
        "tts": bool(body.get("tts", False)),
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": list(body.get("embeds") or []),
        "components": list(body.get("components") or []),
        "pinned": False,
        "type": 0,
        "flags": int(body.get("flags") or 0),
    }
    if guild is not None:
        data["guild_id"] = str(guild.id)
        if author.id in guild.members:
            data["member"] = member_payload(guild, author, with_user=False)
    if webhook_id is not None:
        data["webhook_id"] = str(webhook_id)
    return data


def application_payload(app_id: int, bot: FakeUser, owner: FakeUser) -> Payload:
    """The ``GET /oauth2/applications/@me`` answer."""
    return {
        "id": str(app_id),
        "name": bot.name,
        "description": "fakediscord test application",
        "icon": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": user_payload(owner),
        "team": None,
        "verify_key": "0" * 64,
        "flags": 0,
        "bot": user_payload(bot),
    }


def command_payload(
    body: Payload, *, command_id: int, app_id: int, guild_id: int | None
) -> dict[str, Any]:
    """A registered application command, as returned by the bulk-overwrite endpoint."""
    data = dict(body)
    data.setdefault("type", 1)
    data.setdefault("description", "")
    data.setdefault("options", [])
    data.setdefault("default_member_permissions", None)
    data.setdefault("nsfw", False)
    data.update(id=str(command_id), application_id=str(app_id), version=str(command_id))
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
    return data
