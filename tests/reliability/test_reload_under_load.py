"""A broken rules file lands while messages stream in: the last good rules stay in force, every
message still gets a decision, and a later good change is picked up."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from bot.services.types import MessageIn, Outcome
from tests.reliability.livekit import Live, live_bot
from tests.services.kit import RULES, SLUR

# An editor saving half a file: the YAML stops mid-rule.
TRUNCATED = RULES[: RULES.index("severity: medium")] + "severity: med"
FIXED = (
    RULES
    + """\
  - id: test.new
    category: harassment
    subcategory: bullying
    severity: medium
    match:
      terms: [blorptastic]
    nudge: A new rule the moderators just added.
"""
)


def _count_decisions(live: Live) -> list[Outcome]:
    """Record every outcome the moderation service returns (the cog looks it up per call)."""
    outcomes: list[Outcome] = []
    service = live.bot.services.moderation
    original = service.handle_message

    async def counted(message: MessageIn) -> Outcome:
        outcome = await original(message)
        outcomes.append(outcome)
        return outcome

    service.handle_message = counted  # type: ignore[method-assign]
    return outcomes


async def _stream(live: Live, start: int, count: int) -> list[dict[str, Any]]:
    """Post `count` messages, every 10th flagged, yielding to the bot between them."""
    posted = []
    for n in range(start, start + count):
        text = f"{SLUR} {n}" if n % 10 == 0 else f"status update {n}"
        posted.append(await live.server.post_message(live.general, live.alice, text))
        await asyncio.sleep(0)
    return posted


async def test_broken_rules_during_load_keep_last_good_and_skip_nothing(tmp_path: Path) -> None:
    async with live_bot(tmp_path) as live:
        rules_file = live.settings.rules / "test.yaml"
        good_version = live.bot.services.rules.version
        outcomes = _count_decisions(live)

        await _stream(live, 0, 100)
        rules_file.write_text(TRUNCATED, encoding="utf-8")
        broken = asyncio.create_task(live.bot.poll_rules())  # compiles in a thread meanwhile
        await _stream(live, 100, 100)
        report = await broken
        await _stream(live, 200, 100)
        await live.settle()

        assert not report.ok and report.changed
        assert live.bot.services.rules.version == good_version
        assert len(outcomes) == 300  # every message judged, during and after the failed reload
        versions = live.rows("SELECT DISTINCT rules_version FROM incidents")
        assert versions == [(good_version,)]
        assert live.rows("SELECT count(*) FROM incidents") == [(30,)]  # every 10th, none missed
        (notice,) = [m for m in live.mods_posts() if "Rules change refused" in m["content"]]
        assert f"still running version {good_version}" in notice["content"]
        assert f"{rules_file}:" in notice["content"]  # names the file (and line)

        # The admin fixes the file, adding a rule: picked up, and used from then on.
        rules_file.write_text(FIXED, encoding="utf-8")
        fixed = asyncio.create_task(live.bot.poll_rules())
        await _stream(live, 300, 50)
        assert (await fixed).ok
        await live.server.post_message(live.general, live.bob, "that was blorptastic")
        await live.server.wait_for_dm(live.bob, timeout=10)
        await live.settle()
        assert len(outcomes) == 351
        actions = [a for (a,) in live.rows("SELECT action FROM audit_log ORDER BY seq")]
        assert actions.count("rules.reload_failed") == 1 and actions.count("rules.reload") == 1
