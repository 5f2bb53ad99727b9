"""A real discord.py client, over real HTTP and websocket on 127.0.0.1, against FakeDiscord."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from .models import FakeChannel, FakeGuild, FakeUser
from .server import FakeDiscord, point_discord_py_at

NUDGE = "Please reconsider that message."
MODERATE_MEMBERS = discord.Permissions(moderate_members=True).value


class TinyBot(commands.Bot):
    """Throwaway bot: DMs authors of flagged messages; `/mod warn` for moderators only."""

    def __init__(self) -> None:
        intents = discord.Intents.default()
        intents.message_content = True
        intents.members = True
        # guild_ready_timeout only delays on_ready; a short one keeps the test quick.
        super().__init__(command_prefix="!", intents=intents, guild_ready_timeout=0.05)
        self.tree.error(self.refuse)

    async def setup_hook(self) -> None:
        """Register and sync the command tree, as a production bot does."""
        group = app_commands.Group(
            name="mod",
            description="Moderator tools",
            guild_only=True,
            default_permissions=discord.Permissions(moderate_members=True),
        )

        @group.command(description="Warn a member")
        @app_commands.checks.has_permissions(moderate_members=True)
        async def warn(
            interaction: discord.Interaction, member: discord.Member, reason: str
        ) -> None:
            await interaction.response.send_message(
                f"Warned {member.mention}: {reason}", ephemeral=True
            )

        self.tree.add_command(group)
        await self.tree.sync()

    async def on_message(self, message: discord.Message) -> None:
        """Nudge the author privately when a message contains the trigger word."""
        if not message.author.bot and "badword" in message.content:
            await message.author.send(NUDGE)

    async def refuse(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Answer refused commands instead of leaving them unanswered."""
        await interaction.response.send_message("Moderators only.", ephemeral=True)


@dataclass
class Scene:
    """A running server with a connected bot and a small populated guild."""

    server: FakeDiscord
    bot: TinyBot
    guild: FakeGuild
    channel: FakeChannel
    moderator: FakeUser
    member: FakeUser


@pytest.fixture
async def scene() -> AsyncIterator[Scene]:
    """Start the server, populate it, start the bot, and tear everything down after."""
    async with FakeDiscord() as server:
        undo = point_discord_py_at(server.api_base, server.gateway_url)
        guild = server.add_guild("Fake Guild")
        channel = server.add_text_channel(guild, "general")
        mods = server.add_role(guild, "Mods", permissions=MODERATE_MEMBERS)
        moderator = server.add_member(guild, "mod", roles=[mods])
        member = server.add_member(guild, "alice")
        bot = TinyBot()
        runner = asyncio.create_task(bot.start(server.token))
        try:
            await server.wait_until_identified()
            await asyncio.wait_for(bot.wait_until_ready(), timeout=5)
            yield Scene(server, bot, guild, channel, moderator, member)
        finally:
            await bot.close()
            await asyncio.wait_for(runner, timeout=5)
            undo()


async def test_bot_logs_in_and_sees_the_guild(scene: Scene) -> None:
    cached = scene.bot.get_guild(scene.guild.id)

    assert scene.bot.user is not None and scene.bot.user.id == scene.server.bot_user.id
    assert cached is not None and {m.name for m in cached.members} >= {"mod", "alice"}
    assert [c["name"] for c in scene.server.world.global_commands] == ["mod"]


async def test_flagged_message_is_answered_with_a_dm(scene: Scene) -> None:
    await scene.server.post_message(scene.channel, scene.member, "you badword")

    dm = await scene.server.wait_for_dm(scene.member)

    assert dm["content"] == NUDGE
    assert scene.server.messages_in(scene.channel)[-1]["content"] == "you badword"


async def test_edit_and_delete_reach_the_bot(scene: Scene) -> None:
    seen: list[str] = []

    async def on_raw_message_edit(payload: discord.RawMessageUpdateEvent) -> None:
        seen.append(f"edit:{payload.data['content']}")

    async def on_raw_message_delete(payload: discord.RawMessageDeleteEvent) -> None:
        seen.append(f"delete:{payload.cached_message is not None}")

    scene.bot.add_listener(on_raw_message_edit)
    scene.bot.add_listener(on_raw_message_delete)
    message = await scene.server.post_message(scene.channel, scene.member, "draft")

    await scene.server.edit_message(message, "final")
    await scene.server.delete_message(message)

    await scene.server.wait_for(lambda: len(seen) == 2)
    assert seen == ["edit:final", "delete:True"]


async def test_moderator_slash_command_round_trip(scene: Scene) -> None:
    interaction = await scene.server.invoke_slash(
        scene.channel, scene.moderator, "mod warn", member=scene.member, reason="spam"
    )

    callback = await scene.server.wait_for_callback(interaction)

    assert callback["type"] == 4
    assert interaction.ephemeral
    assert interaction.response_data["content"] == f"Warned {scene.member.mention}: spam"


async def test_non_moderator_is_refused(scene: Scene) -> None:
    interaction = await scene.server.invoke_slash(
        scene.channel, scene.member, "mod warn", member=scene.moderator, reason="x"
    )

    await scene.server.wait_for_callback(interaction)

    assert interaction.response_data["content"] == "Moderators only."


async def test_resume_replays_missed_events_and_shutdown_is_clean(scene: Scene) -> None:
    await scene.server.request_reconnect()
    await scene.server.post_message(scene.channel, scene.member, "badword during reconnect")

    await scene.server.wait_for_dm(scene.member)
    await scene.server.wait_for(lambda: scene.server.gateway.resumes == 1)
    await scene.bot.close()

    await scene.server.wait_for(lambda: len(scene.server.gateway.close_codes) == 2)
    # discord.py's poll loop closes the socket first, so even Client.close() puts 4000
    # (not 1000) on the wire; what matters is one session, resumed, and no reconnect.
    assert len(scene.server.gateway.sessions) == 1
    assert scene.server.gateway.resumes == 1
    assert scene.server.unknown_routes == []
