"""Alert and nudge buttons: they act, refuse non-moderators, audit every click, survive restarts."""

from __future__ import annotations

import discord

from tests.gateway.conftest import World
from tests.services.kit import SLUR, THREAT


async def alert_in_channel(world: World) -> tuple[discord.Message, int]:
    await world.alice.send(world.general, f"I will {THREAT}")
    (alert,) = world.mods_posts()
    (case,) = await world.bot.services.cases.open_cases(world.guild.id)
    return alert, case.id


async def test_acknowledge_then_resolve_from_the_alert(world: World) -> None:
    alert, case_id = await alert_in_channel(world)

    acked = await world.mod.click(alert, label="Acknowledge")
    resolved = await world.mod.click(alert, label="Resolve: action taken")

    assert acked.ephemeral and acked.response is not None
    assert acked.response.content == f"Case #{case_id} acknowledged by you."
    assert resolved.response is not None
    assert resolved.response.content == f"Case #{case_id} resolved: action taken."
    case = await world.bot.services.store.cases.get(case_id)
    assert (case.state, case.outcome) == ("resolved", "action_taken")
    assert case.resolved_by == world.mod.id
    entries = await world.audit()
    assert (f"moderator:{world.mod.id}", "button.acknowledge", f"case:{case_id}") in entries
    assert (f"moderator:{world.mod.id}", "button.resolve", f"case:{case_id}") in entries


async def test_non_moderator_click_is_refused_and_audited(world: World) -> None:
    alert, case_id = await alert_in_channel(world)

    clicked = await world.bob.click(alert, label="Resolve: false positive")

    assert clicked.response is not None and clicked.response.content == "Moderators only."
    assert (await world.bot.services.store.cases.get(case_id)).state == "open"
    assert (f"member:{world.bob.id}", "button.resolve", f"case:{case_id}") in await world.audit()


async def test_second_resolution_is_refused_in_one_sentence(world: World) -> None:
    alert, case_id = await alert_in_channel(world)
    await world.mod.click(alert, label="Resolve: no action")

    again = await world.mod.click(alert, label="Resolve: action taken")

    assert again.response is not None
    assert again.response.content == f"Case {case_id} is already resolved (no_action)."


async def test_alert_buttons_work_after_restart(world: World) -> None:
    alert, case_id = await alert_in_channel(world)

    await world.restart()
    clicked = await world.mod.click(alert, label="Acknowledge")

    assert clicked.response is not None
    assert clicked.response.content == f"Case #{case_id} acknowledged by you."


async def test_alert_buttons_work_from_the_moderators_dm(world: World) -> None:
    await world.alice.send(world.general, THREAT)
    (dm,) = world.dms(world.mod)

    clicked = await world.mod.user.click(dm, label="Acknowledge")

    assert clicked.response is not None and "acknowledged by you" in (
        clicked.response.content or ""
    )


async def test_false_positive_claim_from_the_nudge_tells_moderators(world: World) -> None:
    await world.alice.send(world.general, f"the {SLUR} project")
    (nudge,) = world.dms(world.alice)

    await world.restart()  # the DM button must outlive the process that sent it
    claimed = await world.alice.user.click(nudge, label="I think this is a mistake")

    assert claimed.response is not None
    assert claimed.response.content == (
        "Thanks, your claim is recorded and a moderator will review it. You will hear the "
        "outcome here."
    )
    (notice,) = world.mods_posts()
    assert f"<@{world.alice.id}> thinks the nudge" in notice.content
    assert SLUR not in notice.content
    assert any(
        actor == f"member:{world.alice.id}" and action == "nudge.false_positive_claim"
        for actor, action, _ in await world.audit()
    )
