"""Plain data the fake server keeps: users, guilds, roles, channels, interactions."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

DISCORD_EPOCH_MS = 1_420_070_400_000
ADMINISTRATOR = 1 << 3
ALL_PERMISSIONS = (1 << 53) - 1

TEXT_CHANNEL = 0
DM_CHANNEL = 1

Payload = dict[str, Any]


class Snowflakes:
    """Generates increasing snowflakes whose timestamps are "now", like Discord's."""

    def __init__(self) -> None:
        self._counter = itertools.count()

    def next(self) -> int:
        """Return a fresh snowflake id."""
        millis = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (millis << 22) | (next(self._counter) & 0x3FFFFF)


@dataclass
class FakeUser:
    """A Discord user account (human or bot)."""

    id: int
    name: str
    bot: bool = False

    @property
    def mention(self) -> str:
        """The ``<@id>`` mention string."""
        return f"<@{self.id}>"


@dataclass
class FakeRole:
    """A guild role; the ``@everyone`` role shares the guild's id."""

    id: int
    name: str
    permissions: int = 0
    position: int = 0


@dataclass
class FakeChannel:
    """A guild text channel or a DM channel, with the messages posted in it."""

    id: int
    name: str | None
    type: int = TEXT_CHANNEL
    guild_id: int | None = None
    recipient_id: int | None = None
    position: int = 0
    messages: dict[int, Payload] = field(default_factory=dict)

    @property
    def mention(self) -> str:
        """The ``<#id>`` mention string."""
        return f"<#{self.id}>"


@dataclass
class FakeGuild:
    """A guild: roles, channels, and members (user id → role ids)."""

    id: int
    name: str
    owner_id: int
    roles: dict[int, FakeRole] = field(default_factory=dict)
    channels: dict[int, FakeChannel] = field(default_factory=dict)
    members: dict[int, list[int]] = field(default_factory=dict)

    def permissions_of(self, user_id: int) -> int:
        """Guild-level permissions of a member (no channel overwrites are modelled)."""
        if user_id == self.owner_id:
            return ALL_PERMISSIONS
        value = self.roles[self.id].permissions
        for role_id in self.members.get(user_id, []):
            value |= self.roles[role_id].permissions
        return ALL_PERMISSIONS if value & ADMINISTRATOR else value


@dataclass
class FakeInteraction:
    """An interaction the test injected, and everything the bot answered to it."""

    id: int
    token: str
    type: int
    channel_id: int
    guild_id: int | None
    user_id: int
    data: Payload
    callbacks: list[Payload] = field(default_factory=list)
    followups: list[Payload] = field(default_factory=list)
    original_message_id: int | None = None

    @property
    def response_type(self) -> int | None:
        """The callback type of the first answer (4 message, 5 defer, 9 modal, ...)."""
        return self.callbacks[0]["type"] if self.callbacks else None

    @property
    def response_data(self) -> Payload:
        """The ``data`` of the first callback, or an empty dict."""
        return dict(self.callbacks[0].get("data") or {}) if self.callbacks else {}

    @property
    def ephemeral(self) -> bool:
        """Whether the first answer carried the EPHEMERAL flag (64)."""
        return bool(int(self.response_data.get("flags", 0)) & 64)
