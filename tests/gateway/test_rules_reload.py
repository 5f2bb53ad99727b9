"""Rule changes are picked up without restart; a broken change keeps the old rules."""

from __future__ import annotations

from tests.gateway.conftest import World
from tests.services.kit import SLUR

NEW_RULE = """\
rules:
  - id: test.new
    category: harassment
    subcategory: bullying
    severity: medium
    match:
      terms: [blorptastic]
    nudge: A new rule the moderators just added.
"""


async def test_new_rule_file_is_picked_up_by_the_poll(world: World) -> None:
    (world.settings.rules / "new.yaml").write_text(NEW_RULE, encoding="utf-8")

    report = await world.bot.poll_rules()  # what the background loop calls every few seconds
    await world.alice.send(world.general, "that is blorptastic")

    assert report.ok and report.changed
    (dm,) = world.dms(world.alice)
    assert "A new rule the moderators just added." in dm.content
    assert world.mods_posts() == []  # a good reload is audited, not announced
    assert ("system:rules", "rules.reload", "rules") in await world.audit()


async def test_broken_change_keeps_last_good_rules_and_tells_moderators_where(
    world: World,
) -> None:
    version = world.bot.services.rules.version
    broken = world.settings.rules / "broken.yaml"
    broken.write_text("rules:\n  - id: test.broken\n    severity: loud\n", encoding="utf-8")

    await world.bot.poll_rules()
    await world.alice.send(world.general, SLUR)

    (notice,) = world.mods_posts()
    assert f"still running version {version}" in notice.content
    assert f"{broken}:2" in notice.content
    assert len(world.dms(world.alice)) == 1  # the last good rules still flag
    assert world.bot.services.rules.status().errors


async def test_unchanged_directory_is_not_reloaded_or_announced(world: World) -> None:
    report = await world.bot.poll_rules()

    assert not report.changed and world.mods_posts() == []
