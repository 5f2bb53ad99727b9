"""The compositional layer's cue regexes: where a target may stand, found once per message.

The layer runs only where a cue was found, so a cue that misses a wording the shapes accept
would lose the hit: every composed rule example that flags must be cued by its own words, and
the everyday words the cues are built of must not call the layer up on their own.
"""

from __future__ import annotations

import re

import pytest

from bot.engine import RuleSet
from bot.engine.normalise import fold


def _cued(rules: RuleSet, text: str) -> bool:
    composer = rules.composer
    assert composer is not None
    found = rules.matcher.find(fold(text))
    return composer.cued(found)


def _cue_found(rules: RuleSet, text: str) -> bool:
    composer = rules.composer
    assert composer is not None
    found = rules.matcher.find(fold(text))
    return not found.keys().isdisjoint(composer.cue_atoms)


@pytest.mark.parametrize(
    "text",
    [
        "female engineers are useless",
        "the disabled software engineers should be fired",
        "gay bankers run everything",  # a person named by what they do
        "every bisexual is a liar",  # a group adjective used as a noun
        "i will stab my manager",
        "gonna kill all of your colleagues",
        "someone should punch your face in",
    ],
)
def test_a_place_where_a_target_stands_is_a_cue(rules: RuleSet, text: str) -> None:
    assert _cue_found(rules, text)


@pytest.mark.parametrize(
    "text",
    [
        "kill the process, then you can restart it",
        "nvidia drivers give me a black screen",
        "the driver hangs when you change the mode",
        "you can cut the partition in half",
        "black is my favourite colour",
        "see you later guys",
    ],
)
def test_cue_words_apart_call_nothing_up(rules: RuleSet, text: str) -> None:
    assert not _cue_found(rules, text)


def test_every_composed_rule_example_that_flags_is_cued(rules: RuleSet) -> None:
    uncued = [
        (rule.id, text)
        for rule in rules.composed_rules
        for text in rule.flag_examples
        if not _cued(rules, text)
    ]
    assert uncued == []
    assert sum(len(rule.flag_examples) for rule in rules.composed_rules) >= 10


def test_every_cue_regex_runs_in_hyperscan(rules: RuleSet) -> None:
    """A regex Hyperscan refuses would cost an RE2 pass over every message."""
    composer = rules.composer
    assert composer is not None
    assert any(isinstance(rules.matcher.atoms[atom], str) for atom in composer.cue_atoms)
    assert rules.matcher.re2_only_count == 0


def test_every_cue_regex_is_gated_by_words_each_match_holds(rules: RuleSet) -> None:
    """The scan looks for a cue's gate words, not the cue: a match with none of them would be
    a cue the layer never sees."""
    composer = rules.composer
    assert composer is not None
    cue_regexes = [a for a in composer.cue_atoms if isinstance(rules.matcher.atoms[a], str)]
    gates = rules.matcher.gates
    assert cue_regexes and all(gates.get(atom) for atom in cue_regexes)
    for text in [
        "female engineers are useless",
        "gonna kill all of your colleagues",
        "someone should put an end to my manager",
        "wiped out every last one of them",
    ]:
        data = fold(text).encode()
        for atom in cue_regexes:
            if rules.matcher.regex(atom).search(data):
                assert any(re.search(rb"\b%s\b" % word, data) for word in gates[atom]), text


def test_a_gate_is_the_rarest_word_of_its_phrase() -> None:
    from bot.engine.compose_cues import person_threat_cues

    (cue,) = person_threat_cues(
        [("put", "an", "end", "to"), ("shoot",), ("kick", "down")], [("you",)], None, [], None
    )
    assert cue.gates == ("kick", "put", "shoot")  # "put" is rarer than "end" in the list
