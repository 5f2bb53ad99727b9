"""`upstander demo` runs the real bot on a simulated server, as CI and new users run it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.demo import run_demo
from bot.demo.runner import render_markup
from bot.settings import Settings


async def test_demo_shows_nudges_escalations_and_a_verified_chain(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("UPSTANDER_DATABASE", raising=False)
    lines: list[str] = []
    settings = Settings(_env_file=None, rules=Path("rules"))  # type: ignore[call-arg]

    assert await run_demo(settings, lines.append) == 0

    output = "\n".join(lines)
    assert "warning:" not in output  # every scripted offensive line is flagged by the rules
    for sender in ("Alex", "Sam", "Jordan"):
        assert f"-> private DM to {sender}:" in output
    # The targeted colleague is never nudged: the one DM she gets is the check-in.
    assert output.count("-> private DM to Priya:") == 1
    to_priya = output.split("-> private DM to Priya:")[1].split("->")[0]
    assert "checking in privately" in to_priya
    for sender in ("Alex", "Sam", "Jordan"):
        assert sender not in to_priya
    for pattern in (
        "Pile-on in a channel",
        "A colleague is being targeted",
        "Retaliation against a reporter",
        "Immediate: serious message",
    ):
        assert pattern in output, pattern
    assert "bot message.edit" in output and "bot message.delete" in output
    assert output.splitlines()[-1].startswith("audit verify: OK, chain of")
    # Nothing the bot says ever lands in the team channel.
    assert not any(line.startswith("#general  Upstander") for line in lines)


async def test_demo_starts_the_bot_once_and_renders_discord_markup(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("UPSTANDER_DATABASE", raising=False)
    lines: list[str] = []
    settings = Settings(_env_file=None, rules=Path("rules"))  # type: ignore[call-arg]

    assert await run_demo(settings, lines.append, full=True) == 0

    output = "\n".join(lines)
    assert output.count(" bot.start ") == 1
    assert "version " in lines[0]
    for raw in ("<t:", "<@", "\u200b", "**", "]("):
        assert raw not in output, raw
    assert "Timeline:" in output and " UTC @Alex in #general" in output
    # --full: nothing cut (the audit head hash is the one line with an ellipsis).
    assert [line for line in lines if "…" in line] == lines[-1:]


def test_markup_is_rendered_as_the_discord_client_shows_it() -> None:
    names = {111: "Priya", 222: "general"}
    line = (
        "**Why:** <@\u200b111> in <#222> at <t:1767230400:f> "
        "[link](https://discord.com/channels/1/2/3) <@!999>"
    )
    assert render_markup(line, names) == (
        "Why: @Priya in #general at Thu 01 Jan 2026 01:20 UTC "
        "link <https://discord.com/channels/1/2/3> @999"
    )
