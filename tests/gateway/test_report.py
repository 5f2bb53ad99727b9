"""Members report privately; only the designated moderator learns who; retaliation is watched."""

from __future__ import annotations

import simcord

from bot.gateway.cogs.report import MENU_NAME
from bot.gateway.render import report_received
from tests.gateway.conftest import World
from tests.services.kit import INSULT


async def report(world: World, reporter: simcord.MemberActor, target: object, why: str) -> str:
    shown = await reporter.context_menu(world.general, MENU_NAME, target)
    assert shown.modal is not None and shown.modal["title"] == "Report to moderators"
    done = await reporter.submit_modal(shown, {"reason": why})
    assert done.ephemeral and done.response is not None
    return done.response.content or ""


async def test_member_reports_and_only_the_designated_moderator_learns_who(
    world: World,
) -> None:
    target = await world.alice.send(world.general, "nobody wants you on this team")

    confirmation = await report(world, world.bob, target, "she keeps doing this")

    assert confirmation == report_received(90)  # the policy's default watch
    (channel_copy,) = world.mods_posts()
    reporter_field = next(f for f in channel_copy.embeds[0].fields if f.name == "Reporter")
    assert reporter_field.value == "hidden"
    assert str(world.bob.id) not in str(channel_copy.embeds[0].to_dict())
    (moderator_copy,) = world.dms(world.mod)
    named = next(f for f in moderator_copy.embeds[0].fields if f.name == "Reporter")
    assert named.value.startswith(f"<@{world.bob.id}>")
    assert [m for m in world.general.history() if m.author.bot] == []  # nothing public
    actions = [a for _, a, _ in await world.audit()]
    assert actions.count("report") == 1 and "report.reveal" in actions


async def test_reported_member_hostile_to_reporter_escalates_at_once(world: World) -> None:
    target = await world.alice.send(world.general, "nobody wants you on this team")
    await report(world, world.bob, target, "")

    await world.alice.send(world.general, f"{world.bob.mention} you {INSULT}, snitch")

    # To the designated moderator alone: whom it aims at is the reporter.
    alert = world.dms(world.mod)[-1]
    assert alert.embeds[0].title is not None
    assert "Retaliation against a reporter" in alert.embeds[0].title
    assert not any("Retaliation" in (m.embeds[0].title or "") for m in world.mods_posts())


async def test_reporting_the_same_message_twice_is_acknowledged_once(world: World) -> None:
    target = await world.alice.send(world.general, "hmm")
    await report(world, world.bob, target, "")

    again = await report(world, world.bob, target, "")

    assert again.startswith("You have already reported this message")
    assert len(world.mods_posts()) == 1


async def test_reporting_your_own_message_is_refused(world: World) -> None:
    own = await world.bob.send(world.general, "my message")

    shown = await world.bob.context_menu(world.general, MENU_NAME, own)

    assert shown.response is not None
    assert shown.response.content == "You cannot report your own message."
    assert len(world.env.errors) == 1  # handled by the tree's on_error, recorded by simcord
