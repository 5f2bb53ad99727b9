"""Gated regexes: the first pass looks for words every match of a regex holds, and runs the
regex only where one occurs. What the matcher finds must not change."""

from __future__ import annotations

import random

from bot.engine.matcher import Matcher
from bot.engine.patterns import term_literal

_HARM = r"(?:^|[^a-z0-9])(?:stab|punch)[^a-z0-9]+(?:you|him)(?:[^a-z0-9]|$)"
_ATOMS = [term_literal("women"), _HARM, term_literal("idiot")]


def _matcher(gated: bool) -> Matcher:
    matcher = Matcher(_ATOMS, gates={1: ("stab", "punch")} if gated else None)
    matcher.build_first_pass([0, 1, 2], [])
    return matcher


def test_a_gated_regex_is_found_where_it_matches_and_nowhere_else() -> None:
    gated = _matcher(True)
    assert 1 in gated.find("i will stab you")
    assert 1 in gated.find("punch him, idiot")
    assert gated.find("a stab in the dark") == {}
    assert gated.find("you will punch the clock") == {}
    assert gated.find("stabbing you") == {}  # a gate inside a longer word opens nothing
    assert 1 in gated.find("(stab) you")


def test_gates_change_nothing_the_matcher_finds() -> None:
    words = "stab punch you him women idiot the a stabby 4 y0u ! * sta b (stab) punch-you".split()
    chance = random.Random(7)
    plain, gated = _matcher(False), _matcher(True)
    texts = [
        " ".join(chance.choice(words) for _ in range(chance.randint(1, 8))) for _ in range(3000)
    ]
    assert sum(1 in plain.find(text) for text in texts) > 50
    assert [gated.find(text) for text in texts] == [plain.find(text) for text in texts]


def test_an_exception_regex_that_completes_a_pair_is_looked_for_before_refuting() -> None:
    """The first pass looks only for the side of a pair made of phrases ("kill you"); the
    other side here is a regex, which the exact pass must still find."""
    atoms = [term_literal("kill you"), term_literal("teach you a lesson"), r"\btonight\b"]
    matcher = Matcher(atoms)
    matcher.build_first_pass([], [([0, 1], [2])])
    found = matcher.find("i will kill you tonight")
    assert 0 in found and 2 in found
    assert 2 not in matcher.find("i will kill you")
