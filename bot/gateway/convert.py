"""discord objects → the services' plain data. The only place that reads a `discord.Message`."""

from __future__ import annotations

import re

import discord

from bot.gateway.checks import actor_of
from bot.services.types import AutoModIn, DeleteIn, EditIn, MessageIn, ReportIn

# JSON may carry lone UTF-16 surrogates ("\ud800"); they cannot be encoded as UTF-8, so the
# store would fail to keep the evidence. One code point for one keeps every offset in place.
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Text safe to hash and store: each lone surrogate becomes U+FFFD, offsets unchanged."""
    return _SURROGATE.sub("\ufffd", text)


def _reply_author(message: discord.Message) -> int | None:
    reference = message.reference
    if reference is None:
        return None
    resolved = reference.resolved
    if isinstance(resolved, discord.Message):
        return resolved.author.id
    return None


def _mentions(message: discord.Message) -> tuple[int, ...]:
    return tuple(dict.fromkeys(m.id for m in message.mentions if m.id != message.author.id))


def places(channel: object) -> tuple[int, ...]:
    """The channel's id, its parent's (a thread's channel) and its category's, for rule scope."""
    ids = (
        getattr(channel, "id", None),
        getattr(channel, "parent_id", None),
        getattr(channel, "category_id", None),
    )
    return tuple(dict.fromkeys(i for i in ids if isinstance(i, int)))


def message_in(message: discord.Message, *, is_moderator: bool) -> MessageIn:
    """A new guild message as the services see it."""
    assert message.guild is not None
    return MessageIn(
        guild_id=message.guild.id,
        channel_id=message.channel.id,
        message_id=message.id,
        author_id=message.author.id,
        text=clean_text(message.content),
        at=message.created_at,
        mentions=_mentions(message),
        reply_to=_reply_author(message),
        author_is_moderator=is_moderator,
        link=message.jump_url,
        places=places(message.channel),
    )


def edit_in(message: discord.Message, *, is_moderator: bool) -> EditIn:
    """An edited guild message; `at` is the edit time."""
    assert message.guild is not None
    return EditIn(
        guild_id=message.guild.id,
        channel_id=message.channel.id,
        message_id=message.id,
        author_id=message.author.id,
        text=clean_text(message.content),
        at=message.edited_at or discord.utils.utcnow(),
        mentions=_mentions(message),
        reply_to=_reply_author(message),
        author_is_moderator=is_moderator,
        link=message.jump_url,
        places=places(message.channel),
    )


def delete_in(guild_id: int, channel_id: int, message_id: int) -> DeleteIn:
    """A deletion, stamped now (Discord does not say when)."""
    return DeleteIn(guild_id, channel_id, message_id, discord.utils.utcnow())


def report_in(
    message: discord.Message, reporter_id: int, reason: str | None, author: discord.abc.User
) -> ReportIn:
    """A member's report of `message`; `author` is its author as a member, when known."""
    assert message.guild is not None
    return ReportIn(
        guild_id=message.guild.id,
        channel_id=message.channel.id,
        message_id=message.id,
        reported_id=message.author.id,
        reporter_id=reporter_id,
        text=clean_text(message.content),
        at=discord.utils.utcnow(),
        reason=reason or None,
        link=message.jump_url,
        reported=actor_of(author),
    )


def automod_in(execution: discord.AutoModAction, *, is_moderator: bool) -> AutoModIn:
    """A message Discord's AutoMod blocked; without a message id we mint one from the time."""
    now = discord.utils.utcnow()
    return AutoModIn(
        guild_id=execution.guild_id,
        channel_id=execution.channel_id or 0,
        author_id=execution.user_id,
        alert_id=execution.message_id
        or execution.alert_system_message_id
        or discord.utils.time_snowflake(now),
        rule=str(execution.rule_id),
        text=clean_text(execution.content.strip()),
        at=now,
        author_is_moderator=is_moderator,
    )
