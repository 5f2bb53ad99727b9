"""Term sets named inside a term: "{told,went to} @authorities" is every combination.

A rule's entry that is only "@name" is a plain set reference (handled by the loader); inside a
term set, such an entry brings in the other set's terms. A term that names one or more sets
among other words stands for the product of its parts, so a phenomenon made of two word
families ("reporting verb" x "authority") is written once as two sets instead of as a long list
of phrases. The words of the named sets are expanded first (their braces and their own set
names), then the term's own braces.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence

from bot.engine.patterns import TermError, expand_braces

MAX_VARIANTS = 5_000  # per written term: a product grows fast, and each variant is a pattern
_MAX_DEPTH = 4
# After a space, a quote mark or nothing: "the word '@slang" is "the word 'snitch", ...
_SET_REF = re.compile(r"(?<![^\s'\"])@([a-z0-9][a-z0-9_]{0,63})(?![a-z0-9_])")
_WHOLE_REF = re.compile(r"@[a-z0-9][a-z0-9_]{0,63}")
_IN_BRACES = re.compile(r"[{,]\s*@[a-z0-9]")  # "{@set,other}": not supported, said so


def is_reference(entry: str) -> bool:
    """True for an entry that is one set name and nothing else ("@authorities")."""
    return _WHOLE_REF.fullmatch(entry) is not None


def names_sets(term: str) -> bool:
    """True when `term` names a term set: "went to @authorities", or inside a term set, a
    whole "@other_set" (a rule's own "@set" entries are resolved by the loader)."""
    return _SET_REF.search(term) is not None or _IN_BRACES.search(term) is not None


def expand(term: str, termsets: Mapping[str, Sequence[tuple[str, str | None]]]) -> list[str]:
    """Every plain term `term` stands for; raises `TermError` for an unknown set or a product
    larger than `MAX_VARIANTS`."""
    return _expand(term, termsets, 0)


def _expand(
    term: str, termsets: Mapping[str, Sequence[tuple[str, str | None]]], depth: int
) -> list[str]:
    if _IN_BRACES.search(term):
        raise TermError(f"term {term!r}: name a term set outside braces ('{{a,b}} @set')")
    if term.endswith("~"):
        raise TermError(f"term {term!r}: '~' cannot follow a term that names term sets")
    if depth > _MAX_DEPTH:
        raise TermError(f"term {term!r}: term sets name each other too deeply")
    pieces = _SET_REF.split(term)
    # split() alternates text and set names: text, name, text, name, text...
    choices: list[list[str]] = []
    for index, piece in enumerate(pieces):
        if index % 2 == 0:
            choices.append(expand_braces(piece) if piece else [""])
            continue
        if piece not in termsets:
            raise TermError(f"term {term!r}: unknown term set '@{piece}'")
        words: list[str] = []
        for inner, _tag in termsets[piece]:
            words.extend(_expand(inner, termsets, depth + 1) if names_sets(inner) else [inner])
        choices.append([v for word in words for v in expand_braces(word)])
        if len(choices[-1]) > MAX_VARIANTS:
            raise TermError(f"term {term!r}: '@{piece}' alone stands for too many terms")
    total = 1
    for options in choices:
        total *= len(options)
        if total > MAX_VARIANTS:
            raise TermError(
                f"term {term!r} stands for more than {MAX_VARIANTS} terms: split it or use `near`"
            )
    return [" ".join("".join(parts).split()) for parts in itertools.product(*choices)]
