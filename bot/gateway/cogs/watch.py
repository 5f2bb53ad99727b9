"""Watches messages, edits, deletions and AutoMod blocks in watched channels and threads."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.gateway import convert

if TYPE_CHECKING:
    from bot.gateway.client import UpstanderBot

# Only what members write: joins, pins and thread-created notices are Discord's own text.
_MEMBER_TYPES = (discord.MessageType.default, discord.MessageType.reply)


class WatchCog(commands.Cog):
    """Hands watched traffic to the moderation service and delivers what it decides."""

    def __init__(self, bot: UpstanderBot) -> None:
        """Watch for `bot`."""
        self.bot = bot

    def _wanted(self, message: discord.Message) -> bool:
        if message.guild is None or message.author.bot or message.webhook_id is not None:
            return False
        if message.type not in _MEMBER_TYPES or not message.content:
            return False
        return self.bot.watches(message.channel, message.guild.id)

    def _by_moderator(self, message: discord.Message) -> bool:
        guild_id = message.guild.id if message.guild is not None else 0
        return self.bot.author_is_moderator(message.author, guild_id)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Judge a new message; nudge and alert as the policy says."""
        if not self._wanted(message):
            return
        incoming = convert.message_in(message, is_moderator=self._by_moderator(message))
        outcome = await self.bot.services.moderation.handle_message(incoming)
        await self.bot.courier.deliver(outcome)
        self.bot.retry_kept_soon()  # the store refused it: retry until it takes it

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        """Re-check an edit (cached or not); the earlier flagged version stays on record."""
        message = payload.message
        if payload.guild_id is None or not self._wanted(message):
            return
        incoming = convert.edit_in(message, is_moderator=self._by_moderator(message))
        outcome = await self.bot.services.moderation.handle_edit(incoming)
        await self.bot.courier.deliver(outcome)

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        """Record the deletion of a flagged message (others leave no trace)."""
        if payload.guild_id is None:
            return
        await self.bot.services.moderation.handle_delete(
            convert.delete_in(payload.guild_id, payload.channel_id, payload.message_id)
        )

    @commands.Cog.listener()
    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        """A purge: record each flagged message among them."""
        if payload.guild_id is None:
            return
        for message_id in sorted(payload.message_ids):
            await self.bot.services.moderation.handle_delete(
                convert.delete_in(payload.guild_id, payload.channel_id, message_id)
            )

    @commands.Cog.listener()
    async def on_automod_action(self, execution: discord.AutoModAction) -> None:
        """Count a message Discord's AutoMod blocked (one event per action: blocks only)."""
        if execution.action.type is not discord.AutoModRuleActionType.block_message:
            return
        guild = self.bot.get_guild(execution.guild_id)
        member = guild.get_member(execution.user_id) if guild is not None else None
        is_mod = member is not None and self.bot.author_is_moderator(member, execution.guild_id)
        block = convert.automod_in(execution, is_moderator=is_mod)
        outcome = await self.bot.services.moderation.handle_automod(block)
        await self.bot.courier.deliver(outcome)
        self.bot.retry_kept_soon()
