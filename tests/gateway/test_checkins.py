"""Check-ins: the colleague a targeted pattern aims at gets one kind private message a week."""

from __future__ import annotations

from datetime import timedelta

import pytest
import simcord

from bot.store import StoreUnavailableError
from tests.gateway.conftest import World
from tests.services.kit import INSULT


async def _target_three_times(world: World, carol: simcord.MemberActor) -> None:
    """Three flagged messages aimed at carol (the default targeted-colleague threshold)."""
    for sender in (world.alice, world.bob, world.alice):
        await sender.send(world.general, f"{carol.mention} you {INSULT}")


async def test_checkin_is_sent_once_for_a_targeted_pattern_and_not_repeated(
    world: World,
) -> None:
    carol = world.guild.add_member(world.env.create_user("carol"))

    await _target_three_times(world, carol)

    (checkin,) = world.dms(carol)
    assert "checking in privately" in checkin.content
    assert world.mod.mention in checkin.content and "Report to moderators" in checkin.content
    for sender in (world.alice, world.bob):  # nothing about who sent them, nor what
        assert sender.mention not in checkin.content and str(sender.id) not in checkin.content
    assert INSULT not in checkin.content and world.general.mention not in checkin.content
    assert ("bot", "checkin", f"member:{carol.id}") in await world.audit()

    # More of the same, and a restart in between: still the one message.
    await world.restart()
    await world.bob.send(world.general, f"{carol.mention} {INSULT}")
    await world.alice.send(world.general, f"{carol.mention} {INSULT} again")
    assert len(world.dms(carol)) == 1


async def test_no_checkin_when_switched_off(world: World) -> None:
    carol = world.guild.add_member(world.env.create_user("carol"))
    await world.restart(checkin_targets=False)

    await _target_three_times(world, carol)

    assert world.dms(carol) == []
    assert (await world.bot.services.cases.open_cases(world.guild.id)) != []  # still raised


async def test_weekly_limit_lives_in_the_store(world: World) -> None:
    checkins = world.bot.services.store.checkins
    now = world.env.now()

    first = await checkins.claim(1, 2, "pile_on", at=now, every=timedelta(days=7))
    again = await checkins.claim(
        1, 2, "pile_on", at=now + timedelta(days=6), every=timedelta(days=7)
    )
    other = await checkins.claim(1, 2, "targeted_colleague", at=now, every=timedelta(days=7))
    later = await checkins.claim(
        1, 2, "pile_on", at=now + timedelta(days=8), every=timedelta(days=7)
    )

    assert first is not None and again is None and other is not None and later is not None


async def test_a_failed_checkin_never_costs_the_alert(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    carol = world.guild.add_member(world.env.create_user("carol"))

    async def refuse(*args: object, **kwargs: object) -> int | None:
        raise StoreUnavailableError("database is locked")

    monkeypatch.setattr(world.bot.services.store.checkins, "claim", refuse)
    await _target_three_times(world, carol)

    assert world.dms(carol) == []
    assert any("A colleague is being targeted" in m.content for m in world.mods_posts())
    assert not world.bot.services.moderation.kept  # stored, not kept for a retry
