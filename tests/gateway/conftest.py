"""A simulated workplace server (simcord) running the real Upstander bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import pytest
import simcord
from pydantic import SecretStr

from bot.gateway import UpstanderBot, create_bot
from bot.settings import Settings
from tests.services.kit import write_rules


@pytest.fixture
def base_settings(tmp_path: Path) -> Settings:
    """Settings for tests: temp database and rules, no hot-reload loop, no .env read."""
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        discord_token=SecretStr("test-token"),
        rules=write_rules(tmp_path / "rules"),
        database=tmp_path / "upstander.db",
        rules_poll_seconds=0,
    )


@pytest.fixture
def simcord_bot(base_settings: Settings) -> UpstanderBot:
    """The bot simcord starts first; `world` restarts it with the server's ids in its settings."""
    return create_bot(base_settings)


@dataclass
class World:
    """One guild: a general channel, the moderators' channel, a moderator, members, a reviewer."""

    env: simcord.Env
    guild: simcord.GuildHandle
    general: simcord.ChannelHandle
    mods_channel: simcord.ChannelHandle
    mod: simcord.MemberActor
    alice: simcord.MemberActor
    bob: simcord.MemberActor
    reviewer: simcord.MemberActor
    settings: Settings

    @property
    def bot(self) -> UpstanderBot:
        """The running bot."""
        assert isinstance(self.env.bot, UpstanderBot)
        return self.env.bot

    async def restart(self, **changes: Any) -> UpstanderBot:
        """Restart the bot (same database, same Discord world), optionally with new settings."""
        old = self.bot
        self.settings = self.settings.model_copy(update=changes)
        await self.env.restart_bot(create_bot(self.settings, clock=self.env.now))
        await old.close()
        return self.bot

    def dms(self, member: simcord.MemberActor) -> list[discord.Message]:
        """Messages the bot sent to a member privately, oldest first."""
        channel = member.user.dm_channel
        return [m for m in channel.history() if m.author.bot]

    def mods_posts(self) -> list[discord.Message]:
        """What the bot posted in the moderators' channel."""
        return [m for m in self.mods_channel.history() if m.author.bot]

    async def audit(self) -> list[tuple[str, str, str]]:
        """(actor, action, subject) of every audit entry."""
        store = self.bot.services.store
        return [(e.actor, e.action, e.subject) async for e in store.audit.entries()]


@pytest.fixture
async def world(simcord_env: simcord.Env, base_settings: Settings) -> AsyncIterator[World]:
    """Build the server, then restart the bot with its ids configured."""
    env = simcord_env
    guild = env.create_guild("Workplace")
    general = guild.create_text_channel("general")
    mods_channel = guild.create_text_channel("moderators")
    mods = guild.create_role("Mods", permissions=discord.Permissions(moderate_members=True))
    mod = guild.add_member(env.create_user("mod"), roles=[mods])
    alice = guild.add_member(env.create_user("alice"))
    bob = guild.add_member(env.create_user("bob"))
    reviewer = guild.add_member(env.create_user("reviewer"))
    settings = base_settings.model_copy(
        update={
            "moderator_user_id": mod.id,
            "moderator_channel_id": mods_channel.id,
            "moderator_role_id": mods.id,
            "reviewer_user_id": reviewer.id,
        }
    )
    first = env.bot
    assert isinstance(first, UpstanderBot)
    await env.restart_bot(create_bot(settings, clock=env.now))
    await first.close()
    made = World(env, guild, general, mods_channel, mod, alice, bob, reviewer, settings)
    yield made
    await made.bot.close()
