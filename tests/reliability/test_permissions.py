"""Every `/upstander` command, invoked by someone who may not use it, is refused in one private
sentence and audited: a member, a moderator of another server, anyone in a DM. Alert buttons
clicked by a non-moderator are refused and audited too.

Discord itself hides these commands (default permissions, guild-only); the tests get past that
the way a server admin (command permission overrides) or a crafted interaction could, so that
what is checked is the bot's own enforcement.
"""

from __future__ import annotations

from typing import Any

import discord
import pytest
import simcord
import simcord.actors
from discord import app_commands

from bot.gateway.checks import NotModeratorError
from tests.gateway.conftest import World
from tests.services.kit import THREAT

# Every leaf of /upstander with valid options ("member" is filled in with a real member).
COMMANDS: list[tuple[str, dict[str, Any]]] = [
    ("upstander history", {"member": None}),
    ("upstander case", {"id": 1}),
    ("upstander cases", {}),
    ("upstander resolve", {"id": 1, "outcome": "no_action"}),
    ("upstander note", {"member": None, "text": "x"}),
    ("upstander stats", {}),
    ("upstander export", {}),
    ("upstander rules test", {"text": "x"}),
    ("upstander rules reload", {}),
    ("upstander rules status", {}),
    ("upstander audit verify", {}),
]
IDS = [name.removeprefix("upstander ") for name, _ in COMMANDS]


def _options(options: dict[str, Any], member: simcord.MemberActor) -> dict[str, Any]:
    return {k: (member if v is None else v) for k, v in options.items()}


async def _shown_to(world: World, *members: simcord.MemberActor) -> None:
    """What a server admin can do: make /upstander visible to members who are not moderators."""
    synced = await world.bot.tree.fetch_commands()
    group = next(c for c in synced if c.name == "upstander")
    world.guild.set_command_permissions(group, dict.fromkeys(members, True))


async def _refusals(world: World, user_id: int) -> list[str]:
    return [
        subject
        for actor, action, subject in await world.audit()
        if actor == f"member:{user_id}" and action == "command.refused"
    ]


def _private_sentence(result: simcord.InteractionResult) -> str:
    assert result.ephemeral and result.response is not None
    return result.response.content or ""


@pytest.fixture
def carol(world: World) -> simcord.MemberActor:
    """A moderator of another server, and a plain member of this one."""
    other = world.env.create_guild("Other company")
    other_mods = other.create_role("Mods", permissions=discord.Permissions(moderate_members=True))
    user = world.env.create_user("carol")
    other.add_member(user, roles=[other_mods])
    return world.guild.add_member(user)


@pytest.mark.parametrize(("command", "options"), COMMANDS, ids=IDS)
async def test_member_is_refused_and_audited(
    world: World, command: str, options: dict[str, Any]
) -> None:
    await _shown_to(world, world.alice)

    result = await world.alice.slash(world.general, command, **_options(options, world.bob))

    assert _private_sentence(result) == "Moderators only."
    assert [type(e) for e in world.env.errors] == [NotModeratorError]
    assert await _refusals(world, world.alice.id) == [f"command:{command}"]


@pytest.mark.parametrize(("command", "options"), COMMANDS, ids=IDS)
async def test_moderator_of_another_server_is_refused_and_audited(
    world: World, carol: simcord.MemberActor, command: str, options: dict[str, Any]
) -> None:
    await _shown_to(world, carol)

    result = await carol.slash(world.general, command, **_options(options, world.bob))

    assert _private_sentence(result) == "Moderators only."
    assert [type(e) for e in world.env.errors] == [NotModeratorError]
    assert await _refusals(world, carol.id) == [f"command:{command}"]


async def test_moderator_of_another_server_cannot_read_this_servers_case(
    world: World, carol: simcord.MemberActor
) -> None:
    """In her own server carol is a moderator; this server's cases stay out of her reach."""
    await world.alice.send(world.general, f"I will {THREAT}")
    (case,) = await world.bot.services.cases.open_cases(world.guild.id)
    other = world.env.create_guild("Carol's own")
    mods = other.create_role("Mods", permissions=discord.Permissions(moderate_members=True))
    home = other.create_text_channel("general")
    carol_there = other.add_member(carol.user, roles=[mods])

    result = await carol_there.slash(home, "upstander case", id=case.id)

    assert _private_sentence(result) == f"No case {case.id}."  # as if it did not exist
    assert len(world.env.errors) == 1  # NotFoundError, answered by the tree's handler


# A member option cannot name anyone in a DM (simcord refuses to build one), so `history` and
# `note` are left out here; the check that refuses runs before any option is read anyway.
DM_COMMANDS = [(c, o) for c, o in COMMANDS if "member" not in o]


@pytest.mark.parametrize(("command", "options"), DM_COMMANDS, ids=[c for c, _ in DM_COMMANDS])
@pytest.mark.parametrize("who", ["member", "listed_moderator"])
async def test_command_from_a_dm_is_refused_and_audited(
    world: World, monkeypatch: pytest.MonkeyPatch, who: str, command: str, options: dict[str, Any]
) -> None:
    # Discord never offers a guild-only command in a DM; a crafted interaction can still arrive.
    monkeypatch.setattr(simcord.actors, "_check_command_access", lambda *a, **k: None)
    actor = world.alice if who == "member" else world.mod  # mod: the configured moderator id

    result = await actor.user.slash(command, **options)

    assert _private_sentence(result) == "This works only in a server."
    assert [type(e) for e in world.env.errors] == [app_commands.NoPrivateMessage]
    assert await _refusals(world, actor.id) == [f"command:{command}"]


BUTTONS = [
    "Acknowledge",
    "Resolve: action taken",
    "Resolve: no action",
    "Resolve: false positive",
]


@pytest.mark.parametrize("label", BUTTONS)
@pytest.mark.parametrize("who", ["member", "moderator_elsewhere"])
async def test_alert_button_clicked_by_non_moderator_is_refused_and_audited(
    world: World, carol: simcord.MemberActor, who: str, label: str
) -> None:
    await world.alice.send(world.general, f"I will {THREAT}")
    (alert,) = world.mods_posts()
    (case,) = await world.bot.services.cases.open_cases(world.guild.id)
    clicker = world.bob if who == "member" else carol

    clicked = await clicker.click(alert, label=label)

    assert _private_sentence(clicked) == "Moderators only."
    after = await world.bot.services.store.cases.get(case.id)
    assert (after.state, after.acknowledged_by) == ("open", None)
    action = "button.acknowledge" if label == "Acknowledge" else "button.resolve"
    assert (f"member:{clicker.id}", action, f"case:{case.id}") in await world.audit()
