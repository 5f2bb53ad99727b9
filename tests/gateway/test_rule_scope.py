"""Rule scope: a rule file, a rule or a category names the channels (or categories) it covers."""

from __future__ import annotations

from tests.gateway.conftest import World

SCOPED = """\
scope:
  only: [{only}]
rules:
  - id: test.scoped
    category: harassment
    subcategory: bullying
    severity: medium
    match:
      terms: [snorkwhistle]
    nudge: This word is not for the sales floor.
"""

SKIPPING = """\
rules:
  - id: test.skipping
    category: harassment
    subcategory: bullying
    severity: medium
    scope:
      skip: [{skip}]
    match:
      terms: [flimflammer]
    nudge: Not on this floor, please.
"""


async def test_scoped_rule_is_silent_outside_its_channels(world: World) -> None:
    sales = world.guild.create_category("Sales")
    floor = world.guild.create_text_channel("sales-floor", category=sales)
    (world.settings.rules / "scoped.yaml").write_text(
        SCOPED.format(only=sales.id), encoding="utf-8"
    )
    report = await world.bot.poll_rules()
    assert report.ok, report.errors

    await world.alice.send(world.general, "what a snorkwhistle")  # outside the category
    assert world.dms(world.alice) == []

    await world.alice.send(floor, "what a snorkwhistle")  # inside it
    (dm,) = world.dms(world.alice)
    assert "not for the sales floor" in dm.content


async def test_rule_skips_the_channel_it_names(world: World) -> None:
    (world.settings.rules / "skipping.yaml").write_text(
        SKIPPING.format(skip=world.general.id), encoding="utf-8"
    )
    assert (await world.bot.poll_rules()).ok
    other = world.guild.create_text_channel("random")

    await world.alice.send(world.general, "you flimflammer")
    assert world.dms(world.alice) == []
    await world.alice.send(other, "you flimflammer")
    assert len(world.dms(world.alice)) == 1
