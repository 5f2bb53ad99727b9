"""A reload whose rule examples fail is refused like a schema error: last good rules stay."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from tests.gateway.conftest import World

FAILING = """\
rules:
  - id: test.blorp
    category: harassment
    subcategory: bullying
    severity: medium
    match:
      terms: [blorptastic]
    nudge: A new rule whose own examples are wrong.
    examples:
      flag: ["that is blorptastic"]
      pass:
        - "fine words"
        - "so blorptastic today"
"""


async def test_reload_with_a_failing_example_is_refused(world: World) -> None:
    version = world.bot.services.rules.version
    path = world.settings.rules / "new.yaml"
    path.write_text(FAILING, encoding="utf-8")

    report = await world.bot.poll_rules()
    await world.alice.send(world.general, "that is blorptastic")

    assert not report.ok and report.version == version
    assert world.dms(world.alice) == []  # the refused rule never went live
    (notice,) = world.mods_posts()
    assert f"still running version {version}" in notice.content
    # The failing example, with its own file and line (line 13: the second `pass` item).
    assert f"{path}:13: test.blorp: should pass: 'so blorptastic today'" in notice.content
    assert ("system:rules", "rules.reload_failed", "rules") in await world.audit()

    path.write_text(FAILING.replace("so blorptastic today", "so fantastic today"), "utf-8")
    assert (await world.bot.poll_rules()).ok  # fixed: it goes live
    await world.alice.send(world.general, "that is blorptastic")
    assert len(world.dms(world.alice)) == 1


def test_rules_lint_reports_a_failing_example(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "new.yaml").write_text(FAILING, encoding="utf-8")

    assert main(["rules", "lint", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"{tmp_path / 'new.yaml'}:13: test.blorp: should pass: 'so blorptastic today'" in out


LOCAL = """\
must_pass:
  - text: "a truly blorptastic day"
    note: "appeal case #1"
"""

GOOD_RULE = """\
rules:
  - id: test.blorp
    category: harassment
    subcategory: bullying
    severity: medium
    match:
      terms: [blorptastic]
    nudge: A new rule that would flag an upheld false positive.
    examples:
      flag: ["you are blorptastic"]
"""


async def test_reload_that_starts_flagging_a_must_pass_example_is_refused(world: World) -> None:
    local = world.settings.rules / "local-examples.yaml"
    local.write_text(LOCAL, encoding="utf-8")
    assert (await world.bot.poll_rules()).ok  # passes today: fine
    version = world.bot.services.rules.version

    (world.settings.rules / "new.yaml").write_text(GOOD_RULE, encoding="utf-8")
    report = await world.bot.poll_rules()

    assert not report.ok and report.version == version
    (notice,) = world.mods_posts()
    assert f"{local}:2: must pass, flagged by test.blorp: 'a truly blorptastic day'" in (
        notice.content
    )
