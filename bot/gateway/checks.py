"""Who is a moderator, written once: listed user ids, the moderator role, or the permission."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.settings import Settings

# The permission that marks a moderator when no role is configured, and the hint given to
# Discord (`default_permissions`) so the commands are hidden from everyone else.
MODERATOR_PERMISSION = discord.Permissions(moderate_members=True)


class NotModeratorError(app_commands.CheckFailure):
    """Raised by the moderator check; the error handler answers "Moderators only."."""


def is_moderator(
    user: discord.abc.User,
    settings: Settings,
    permissions: discord.Permissions | None = None,
) -> bool:
    """True for listed moderators, holders of the moderator role, and members with the permission.

    `permissions` are the member's permissions where they act (an interaction's), if known.
    """
    if user.id in settings.moderator_user_ids or user.id == settings.moderator_user_id:
        return True
    if isinstance(user, discord.Member):
        if settings.moderator_role_id is not None and user.get_role(settings.moderator_role_id):
            return True
        permissions = permissions or user.guild_permissions
    if permissions is None:
        return False
    return permissions.administrator or permissions.moderate_members


def may_review(user: discord.abc.User, settings: Settings) -> bool:
    """The independent reviewer may act on the cases sent to them, moderator or not."""
    return settings.reviewer_user_id is not None and user.id == settings.reviewer_user_id


def settings_of(interaction: discord.Interaction) -> Settings:
    """The settings of the bot handling this interaction."""
    return interaction.client.settings  # type: ignore[attr-defined,no-any-return]


class ModeratorGroup(app_commands.Group):
    """A command group that only moderators may use: hidden by default and enforced here."""

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Refuse anyone who is not a moderator (the Discord-side visibility is only a hint)."""
        if is_moderator(interaction.user, settings_of(interaction), interaction.permissions):
            return True
        raise NotModeratorError("Moderators only.")
