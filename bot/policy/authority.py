"""Who may act, written once: moderators, the independent reviewer, reporters. Pure.

The gateway builds an `Actor` from a Discord member once (its roles, and whether it holds
*Timeout Members* where it acts); every check (commands, buttons, reports, where a case goes)
asks the functions here with the server's `Routing`. Facts the caller does not know (the roles
of a member who left) count as absent, so a listed id is the one definition that always holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True, slots=True)
class Routing:
    """One server's people: who is told, who reviews, and who counts as a moderator."""

    moderator_user_id: int | None = None
    moderator_channel_id: int | None = None
    reviewer_user_id: int | None = None
    moderator_ids: frozenset[int] = frozenset()  # listed moderators besides the designated one
    moderator_role_id: int | None = None


@dataclass(frozen=True, slots=True)
class Routes:
    """Routing per server; a server without its own entry uses `default`."""

    default: Routing = Routing()
    by_guild: Mapping[int, Routing] = field(default_factory=dict)

    def for_guild(self, guild_id: int) -> Routing:
        """The routing of one server."""
        return self.by_guild.get(guild_id, self.default)

    def every(self) -> tuple[Routing, ...]:
        """Each distinct routing once (for messages to every server's moderators)."""
        return tuple(dict.fromkeys((self.default, *self.by_guild.values())))


@dataclass(frozen=True, slots=True)
class Actor:
    """A person as the checks see them; `may_timeout` is *Timeout Members* (or Administrator)."""

    user_id: int
    role_ids: frozenset[int] = frozenset()
    may_timeout: bool = False
    is_bot: bool = False


def is_moderator(actor: Actor, routing: Routing) -> bool:
    """Listed moderators (the designated one too), the moderator role, and the permission."""
    return (
        actor.user_id == routing.moderator_user_id
        or actor.user_id in routing.moderator_ids
        or (routing.moderator_role_id is not None and routing.moderator_role_id in actor.role_ids)
        or actor.may_timeout
    )


def is_moderator_id(user_id: int, routing: Routing) -> bool:
    """`is_moderator` for someone known only by id (roles and permissions unknown)."""
    return is_moderator(Actor(user_id), routing)


def is_reviewer(actor: Actor, routing: Routing) -> bool:
    """The independent reviewer of cases that involve a moderator."""
    return routing.reviewer_user_id is not None and actor.user_id == routing.reviewer_user_id


def command_refusal(actor: Actor, routing: Routing) -> str | None:
    """Why `actor` may not use the moderators' commands, or None when they may."""
    return None if is_moderator(actor, routing) else "Moderators only."


def case_refusal(
    actor: Actor, routing: Routing, *, subject_id: int, assigned_to: int | None
) -> str | None:
    """Why `actor` may not acknowledge or resolve a case, or None when they may.

    Nobody decides their own case; a case sent to the reviewer is the reviewer's alone (the
    other moderators are the offender's colleagues); any other case is for any moderator or
    the reviewer.
    """
    if actor.user_id == subject_id:
        return "This case is about you; someone else must decide it."
    reviewer = routing.reviewer_user_id
    if reviewer is not None and assigned_to == reviewer:
        return None if is_reviewer(actor, routing) else "This case is for the reviewer."
    if is_moderator(actor, routing) or is_reviewer(actor, routing):
        return None
    return "Moderators only."


def report_refusal(reporter: Actor, reported: Actor) -> str | None:
    """Why `reporter` may not report a message by `reported`, or None when they may."""
    if reported.is_bot:
        return "Messages from bots cannot be reported here."
    if reporter.user_id == reported.user_id:
        return "You cannot report your own message."
    return None


RouteTo = Literal["moderator", "reviewer"]


def case_recipient(
    offenders: tuple[int, ...],
    moderator_offender: bool,
    routing: Routing,
    *,
    reporter_involved: bool = False,
) -> tuple[RouteTo, int | None, int | None]:
    """(to, user, channel) for a case or report about `offenders`.

    Anyone who is a moderator by any definition among them (`moderator_offender` says so for
    what only the gateway could see: roles, permissions) sends it to the reviewer alone, never
    to an offender nor to the moderators' channel they read. When the reporter is involved
    (retaliation, a report) only a person may see it, not the channel.
    """
    involved = moderator_offender or any(is_moderator_id(o, routing) for o in offenders)
    if not involved:
        if reporter_involved and routing.moderator_user_id is not None:
            return "moderator", routing.moderator_user_id, None
        return "moderator", routing.moderator_user_id, routing.moderator_channel_id
    reviewer = routing.reviewer_user_id
    if reviewer is None or reviewer in offenders:
        return "reviewer", None, None
    return "reviewer", reviewer, None
