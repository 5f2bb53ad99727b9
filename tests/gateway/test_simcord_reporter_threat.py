"""With the shipped rules: one threat against whoever reported alerts the designated moderator on
that message (critical, in plain words, with the evidence), the sender is nudged privately and
nothing is posted in the channel; a member who reports is told privately what happens next."""

from __future__ import annotations

from pathlib import Path

from bot.gateway.cogs.report import MENU_NAME
from tests.gateway.conftest import World

SHIPPED_RULES = Path(__file__).resolve().parents[2] / "rules"
THREAT = "whoever went to HR about the rota is going to get hurt"


async def test_one_threat_against_whoever_reported_alerts_the_moderator_at_once(
    world: World,
) -> None:
    await world.restart(rules=SHIPPED_RULES)

    await world.alice.send(world.general, THREAT)

    # The designated moderator, by DM, on this first and only message.
    (alert,) = world.dms(world.mod)
    embed = alert.embeds[0]
    assert embed.title is not None and embed.title.startswith("New case")
    assert embed.description is not None
    assert "threat against someone who reported (retaliation/threat, critical)" in (
        embed.description
    )
    fields = {f.name: f.value for f in embed.fields}
    assert fields["Incidents"] == "1"
    assert fields["Offenders"] == f"<@{world.alice.id}>"
    timeline = fields["Timeline"] or ""
    assert "critical retaliation" in timeline
    assert f"“{THREAT}”" in timeline  # the evidence: the whole threat, not one word of it
    # The sender is nudged privately and told why.
    (nudge,) = world.dms(world.alice)
    assert (
        "threat against someone who reported — retaliation (critical); rule ret.reporter_threat"
        in nudge.content
    )
    assert "threatens whoever reported" in nudge.content
    # Nothing public: the bot posts nothing in the channel.
    assert [m for m in world.general.history() if m.author.bot] == []


async def test_a_member_who_reports_is_told_privately_it_was_received_and_what_next(
    world: World,
) -> None:
    target = await world.alice.send(world.general, "nobody wants you on this team")

    shown = await world.bob.context_menu(world.general, MENU_NAME, target)
    done = await world.bob.submit_modal(shown, {"reason": "third time this week"})

    assert done.ephemeral and done.response is not None  # only Bob sees it
    text = done.response.content or ""
    assert "your report was received" in text
    assert "What happens next" in text and "90 days" in text
    assert "threatens people for reporting" in text
    assert [m for m in world.general.history() if m.author.bot] == []
