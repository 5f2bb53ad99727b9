"""The fake server's single source of truth: users, guilds, channels, commands, messages."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from .models import (
    DM_CHANNEL,
    FakeChannel,
    FakeGuild,
    FakeInteraction,
    FakeRole,
    FakeUser,
    Payload,
    Snowflakes,
)
from .payloads import command_payload, message_payload

# Permissions given to the bot's managed role: view, send, embed, read history, manage
# messages, moderate members; enough for a moderation bot, short of administrator.
BOT_PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 16) | (1 << 13) | (1 << 40)


@dataclass
class World:
    """Everything the fake Discord knows; REST handlers and the test both mutate it."""

    ids: Snowflakes = field(default_factory=Snowflakes)
    users: dict[int, FakeUser] = field(default_factory=dict)
    guilds: dict[int, FakeGuild] = field(default_factory=dict)
    channels: dict[int, FakeChannel] = field(default_factory=dict)
    dm_channels: dict[int, int] = field(default_factory=dict)
    global_commands: list[Payload] = field(default_factory=list)
    guild_commands: dict[int, list[Payload]] = field(default_factory=dict)
    interactions: dict[int, FakeInteraction] = field(default_factory=dict)
    sent: list[Payload] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.application_id = self.ids.next()
        self.bot = self.add_user("upstander-test", bot=True, user_id=self.application_id)
        self.owner = self.add_user("app-owner")

    # ----------------------------------------------------------------- builders

    def add_user(self, name: str, *, bot: bool = False, user_id: int | None = None) -> FakeUser:
        """Create a user account."""
        user = FakeUser(id=user_id or self.ids.next(), name=name, bot=bot)
        self.users[user.id] = user
        return user

    def add_guild(self, name: str) -> FakeGuild:
        """Create a guild with @everyone, a bot role, and the bot as a member."""
        owner = self.add_user(f"{name}-owner")
        guild = FakeGuild(id=self.ids.next(), name=name, owner_id=owner.id)
        guild.roles[guild.id] = FakeRole(id=guild.id, name="@everyone", permissions=0x640)
        self.guilds[guild.id] = guild
        guild.members[owner.id] = []
        bot_role = self.add_role(guild, self.bot.name, permissions=BOT_PERMISSIONS)
        guild.members[self.bot.id] = [bot_role.id]
        return guild

    def add_role(self, guild: FakeGuild, name: str, *, permissions: int = 0) -> FakeRole:
        """Create a role in a guild."""
        role = FakeRole(
            id=self.ids.next(), name=name, permissions=permissions, position=len(guild.roles)
        )
        guild.roles[role.id] = role
        return role

    def add_text_channel(self, guild: FakeGuild, name: str) -> FakeChannel:
        """Create a guild text channel."""
        channel = FakeChannel(
            id=self.ids.next(), name=name, guild_id=guild.id, position=len(guild.channels)
        )
        guild.channels[channel.id] = channel
        self.channels[channel.id] = channel
        return channel

    def add_member(
        self, guild: FakeGuild, user: FakeUser, roles: list[FakeRole] | None = None
    ) -> FakeUser:
        """Make a user a member of a guild."""
        guild.members[user.id] = [r.id for r in roles or []]
        return user

    def dm_channel(self, user_id: int) -> FakeChannel:
        """The bot's DM channel with a user, created on first use."""
        if user_id not in self.users:
            raise KeyError(user_id)
        channel_id = self.dm_channels.get(user_id)
        if channel_id is None:
            channel = FakeChannel(
                id=self.ids.next(), name=None, type=DM_CHANNEL, recipient_id=user_id
            )
            self.channels[channel.id] = channel
            self.dm_channels[user_id] = channel.id
            return channel
        return self.channels[channel_id]

    # ----------------------------------------------------------------- messages

    def guild_of(self, channel: FakeChannel) -> FakeGuild | None:
        """The guild a channel belongs to, if any."""
        return self.guilds.get(channel.guild_id) if channel.guild_id else None

    def create_message(
        self,
        channel: FakeChannel,
        author: FakeUser,
        body: Payload,
        *,
        webhook_id: int | None = None,
    ) -> Payload:
        """Store a new message and return its payload."""
        payload = message_payload(
            message_id=self.ids.next(),
            channel=channel,
            author=author,
            guild=self.guild_of(channel),
            body=body,
            webhook_id=webhook_id,
        )
        channel.messages[int(payload["id"])] = payload
        if author.id == self.bot.id:
            self.sent.append(payload)
        return payload

    def edit_message(self, channel: FakeChannel, message_id: int, body: Payload) -> Payload:
        """Apply an edit body to a stored message and return the new payload."""
        payload = channel.messages[message_id]
        for key in ("content", "embeds", "components", "flags"):
            if key in body and body[key] is not None:
                payload[key] = body[key]
        payload["edited_timestamp"] = payload["timestamp"]
        return payload

    # ----------------------------------------------------------------- commands

    def register_commands(self, guild_id: int | None, bodies: list[Payload]) -> list[Payload]:
        """Bulk-overwrite the global or a guild's command list."""
        known = self.global_commands if guild_id is None else self.guild_commands.get(guild_id, [])
        previous = {(c["name"], c["type"]): c["id"] for c in known}
        registered = []
        for body in bodies:
            key = (body["name"], body.get("type", 1))
            command_id = int(previous.get(key) or self.ids.next())
            registered.append(
                command_payload(
                    body, command_id=command_id, app_id=self.application_id, guild_id=guild_id
                )
            )
        if guild_id is None:
            self.global_commands = registered
        else:
            self.guild_commands[guild_id] = registered
        return registered

    def find_command(self, name: str, guild_id: int | None, type_: int = 1) -> Payload:
        """A registered command by name, preferring the guild's own commands."""
        candidates = [*self.guild_commands.get(guild_id or 0, []), *self.global_commands]
        for command in candidates:
            if command["name"] == name and command.get("type", 1) == type_:
                return command
        raise LookupError(f"command {name!r} was never synced by the bot")

    def new_interaction(
        self, *, type_: int, channel: FakeChannel, user: FakeUser, data: Payload
    ) -> FakeInteraction:
        """Create and remember an interaction with a fresh id and token."""
        interaction = FakeInteraction(
            id=self.ids.next(),
            token=secrets.token_urlsafe(24),
            type=type_,
            channel_id=channel.id,
            guild_id=channel.guild_id,
            user_id=user.id,
            data=data,
        )
        self.interactions[interaction.id] = interaction
        return interaction

    def interaction_by_token(self, token: str) -> FakeInteraction | None:
        """Find an interaction from the token used in webhook (followup) routes."""
        return next((i for i in self.interactions.values() if i.token == token), None)

    def resolve(self, value: Any) -> Any:
        """Turn fake objects used as option values into their ids."""
        return getattr(value, "id", value)
