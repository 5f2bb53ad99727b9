"""Discord members → `Actor`s for the one definition of who may act (bot/policy/authority.py)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

import discord
from discord import app_commands

from bot.policy.authority import Actor, Routing, case_refusal, command_refusal
from bot.services.records import Case
from bot.settings import Settings

# The permission that marks a moderator when no role is configured, and the hint given to
# Discord (`default_permissions`) so the commands are hidden from everyone else.
MODERATOR_PERMISSION = discord.Permissions(moderate_members=True)

log = logging.getLogger(__name__)


class NotModeratorError(app_commands.CheckFailure):
    """Raised by the moderator check; the error handler answers "Moderators only."."""


def actor_of(user: discord.abc.User, permissions: discord.Permissions | None = None) -> Actor:
    """The person as `bot.policy.authority` sees them, built once per event or click.

    `permissions` are the member's permissions where they act (an interaction's), if known;
    a member's server-wide permissions otherwise.
    """
    roles: frozenset[int] = frozenset()
    if isinstance(user, discord.Member):
        roles = frozenset(role.id for role in user.roles)
        permissions = permissions or user.guild_permissions
    may_timeout = permissions is not None and (
        permissions.administrator or permissions.moderate_members
    )
    return Actor(user.id, roles, may_timeout, user.bot)


def routing_of(interaction: discord.Interaction) -> Routing:
    """The routing of the server this interaction comes from."""
    bot = interaction.client
    return bot.routing(interaction.guild_id or 0)  # type: ignore[attr-defined,no-any-return]


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
    actor = actor_of(interaction.user, interaction.permissions)
    why = command_refusal(actor, routing_of(interaction))
    return None if why is None else NotModeratorError(why)


def visible_cases(
    user: discord.abc.User,
    routing: Routing,
    cases: Iterable[Case],
    permissions: discord.Permissions | None,
) -> list[Case]:
    """The cases `user` may see: those they may decide (not their own, not the reviewer's)."""
    return [c for c in cases if case_refusal_of(user, routing, c, permissions) is None]


def case_refusal_of(
    user: discord.abc.User, routing: Routing, case: Case, permissions: discord.Permissions | None
) -> str | None:
    """Why `user` may not acknowledge or resolve `case` (a sentence), or None when they may."""
    return case_refusal(
        actor_of(user, permissions),
        routing,
        subject_id=case.subject_id,
        assigned_to=case.assigned_to,
    )


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
