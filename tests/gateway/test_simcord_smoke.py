"""Smoke test: drive a tiny throwaway bot through simcord's simulated Discord.

This file is the runnable companion of ``docs/dev/simcord.md``. The bot below is
defined here on purpose (it is not Upstander's bot): it shows every moving part a
Discord-layer test needs — a cog listener that DMs the author, a slash command group
guarded by a permission check, a message context menu that opens a modal, and a
persistent ``DynamicItem`` button that still works after a bot restart.
"""

from __future__ import annotations

import re
from typing import Any

import discord
import pytest
import simcord
from discord import app_commands
from discord.ext import commands

NUDGE = "Hey, that message may hurt people. Please reconsider."


class AckButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"ack:(?P<case>\d+)"):
    """Persistent button: its state lives in the custom_id, so it survives restarts."""

    def __init__(self, case: int) -> None:
        super().__init__(discord.ui.Button(label="Acknowledge", custom_id=f"ack:{case}"))
        self.case = case

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> AckButton:
        """Rebuild the button from the custom_id Discord sends back."""
        return cls(int(match["case"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        """Confirm the acknowledgement privately to the clicker."""
        await interaction.response.send_message(f"Case {self.case} acknowledged", ephemeral=True)


class ReportModal(discord.ui.Modal, title="Report message"):
    """Modal opened by the "Report message" context menu."""

    reason: discord.ui.TextInput[ReportModal] = discord.ui.TextInput(
        label="What is wrong?", custom_id="reason"
    )

    def __init__(self, target: discord.Message) -> None:
        super().__init__()
        self.target = target

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Thank the reporter privately."""
        await interaction.response.send_message(
            f"Reported message {self.target.id}: {self.reason.value}", ephemeral=True
        )


class WatchCog(commands.Cog):
    """Listens to guild messages and nudges authors of flagged ones by DM."""

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """DM the author when the message contains the test trigger word."""
        if message.author.bot or message.guild is None:
            return
        if "badword" in message.content.lower():
            await message.author.send(NUDGE)


class ModGroup(app_commands.Group):
    """`/mod ...`: hidden from non-moderators by default, and enforced by a real check."""

    @app_commands.command(description="Warn a member")
    @app_commands.checks.has_permissions(moderate_members=True)
    async def warn(
        self, interaction: discord.Interaction, member: discord.Member, reason: str
    ) -> None:
        """Reply privately; a real bot would record the warning."""
        await interaction.response.send_message(
            f"Warned {member.mention}: {reason}", ephemeral=True
        )

    @app_commands.command(description="Post a case alert with a persistent button")
    @app_commands.checks.has_permissions(moderate_members=True)
    async def alert(self, interaction: discord.Interaction, case: int) -> None:
        """Post an alert carrying a DynamicItem button."""
        view = discord.ui.View(timeout=None)
        view.add_item(AckButton(case))
        await interaction.response.send_message(f"Case {case} needs review", view=view)


@app_commands.context_menu(name="Report message")
async def report_message(interaction: discord.Interaction, message: discord.Message) -> None:
    """Open the report modal for the targeted message."""
    await interaction.response.send_modal(ReportModal(message))


class SmokeBot(commands.Bot):
    """Throwaway bot: everything is registered and synced in setup_hook, as in production."""

    def __init__(self) -> None:
        intents = discord.Intents.default()
        intents.message_content = True
        intents.members = True
        super().__init__(command_prefix=commands.when_mentioned, intents=intents)
        self.tree.error(self.on_app_command_error)

    async def setup_hook(self) -> None:
        """Add cog, commands and persistent items, then sync (simcord enforces the sync)."""
        await self.add_cog(WatchCog())
        self.tree.add_command(
            ModGroup(
                name="mod",
                description="Moderator tools",
                guild_only=True,
                default_permissions=discord.Permissions(moderate_members=True),
            )
        )
        self.tree.add_command(report_message)
        self.add_dynamic_items(AckButton)
        await self.tree.sync()

    async def on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Refuse politely instead of leaving the interaction unanswered."""
        if isinstance(error, app_commands.MissingPermissions):
            await interaction.response.send_message("Moderators only.", ephemeral=True)
            return
        raise error


@pytest.fixture
def simcord_bot() -> SmokeBot:
    """The simcord pytest plugin's hook: build a fresh bot for each test."""
    return SmokeBot()


World = tuple[simcord.GuildHandle, simcord.ChannelHandle, simcord.MemberActor, simcord.MemberActor]


def build_world(env: simcord.Env) -> World:
    """One guild, one channel, a moderator and an ordinary member."""
    guild = env.create_guild("Smoke")
    channel = guild.create_text_channel("general")
    mods = guild.create_role("Mods", permissions=discord.Permissions(moderate_members=True))
    moderator = guild.add_member(env.create_user("mod"), roles=[mods])
    member = guild.add_member(env.create_user("alice"))
    return guild, channel, moderator, member


async def test_flagged_message_dms_the_author(simcord_env: simcord.Env) -> None:
    _guild, channel, _moderator, member = build_world(simcord_env)

    await member.send(channel, "you are a BADWORD")
    await member.send(channel, "a perfectly fine message")

    dms = [m.content for m in member.user.dm_channel.history()]
    assert dms == [NUDGE]


async def test_moderator_runs_slash_subcommand_ephemerally(simcord_env: simcord.Env) -> None:
    _guild, channel, moderator, member = build_world(simcord_env)

    result = await moderator.slash(channel, "mod warn", member=member, reason="spam")

    assert result.ephemeral
    assert result.response is not None
    assert result.response.content == f"Warned {member.mention}: spam"
    assert channel.history(viewer=member) == []  # ephemeral: only the moderator sees it


async def test_non_moderator_is_refused(simcord_env: simcord.Env) -> None:
    guild, channel, _moderator, member = build_world(simcord_env)

    # default_permissions hides the group from the member, as the Discord client would.
    assert "mod warn" not in member.available_commands(channel)
    with pytest.raises(simcord.SetupError, match="default-member-permissions"):
        await member.slash(channel, "mod warn", member=member, reason="x")

    # An admin override makes it visible; the bot's own check must still refuse.
    assert isinstance(simcord_env.bot, SmokeBot)
    synced = await simcord_env.bot.tree.fetch_commands()
    guild.set_command_permissions(next(c for c in synced if c.name == "mod"), {member: True})
    result = await member.slash(channel, "mod warn", member=member, reason="x")

    assert result.ephemeral
    assert result.response is not None
    assert result.response.content == "Moderators only."
    # simcord records app-command errors even when tree.on_error handled them;
    # reading env.errors acknowledges them so teardown does not fail the test.
    assert [type(e) for e in simcord_env.errors] == [app_commands.MissingPermissions]


async def test_member_reports_message_via_context_menu_and_modal(
    simcord_env: simcord.Env,
) -> None:
    _guild, channel, moderator, member = build_world(simcord_env)
    target = await moderator.send(channel, "something nasty")

    shown = await member.context_menu(channel, "Report message", target)
    assert shown.modal is not None and shown.modal["title"] == "Report message"
    submitted = await member.submit_modal(shown, {"reason": "targets me"})

    assert submitted.ephemeral
    assert submitted.response is not None
    assert submitted.response.content == f"Reported message {target.id}: targets me"


async def test_persistent_button_works_after_restart(simcord_env: simcord.Env) -> None:
    _guild, channel, moderator, _member = build_world(simcord_env)
    alert = await moderator.slash(channel, "mod alert", case=42)
    assert alert.response is not None

    await simcord_env.restart_bot(SmokeBot())  # new process, same Discord world
    clicked = await moderator.click(alert.response, label="Acknowledge")

    assert clicked.ephemeral
    assert clicked.response is not None
    assert clicked.response.content == "Case 42 acknowledged"


async def test_edit_and_delete_reach_raw_listeners(simcord_env: simcord.Env) -> None:
    _guild, channel, _moderator, member = build_world(simcord_env)
    seen: list[tuple[str, int, bool]] = []

    async def on_raw_message_edit(payload: discord.RawMessageUpdateEvent) -> None:
        seen.append(("edit", payload.message_id, payload.cached_message is not None))

    async def on_raw_message_delete(payload: discord.RawMessageDeleteEvent) -> None:
        seen.append(("delete", payload.message_id, payload.cached_message is not None))

    assert isinstance(simcord_env.bot, SmokeBot)
    simcord_env.bot.add_listener(on_raw_message_edit)
    simcord_env.bot.add_listener(on_raw_message_delete)
    message = await member.send(channel, "first draft")
    await member.edit(message, "second draft")
    await member.delete(message)

    assert seen == [("edit", message.id, True), ("delete", message.id, True)]
