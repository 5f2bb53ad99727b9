"""The DM endpoint misbehaves (403, 429, 500, no answer): nudges are retried or recorded as
undelivered, and the moderators still hear about the pattern.

Real discord.py HTTP client against fakediscord's fault switch: its own 429 (retry-after) and
5xx retries are what is exercised, not a mock of them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.reliability.livekit import Live, live_bot
from tests.services.kit import SLUR

# (fault, expected nudge status, expected words in the recorded detail)
UNDELIVERED: list[tuple[dict[str, Any], str, str]] = [
    (
        dict(status=403, code=50007, message="Cannot send messages to this user"),
        "dms_closed",
        "50007",
    ),
    (dict(status=500, message="Internal Server Error"), "failed", "no answer"),
    (dict(status=None, delay=30.0), "failed", "no answer"),  # the endpoint hangs
]


async def _two_slurs(live: Live) -> None:
    """Alice posts two slurs: each is nudged, the second makes a repeat-sender case."""
    for n in range(2):
        await live.server.post_message(live.general, live.alice, f"{SLUR} number {n}")
    await live.server.wait_for(lambda: live.rows("SELECT 1 FROM cases"), timeout=10)
    await live.settle()


@pytest.mark.parametrize(("fault", "status", "detail"), UNDELIVERED, ids=["403", "500", "hang"])
async def test_undeliverable_nudge_is_recorded_and_moderators_still_alerted(
    tmp_path: Path, fault: dict[str, Any], status: str, detail: str
) -> None:
    async with live_bot(tmp_path) as live:
        # Short patience: discord.py would retry a 500 for ~25 s and wait 30 s on a hang.
        live.bot.courier.dm_timeout = 0.5
        live.server.inject_fault("POST", live.server.dm_path(live.alice), times=None, **fault)

        await _two_slurs(live)

        nudges = live.rows("SELECT recipient_id, status, detail FROM nudges ORDER BY id")
        assert [(r, s) for r, s, _ in nudges] == [(live.alice.id, status)] * 2
        assert all(detail in d for _, _, d in nudges)
        assert live.server.dms_to(live.alice) == []
        # The pattern still reaches the moderator (DM) and the moderators' channel, flagged as
        # "not told privately".
        (alert,) = live.server.dms_to(live.mod)
        (posted,) = live.mods_posts()
        assert alert["content"].startswith("Case #") and posted["content"] == alert["content"]
        fields = [f["name"] + f["value"] for f in posted["embeds"][0].get("fields", [])]
        assert any("not been told" in f for f in fields)
        # Closed DMs are named as such; a 500 or a hang is a failed delivery, not closed DMs.
        said = " ".join(fields)
        if status == "dms_closed":
            assert "DMs are closed" in said
        else:
            assert "could not be delivered" in said and "closed" not in said
            assert detail in said  # and why
        actions = [a for (a,) in live.rows("SELECT action FROM audit_log")]
        assert actions.count("detection") == 2 and actions.count("nudge.status") == 2


@pytest.mark.parametrize(
    "fault",
    [dict(status=429, retry_after=0.2), dict(status=500, message="Internal Server Error")],
    ids=["429-retry-after", "500-once"],
)
async def test_transient_dm_failure_is_retried_and_delivered_once(
    tmp_path: Path, fault: dict[str, Any]
) -> None:
    async with live_bot(tmp_path) as live:
        path = live.server.dm_path(live.alice)
        injected = live.server.inject_fault("POST", path, times=1, **fault)

        await live.server.post_message(live.general, live.alice, f"you {SLUR}")
        await live.server.wait_for_dm(live.alice, timeout=10)  # a 500 is retried after 1 s
        await live.settle()

        assert injected.hits == 1
        tries = [p for m, p, _ in live.server.rest.requests if m == "POST" and p == path]
        assert len(tries) == 2  # the failed attempt, then the retry
        assert len(live.server.dms_to(live.alice)) == 1  # delivered exactly once
        assert live.rows("SELECT status FROM nudges") == [("delivered",)]
