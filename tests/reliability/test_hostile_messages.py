"""Hostile messages get a verdict, never a crash: through the engine with the shipped rules, and
through the real bot on simcord (4,000-character messages, zero-width floods, zalgo, mixed RTL,
lone surrogates, 150 mentions, embeds only, attachments only).

Times are measured and printed (worst case per kind), never asserted: a loaded CI machine must
not turn a slow run into a failure. `benchmarks/bench_hostile.py` gives steadier figures.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from bot.engine import RuleSet, load_rules
from bot.gateway.convert import clean_text
from tests.gateway.conftest import World
from tests.reliability.hostile import catalogue
from tests.reliability.nitro import allow_nitro_length
from tests.services.kit import SLUR

REPO = Path(__file__).resolve().parents[2]
ROUNDS = 5


@pytest.fixture(scope="module")
def shipped() -> RuleSet:
    """The rules that ship in `rules/`: the realistic workload."""
    result = load_rules(REPO / "rules")
    assert result.ruleset is not None, result.errors
    return result.ruleset


def shipped_payload(ruleset: RuleSet) -> str:
    """A text the shipped rules flag: the first rule's own first flag example."""
    return next(e for rule in ruleset.rules for e in rule.flag_examples)


def _report(capsys: pytest.CaptureFixture[str], title: str, worst: dict[str, float]) -> None:
    with capsys.disabled():
        print(f"\n{title} (worst of {ROUNDS}, ms):")
        for kind, seconds in sorted(worst.items(), key=lambda kv: -kv[1]):
            print(f"  {kind:<18} {seconds * 1000:8.2f}")


def test_engine_gives_every_hostile_message_a_verdict(
    shipped: RuleSet, capsys: pytest.CaptureFixture[str]
) -> None:
    payload = shipped_payload(shipped)
    worst: dict[str, float] = {}
    for kind, text in catalogue(payload, [111, 222, 333]).items():
        for _ in range(ROUNDS):
            start = time.perf_counter()
            verdict = shipped.evaluate(text)
            worst[kind] = max(worst.get(kind, 0.0), time.perf_counter() - start)
        for hit in verdict.hits:
            assert 0 <= hit.start < hit.end <= len(text)
            assert hit.text == text[hit.start : hit.end]
        if kind in ("long_4000", "repeated_payload", "mixed_rtl"):
            assert verdict.flagged, kind  # plain text around the payload must not hide it
    for text in ("", " ", "\u200b"):  # what an embeds- or attachments-only message carries
        assert not shipped.evaluate(text).flagged
    _report(capsys, "engine, shipped rules", worst)


async def test_bot_gives_every_hostile_message_a_verdict(
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    allow_nitro_length(monkeypatch)
    caplog.set_level(logging.WARNING)
    people = [world.alice.id, world.bob.id, world.mod.id, world.reviewer.id, 1, 2**63 - 1]
    texts = catalogue(SLUR, people, zero_width=4_000)  # Discord delivers at most 4,000
    worst: dict[str, float] = {}
    flagged: dict[str, bool] = {}
    for kind, text in texts.items():
        start = time.perf_counter()
        sent = await world.bob.send(world.general, text)  # returns once the bot has settled
        worst[kind] = time.perf_counter() - start
        found = await world.bot.services.store.incidents.for_message(world.guild.id, sent.id)
        flagged[kind] = bool(found)
        if found:  # the evidence is the message as sent; lone surrogates become U+FFFD
            assert found[0].text == clean_text(text)

    start = time.perf_counter()
    world.env.backend.create_message(
        world.general.id, world.bob.id, "", embeds=[{"title": SLUR, "description": SLUR * 50}]
    )
    await world.env.settle()
    worst["embeds_only"] = time.perf_counter() - start
    start = time.perf_counter()
    await world.bob.send(world.general, "", attachments=[("notes.txt", SLUR.encode() * 1000)])
    worst["attachments_only"] = time.perf_counter() - start

    # A verdict for each, never a crash: no error from any handler, nothing logged as one.
    assert world.env.errors == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    # The flagged payload is found whatever surrounds it.
    assert flagged == dict.fromkeys(texts, True), flagged
    assert len(world.dms(world.bob)) >= 1 and world.bot.services.moderation.kept.first() is None
    _report(capsys, "bot on simcord, per message incl. simcord's own overhead", worst)
