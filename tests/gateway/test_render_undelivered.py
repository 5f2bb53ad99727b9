"""What moderators and the channel are told when a nudge DM did not arrive, by cause."""

from __future__ import annotations

from bot.gateway import render


def test_closed_dms_are_named_as_closed() -> None:
    said = render.undelivered_reason("dms_closed", "50007: Cannot send messages to this user")
    assert "DMs are closed" in said and "not been told privately" in said


def test_a_failure_is_not_called_closed_dms_and_says_why() -> None:
    for detail in ("500/0: Internal Server Error", "no answer from Discord within 30s"):
        said = render.undelivered_reason("failed", detail)
        assert "could not be delivered" in said and detail in said
        assert "closed" not in said


def test_a_refused_dm_says_discord_refused_it() -> None:
    said = render.undelivered_reason("blocked", "50278: blocked")
    assert "refused" in said and "50278" in said and "closed" not in said


def test_channel_notice_asks_to_open_dms_only_when_they_are_closed() -> None:
    assert "DMs are closed" in render.channel_notice(42, "dms_closed")
    failed = render.channel_notice(42, "failed")
    assert "<@42>" in failed and "closed" not in failed and "allow direct" not in failed
