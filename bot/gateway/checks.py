"""Who is a moderator, written once: listed user ids, the moderator role, or the permission."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.settings import Settings

# The permission that marks a moderator when no role is configured, and the hint given to
# Discord (`default_permissions`) so the commands are hidden from everyone else.
MODERATOR_PERMISSION = discord.Permissions(moderate_members=True)

log = logging.getLogger(__name__)


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


def refusal_for(interaction: discord.Interaction) -> app_commands.CheckFailure | None:
    """Why this interaction may not use a moderator command, or None when it may."""
    settings = settings_of(interaction)
    if interaction.guild_id is None:
        # Discord hides guild-only commands in DMs, but a crafted interaction must fail too:
        # in a DM there is no server whose moderator the user could be.
        return app_commands.NoPrivateMessage("This works only in a server.")
    if settings.guild_ids and interaction.guild_id not in settings.guild_ids:
        return NotModeratorError("Moderators only.")  # a server this bot does not serve
    if not is_moderator(interaction.user, settings, interaction.permissions):
        return NotModeratorError("Moderators only.")
    return None


async def audit_refusal(interaction: discord.Interaction, refusal: Exception) -> None:
    """Record a refused command in the audit log; a store outage must not turn it into a yes."""
    name = interaction.command.qualified_name if interaction.command else "?"
    try:
        await interaction.client.services.store.audit.record(  # type: ignore[attr-defined]
            f"member:{interaction.user.id}",
            "command.refused",
            f"command:{name}",
            {"guild": interaction.guild_id, "reason": type(refusal).__name__},
        )
    except Exception:
        log.exception("could not audit refused command %s of user %s", name, interaction.user.id)


class ModeratorGroup(app_commands.Group):
    """A command group that only moderators may use: hidden by default and enforced here."""

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Refuse and audit anyone not a moderator here (Discord's visibility is a hint)."""
        refusal = refusal_for(interaction)
        if refusal is None:
            return True
        await audit_refusal(interaction, refusal)
        raise refusal
