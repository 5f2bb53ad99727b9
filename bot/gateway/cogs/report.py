""" "Report to moderators": a message context menu for everyone, with an optional reason."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.gateway import convert, render
from bot.gateway.checks import actor_of
from bot.gateway.errors import reply_error
from bot.policy.authority import report_refusal
from bot.services.reports import ReportRefusedError

if TYPE_CHECKING:
    from bot.gateway.client import UpstanderBot

MENU_NAME = "Report to moderators"


class ReportModal(discord.ui.Modal, title="Report to moderators"):
    """Asks for an optional reason, then files the report."""

    reason: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="What is wrong? (optional)",
        style=discord.TextStyle.paragraph,
        required=False,
        max_length=1000,
        custom_id="reason",
    )

    def __init__(self, bot: UpstanderBot, target: discord.Message) -> None:
        super().__init__()
        self.bot = bot
        self.target = target

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """File the report, confirm privately, then tell the moderator."""
        target = self.target
        # A reported message carries its author as a user: their roles come from the server.
        author = (
            await self.bot.member_of(interaction.guild_id, target.author.id)
            if interaction.guild_id is not None
            else None
        )
        filed = await self.bot.services.reports.file(
            convert.report_in(
                target, interaction.user.id, self.reason.value, author or target.author
            )
        )
        if filed.duplicate:
            await interaction.response.send_message(
                "You have already reported this message; the moderators have it.", ephemeral=True
            )
            return
        await interaction.response.send_message(
            render.report_received(filed.watch_days), ephemeral=True
        )
        await self.bot.courier.report(filed)

    async def on_error(  # type: ignore[override]  # Modal's signature lacks the item
        self, interaction: discord.Interaction, error: Exception, /
    ) -> None:
        """Same handling as every other interaction."""
        await reply_error(interaction, error)


class ReportCog(commands.Cog):
    """Adds the context menu; open to every member."""

    def __init__(self, bot: UpstanderBot) -> None:
        """Build the menu for `bot`."""
        self.bot = bot
        self.menu = app_commands.ContextMenu(name=MENU_NAME, callback=self.report)
        self.menu.guild_only = True

    async def cog_load(self) -> None:
        """Add the menu to the tree."""
        self.bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        """Remove it again."""
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    async def report(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Open the reason modal for the reported message."""
        refusal = report_refusal(actor_of(interaction.user), actor_of(message.author))
        if refusal is not None:
            raise ReportRefusedError(refusal)
        await interaction.response.send_modal(ReportModal(self.bot, message))
