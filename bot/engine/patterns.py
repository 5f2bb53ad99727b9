"""Terms as admins write them ("snitch{,es,ing}", "rap*", "go back to your country"), turned into
literal *skeletons* that one multi-literal scan finds.

A skeleton is folded text (see `normalise.py`) encoded as UTF-8 with leetspeak mapped byte for
byte (`0`->o, `1`->i, `3`->e, `4`->a, `5`->s, `7`->t, `8`->b, `9`->g, `@`->a, `$`->s, `!`->i,
`|`->l, `+`->t). The mapping keeps every byte in place, so a match in the skeleton is at the same
offsets in the folded text, where the word boundaries are checked: `fag!` has the skeleton
`fagi`, but in the folded text the `!` after `fag` is not a letter, so the term ends there.

Evasions the skeleton alone does not undo are handled by rewriting it (rarely, see
`matcher.py`): runs of three or more letters (`fuuuuck`), letters spaced out (`f u c k`,
`f.u.c.k`), and masked letters (`f*ck`, `n*****`).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from bot.engine import spelling
from bot.engine.normalise import fold

LEET_FROM = b"0134578@$!|+9"
LEET_TO = b"oieastbasilt" + b"g"
SKELETON_TABLE = bytes.maketrans(LEET_FROM, LEET_TO)

_BRACES = re.compile(r"\{([^{}]*)\}")
_RUNS = re.compile(rb"([a-z])\1{2,}")


class TermError(ValueError):
    """A term that cannot be used; the message says why."""


@dataclass(frozen=True, slots=True)
class Literal:
    """One skeleton to find, and whether a word may continue past either end (`*`)."""

    skeleton: bytes
    open_left: bool = False
    open_right: bool = False


def skeleton(folded_bytes: bytes) -> bytes:
    """The leetspeak-mapped form of folded UTF-8 bytes (same length, same offsets)."""
    return folded_bytes.translate(SKELETON_TABLE)


def expand_braces(term: str) -> list[str]:
    """'snitch{,es,ing}' -> ['snitch', 'snitches', 'snitching'] (several braces multiply).

    A trailing `~` also adds the term's misspellings (see `typo_variants`): 'cancer~'; `~~`
    adds a doubled letter as well ('faggott'), for slurs.
    """
    if term.endswith("~"):
        insertions = term.endswith("~~")
        core = term.rstrip("~")
        return [v for t in expand_braces(core) for v in [t, *typo_variants(t, insertions)]]
    parts = _BRACES.split(term)
    literals = parts[0::2]
    choices = [group.split(",") for group in parts[1::2]]
    if any("{" in lit or "}" in lit for lit in literals):
        raise TermError(f"unbalanced braces in term {term!r}")
    expanded = []
    for picked in itertools.product(*choices):
        pieces = [literals[0]]
        for choice, literal in zip(picked, literals[1:], strict=True):
            pieces.extend([choice, literal])
        expanded.append("".join(pieces))
    return expanded


def typo_variants(term: str, insertions: bool = False) -> list[str]:
    """One-edit misspellings that evade exact lists and are no real word: a letter dropped
    ('cancr'), two letters swapped ('deaht'), with `insertions` a letter doubled ('faggott'), or
    two words run together ('deserve todie'). First letters never change, and only words of
    five letters or more are altered (see `spelling.edit_variants`)."""
    words = term.split(" ")
    variants: list[str] = []
    for index, word in enumerate(words):
        edits = spelling.edit_variants(word, insertions)
        variants += [" ".join([*words[:index], edit, *words[index + 1 :]]) for edit in edits]
    for i in range(len(words) - 1):
        variants.append(" ".join([*words[:i], words[i] + words[i + 1], *words[i + 2 :]]))
    return sorted(set(variants))


def term_literal(term: str) -> Literal:
    """The literal for one brace-expanded term; `*` at either end leaves that end open."""
    folded = " ".join(fold(term).split())
    open_left = folded.startswith("*")
    open_right = folded.endswith("*")
    core = folded.strip("*").strip()
    if "*" in core:
        raise TermError(f"term {term!r}: '*' is only allowed at the start or end of a term")
    if not any(c.isalnum() for c in core):
        raise TermError(f"term {term!r} has no letters or digits")
    if open_left and open_right and len(core) < 4:
        raise TermError(f"term {term!r}: '*x*' terms need at least four letters")
    collapsed = _RUNS.sub(rb"\1\1", skeleton(core.encode("utf-8")))
    return Literal(collapsed, open_left, open_right)


def is_single_word(literal: Literal) -> bool:
    """True for plain one-word terms, the only ones a masked word (`f*ck`) can stand for."""
    return literal.skeleton.isalpha() and not (literal.open_left or literal.open_right)
