"""Slur homonyms judged by their neighbours (`unless: near` in rules/discrimination.yaml): the
dish, the cigarette, the embankment, the female dog and the garden tool pass; the same words
used as slurs, or said to someone, are still flagged."""

from __future__ import annotations

import pytest

from bot.engine import RuleSet

HOMONYMS = [
    "my nan makes faggots with onion gravy every sunday",
    "tie the faggots of firewood before it rains",
    "there's a fag still burning in the ashtray",
    "that fag was my last, i'm out of tobacco",
    "the dyke burst and flooded the fields",
    "they built a dyke to keep the sea off the farmland",
    "our bitch had a litter of six puppies last night",
    "the breeder says the bitch is due at the vet on friday",
    "sharpen the hoe before you weed the veg beds",
    "the garden shed has a rake, a spade and a hoe",
]


@pytest.mark.parametrize("text", HOMONYMS)
def test_a_homonym_is_judged_by_its_neighbours(rules: RuleSet, text: str) -> None:
    verdict = rules.evaluate(text)
    assert not verdict.flagged, verdict.rule_ids
    assert any(s.reason.startswith("homonym") for s in verdict.suppressed)


SLURS_WITH_HOMONYM_NEIGHBOURS = [
    "you fag, go smoke outside",
    "shut up faggot and eat your dinner",
    "that dyke from accounts, can't stand her",
    "you stupid bitch, walk your own dog",
    "what a hoe lol",
]


@pytest.mark.parametrize("text", SLURS_WITH_HOMONYM_NEIGHBOURS)
def test_a_slur_is_flagged_when_its_neighbours_do_not_make_it_a_homonym(
    rules: RuleSet, text: str
) -> None:
    assert rules.evaluate(text).flagged


@pytest.mark.parametrize(
    "text",
    [
        "the retarded potential in electrodynamics is on the exam",
        "growth was retarded by the cold spring",
        "the coon cat sleeps on the server rack",
        "he bummed a fag off me at the bus stop",
        "faggots are a traditional dish from the midlands",
    ],
)
def test_more_homonyms_pass(rules: RuleSet, text: str) -> None:
    assert not rules.evaluate(text).flagged


@pytest.mark.parametrize(
    "text",
    ["that retard wasted my time", "the coon in accounts", "you're retarded, the timing is off"],
)
def test_the_slur_sense_is_still_flagged(rules: RuleSet, text: str) -> None:
    assert "disc.slur" in rules.evaluate(text).rule_ids
