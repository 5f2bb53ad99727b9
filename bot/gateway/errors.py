"""Errors handled in one place: logged with context, shown to the user as one short sentence."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.gateway.checks import NotModeratorError
from bot.services.records import ForbiddenError, NotFoundError, StateError
from bot.services.reports import ReportRefusedError
from bot.services.rules_live import RulesUnavailableError

log = logging.getLogger(__name__)


def sentence_for(error: BaseException) -> str:
    """The one sentence a user sees for an error."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, NotModeratorError):
        return "Moderators only."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This works only in a server."
    if isinstance(error, app_commands.CheckFailure):
        return "You are not allowed to do that."
    if isinstance(error, (NotFoundError, StateError, ForbiddenError, ReportRefusedError)):
        text = str(error).rstrip(".")
        return text[:1].upper() + text[1:] + "."
    if isinstance(error, RulesUnavailableError):
        return "The rules are not loaded; check `/upstander rules status`."
    return "Something went wrong; it has been logged for the bot's operator."


def _expected(error: BaseException) -> bool:
    original = getattr(error, "original", error)
    return isinstance(
        original,
        (app_commands.CheckFailure, NotFoundError, StateError, ForbiddenError, ReportRefusedError),
    )


async def reply_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Log an interaction's error with its context and answer it privately in one sentence."""
    where = interaction.command.qualified_name if interaction.command else interaction.data
    if _expected(error):
        log.info("refused %s for user %s: %s", where, interaction.user.id, error)
    else:
        log.error(
            "error in %s (user %s, guild %s, channel %s)",
            where,
            interaction.user.id,
            interaction.guild_id,
            interaction.channel_id,
            exc_info=error,
        )
    text = sentence_for(error)
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not tell user %s about the error", interaction.user.id)


class UpstanderTree(app_commands.CommandTree[discord.Client]):
    """The command tree whose `on_error` is the single handler for app-command errors."""

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Log and answer in one sentence."""
        await reply_error(interaction, error)
