"""Issue #17's check-ins, appeals and evidence packs under issue #18's rules: each server's own
routing, and one definition of who may decide a case."""

from __future__ import annotations

import discord
import pytest
import simcord

from tests.gateway import test_two_servers
from tests.gateway.conftest import World
from tests.gateway.test_two_servers import Server
from tests.services.kit import INSULT, SLUR, THREAT

servers = test_two_servers.servers  # the fixture: servers A and B, each routed to its own people


async def test_a_checkin_names_the_moderator_of_the_targets_own_server(
    servers: tuple[Server, Server],
) -> None:
    a, b = servers
    carol = b.guild.add_member(a.member.user)  # in both servers, targeted in B

    for sender in (b.member, b.reporter, b.member):
        await sender.send(b.general, f"{carol.mention} you {INSULT}")

    (checkin,) = [m for m in carol.user.dm_channel.history() if "checking in" in m.content]
    assert b.mod.mention in checkin.content and a.mod.mention not in checkin.content
    assert a.mods_posts() == [] and a.mod_dms() == []


async def test_an_appeal_goes_to_the_moderators_of_the_incidents_server(
    servers: tuple[Server, Server],
) -> None:
    a, b = servers
    await b.member.send(b.general, f"{b.reporter.mention} the {SLUR} project is due")
    (nudge,) = [m for m in b.member.user.dm_channel.history() if m.author.bot]

    await b.member.user.click(nudge, label="I think this is a mistake")

    (posted,) = b.mods_posts()
    assert posted.content.startswith("Appeal, case #")
    assert a.mods_posts() == [] and a.mod_dms() == []
    resolved = await b.mod.click(posted, label="Resolve: no action")
    assert resolved.response is not None
    assert "The member was told privately" in (resolved.response.content or "")


async def test_a_servers_own_designated_moderator_may_name_reporters_in_a_pack(
    servers: tuple[Server, Server], simcord_env: simcord.Env
) -> None:
    _a, b = servers
    await b.member.send(b.general, f"I will {THREAT}")
    synced = await simcord_env.bot.tree.fetch_commands(guild=discord.Object(id=b.guild.id))
    group = next(c for c in synced if c.name == "upstander")
    b.guild.set_command_permissions(group, {b.mod: True})  # the command shown to B's moderator

    result = await b.mod.slash(b.general, "upstander export", member=b.member, reporter=True)

    assert result.response is not None and len(result.response.attachments) == 1


@pytest.fixture
async def team_lead(world: World) -> simcord.MemberActor:
    """A moderator by the configured role only (listed nowhere)."""
    leads = world.guild.create_role("Team leads", permissions=discord.Permissions.none())
    await world.restart(moderator_role_id=leads.id)
    return world.guild.add_member(world.env.create_user("carol"), roles=[leads])


async def test_a_moderators_appeal_goes_to_the_reviewer_who_alone_decides_it(
    world: World, team_lead: simcord.MemberActor
) -> None:
    await team_lead.send(world.general, f"{world.bob.mention} the {SLUR} project is due")
    (nudge,) = world.dms(team_lead)

    await team_lead.user.click(nudge, label="I think this is a mistake")

    (appeal,) = [m for m in world.dms(world.reviewer) if m.content.startswith("Appeal, case #")]
    assert world.mods_posts() == [] and world.dms(world.mod) == []
    (case,) = await world.bot.services.cases.open_cases(world.guild.id)
    assert (case.pattern, case.assigned_to) == ("appeal", world.reviewer.id)
    by_colleague = await world.mod.slash(
        world.general, "upstander resolve", id=case.id, outcome="false_positive"
    )
    assert by_colleague.response is not None
    assert by_colleague.response.content == "This case is for the reviewer."
    assert (await world.bot.services.store.cases.get(case.id)).state == "open"

    done = await world.reviewer.user.click(appeal, label="Resolve: false positive")

    assert done.response is not None
    assert "The member was told privately" in (done.response.content or "")
    assert "agreed it was a mistake" in world.dms(team_lead)[-1].content
    # The decider (here the reviewer, not a moderator) may add the example.
    added = await world.reviewer.user.click(done.response, label="Add as a must-pass example")
    assert added.response is not None and "local-examples.yaml" in (added.response.content or "")
    assert (world.settings.rules / "local-examples.yaml").exists()


async def test_no_evidence_pack_of_a_case_the_caller_may_not_decide(
    world: World, team_lead: simcord.MemberActor
) -> None:
    await team_lead.send(world.general, f"I will {THREAT}")
    (case,) = await world.bot.services.cases.open_cases(world.guild.id)

    of_case = await world.mod.slash(world.general, "upstander export", case=case.id)
    of_member = await world.mod.slash(world.general, "upstander export", member=team_lead)

    for result in (of_case, of_member):
        assert result.response is not None and not result.response.attachments
        assert result.response.content == "This case is for the reviewer."
    assert all(action != "evidence.export" for _, action, _ in await world.audit())
