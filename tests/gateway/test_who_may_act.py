"""One definition of who may act: a moderator by role or by permission, never listed anywhere,
is treated as a moderator everywhere: reported to the reviewer, and not the decider of a case
about a fellow moderator that went to the reviewer."""

from __future__ import annotations

import discord
import pytest
import simcord

from tests.gateway.conftest import World
from tests.gateway.test_report import report
from tests.services.kit import THREAT


@pytest.fixture
async def team_lead(world: World) -> simcord.MemberActor:
    """A moderator by the configured role only: the role carries no permission at all."""
    leads = world.guild.create_role("Team leads", permissions=discord.Permissions.none())
    await world.restart(moderator_role_id=leads.id)
    return world.guild.add_member(world.env.create_user("carol"), roles=[leads])


@pytest.fixture(params=["by role", "by permission"])
async def unlisted_moderator(world: World, request: pytest.FixtureRequest) -> simcord.MemberActor:
    """A moderator listed nowhere: by the configured role (which grants nothing), or by holding
    Timeout Members through a role nobody configured."""
    if request.param == "by role":
        leads = world.guild.create_role("Team leads", permissions=discord.Permissions.none())
        await world.restart(moderator_role_id=leads.id)
        return world.guild.add_member(world.env.create_user("carol"), roles=[leads])
    helpers = world.guild.create_role(
        "Helpers", permissions=discord.Permissions(moderate_members=True)
    )
    return world.guild.add_member(world.env.create_user("dave"), roles=[helpers])


async def test_a_reported_moderator_by_role_or_permission_goes_to_the_reviewer(
    world: World, unlisted_moderator: simcord.MemberActor
) -> None:
    moderator = unlisted_moderator
    target = await moderator.send(world.general, "nobody wants you on this team")

    await report(world, world.bob, target, "my lead keeps saying this")

    (told,) = world.dms(world.reviewer)
    named = next(f for f in told.embeds[0].fields if f.name == "Reporter")
    assert named.value.startswith(f"<@{world.bob.id}>")
    assert world.mods_posts() == []  # not the moderators' channel
    assert world.dms(world.mod) == []  # nor the designated moderator, a colleague
    assert world.dms(moderator) == []


async def test_the_same_report_about_a_member_goes_to_the_moderators(world: World) -> None:
    target = await world.alice.send(world.general, "nobody wants you on this team")

    await report(world, world.bob, target, "")

    assert len(world.mods_posts()) == 1 and len(world.dms(world.mod)) == 1
    assert world.dms(world.reviewer) == []


async def test_a_threat_by_a_moderator_by_role_or_permission_alerts_the_reviewer_only(
    world: World, unlisted_moderator: simcord.MemberActor
) -> None:
    await unlisted_moderator.send(world.general, f"I will {THREAT}")

    (alert,) = [m for m in world.dms(world.reviewer) if m.embeds]
    assert alert.content.startswith("Case #")
    assert world.mods_posts() == [] and world.dms(world.mod) == []


async def test_a_case_sent_to_the_reviewer_is_decided_by_the_reviewer_alone(
    world: World, team_lead: simcord.MemberActor
) -> None:
    await team_lead.send(world.general, f"I will {THREAT}")
    (alert,) = [m for m in world.dms(world.reviewer) if m.embeds]
    (case,) = await world.bot.services.cases.open_cases(world.guild.id)
    # The designated moderator is the offender's colleague: never sent the alert, and refused
    # when resolving the case by command.
    by_command = await world.mod.slash(
        world.general, "upstander resolve", id=case.id, outcome="no_action"
    )
    assert (await world.bot.services.store.cases.get(case.id)).state == "open"

    done = await world.reviewer.user.click(alert, label="Resolve: action taken")

    assert by_command.response is not None
    assert by_command.response.content == "This case is for the reviewer."
    assert done.response is not None
    assert done.response.content == f"Case #{case.id} resolved: action taken."
    entries = await world.audit()
    assert (f"member:{world.mod.id}", "command.refused", "command:upstander resolve") in entries


async def test_nobody_decides_their_own_case(world: World) -> None:
    await world.mod.send(world.general, f"I will {THREAT}")
    (case,) = await world.bot.services.cases.open_cases(world.guild.id)

    own = await world.mod.slash(world.general, "upstander resolve", id=case.id, outcome="no_action")

    assert own.response is not None
    assert own.response.content == "This case is about you; someone else must decide it."
    assert (await world.bot.services.store.cases.get(case.id)).state == "open"


async def test_a_case_sent_to_the_reviewer_is_not_shown_to_the_colleagues(
    world: World, unlisted_moderator: simcord.MemberActor
) -> None:
    await unlisted_moderator.send(world.general, f"I will {THREAT}")
    await world.alice.send(world.general, f"I will {THREAT}")
    about_moderator, about_alice = await world.bot.services.cases.open_cases(world.guild.id)

    listed = await world.mod.slash(world.general, "upstander cases")
    shown = await world.mod.slash(world.general, "upstander case", id=about_moderator.id)
    history = await world.mod.slash(world.general, "upstander history", member=unlisted_moderator)

    assert listed.response is not None and listed.response.content is not None
    assert f"#{about_alice.id}" in listed.response.content
    assert f"#{about_moderator.id}" not in listed.response.content
    assert shown.response is not None
    assert shown.response.content == "This case is for the reviewer."
    assert history.response is not None and history.response.content is not None
    assert f"case #{about_moderator.id}" not in history.response.content
    assert "0 case(s)" in history.response.content
