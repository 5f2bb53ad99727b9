"""The regexes that call the compositional layer up from the first pass.

A composed rule matches only where its target stands: a group term (the matcher's own terms,
loud on their own), a group adjective made a target ("female engineers", "disabled bankers"),
or, for threats against one person, a harm word with the person right after it ("stab my
manager", "kill you all").
Each cue here is one regex over the folded text, reported by Hyperscan at most once per
message, so the everyday words it is built of ("driver", "black", "hang", "you") cost nothing
where they stand apart. The regexes are looser than the shapes (any separator between words,
any word where a shape allows a filler), so they only decide how often the layer runs.

Each regex comes with its gates: words one of which every match of it holds as a word of its
own (every word of a cue stands between separators). The first pass looks for the gates, which
as plain strings cost the scan next to nothing, and runs the regex only on a message where one
stands as a word (one IRC line in 35; as a string, "put" of "output", one in ten).

A person after a causative ("make you choke") is left to other cues: as a regex it would start
from the commonest words of English ("make", "let"), no gate of which is rare.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from bot.engine.phrases import Phrase, Phrases
from bot.engine.spelling import frequency_rank

_SEP = "[^a-z0-9]+"  # what may lie between two words of a message
_START = "(?:^|[^a-z0-9])"
_END = "(?:[^a-z0-9]|$)"
_ANY_WORD = "[a-z0-9'*-]+"
_AGENTIVE = "[a-z]{3,}(?:ers|ists|ians|ors|ees|ants|ents)"  # as compose_shapes.AGENTIVE
_WORD = re.compile(r"[a-z0-9'*-]+")
_DETERMINERS = 3  # determiner phrases between a harm word and its person (as in the shapes)
_HARMS_PER_REGEX = 300  # Hyperscan refuses patterns much over 16,000 characters


class Cue(NamedTuple):
    """A cue regex and its gates (see the module's docstring)."""

    pattern: str
    gates: tuple[str, ...]


def _written(phrases: Iterable[Phrase]) -> list[Phrase]:
    """The phrases a cue can match: those with no character a message word cannot hold."""
    return [p for p in set(phrases) if p and all(_WORD.fullmatch(word) for word in p)]


def _gate(phrase: Phrase) -> str:
    """The word of a phrase that ordinary text holds least often (a word the vocabulary does not
    know counts as rarest; then the longest)."""
    rank = frequency_rank()
    return max(phrase, key=lambda word: (rank.get(word, len(rank)), len(word), word))


def _escape(word: str) -> str:
    return word.replace("*", "\\*").replace("-", "\\-")


def _alternation(phrases: Iterable[Phrase]) -> str | None:
    """The phrases as one group, longest first; None if there are none. Phrases with a
    character no message word can hold are left out (they can never match)."""
    written = {_SEP.join(_escape(word) for word in phrase) for phrase in _written(phrases)}
    if not written:
        return None
    return "(?:" + "|".join(sorted(written, key=lambda p: (-len(p), p))) + ")"


def adjective_target_cue(adjectives: Iterable[str], person_nouns: Phrases) -> Cue | None:
    """A group adjective before a person noun or an agentive noun, one word between at most
    ("female engineers", "disabled software engineers", "gay bankers")."""
    words = [(word,) for word in adjectives]
    adjective = _alternation(words)
    noun = _alternation(person_nouns.source)
    if adjective is None:
        return None
    heads = f"(?:{noun}|{_AGENTIVE})" if noun else _AGENTIVE
    pattern = f"{_START}{adjective}{_SEP}(?:{_ANY_WORD}{_SEP})?{heads}{_END}"
    return Cue(pattern, tuple(sorted(word for (word,) in _written(words))))


def adjective_noun_cue(owners: Iterable[Phrase], adjectives: Iterable[str]) -> Cue | None:
    """A group adjective used as a noun after a one-word determiner ("every bisexual", "the
    disabled", "my gay"), gated by the adjectives."""
    owner = _alternation(owners)
    words = [(word,) for word in adjectives]
    adjective = _alternation(words)
    if owner is None or adjective is None:
        return None
    pattern = f"{_START}{owner}{_SEP}{adjective}{_END}"
    return Cue(pattern, tuple(sorted(word for (word,) in _written(words))))


def person_threat_cues(
    harms: Iterable[Phrase],
    persons: Iterable[Phrase],
    owners: Phrases | None,
    person_nouns: Iterable[Phrase],
    determiners: Phrases | None,
) -> list[Cue]:
    """A harm phrase, up to three determiners, then a person ("kill you", "stab all of my
    managers"): one regex per few hundred harm phrases, gated by the rarest word of each."""
    named = _alternation(persons)
    noun = _alternation(person_nouns)
    owner = _alternation(owners.source) if owners else None
    people = [p for p in (named, f"{owner}{_SEP}{noun}" if owner and noun else None) if p]
    if not people:
        return []
    person = "(?:" + "|".join(people) + ")"
    det = _alternation(determiners.source) if determiners else None
    gap = f"(?:{det}{_SEP}){{0,{_DETERMINERS}}}" if det else ""
    ordered = sorted(_written(harms))
    out = []
    for first in range(0, len(ordered), _HARMS_PER_REGEX):
        chunk = ordered[first : first + _HARMS_PER_REGEX]
        harm = _alternation(chunk)
        if harm is None:
            continue
        gates = tuple(sorted({_gate(phrase) for phrase in chunk}))
        out.append(Cue(f"{_START}{harm}{_SEP}{gap}{person}{_END}", gates))
    return out
