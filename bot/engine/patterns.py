"""Turn an admin's term ("snitch{,es,ing}", "go back to your country", "rap*") into a pattern.

The pattern runs on folded text encoded as UTF-8 and is valid for both Hyperscan (the prefilter
that scans every message) and RE2 (exact spans on the rare messages that matched). It sees through
the evasions that folding leaves alone:

* leetspeak: each letter is a class of its look-alikes (`a` -> `[a@4^]`);
* repeated letters: every run of a letter may be longer (`coon` -> `c+[o0]{2,}n+`, so `cooon`
  matches but `con` does not);
* masking: after the first letter, `*`, `#` or `_` may stand for a letter (`f*g`, `n*****`);
* separators: a single-word term also matches its letters spaced out (`f u c k`, `f.u.c.k`).

Terms match whole words only: the pattern is wrapped in non-word bytes (or the ends of the
text). Group 1 is the term itself.
"""

from __future__ import annotations

import itertools
import re

from bot.engine.normalise import fold

WORD_BYTES = r"a-z0-9\x80-\xff"
_LEFT = rf"(?:^|[^{WORD_BYTES}])"
_RIGHT = rf"(?:[^{WORD_BYTES}]|$)"
_GAP = rf"[^{WORD_BYTES}]+"
_OPTIONAL_PUNCT = rf"[^{WORD_BYTES}]*"
_WILDCARD = rf"[{WORD_BYTES}]*"
_MASK = r"\*#_"
_SEPARATOR = r"[ \t.\-,~/\\:;'\"]{1,3}"

_LEET: dict[str, str] = {
    "a": "a@4^",
    "b": "b8",
    "e": "e3",
    "g": "g96",
    "i": "i1!|l",
    "l": "l1|i",
    "o": "o0",
    "s": "s5$z",
    "t": "t7+",
    "u": "uv",
    "z": "z2",
}

_BRACES = re.compile(r"\{([^{}]*)\}")


class TermError(ValueError):
    """A term that cannot be turned into a pattern; the message says why."""


def expand_braces(term: str) -> list[str]:
    """'snitch{,es,ing}' -> ['snitch', 'snitches', 'snitching'] (several braces multiply)."""
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


def _letter_class(letter: str, masked: bool) -> str:
    chars = _LEET.get(letter, letter)
    escaped = "".join(c if c.isalnum() and c.isascii() else "\\" + c for c in chars)
    if not letter.isascii():
        escaped = "".join(f"\\x{b:02x}" for b in letter.encode("utf-8"))
        return f"(?:{escaped})"
    return f"[{escaped}{_MASK}]" if masked else f"[{escaped}]"


def _word_pattern(word: str) -> str:
    """One word: letter classes with repeats and masks; `*` is a wildcard."""
    out: list[str] = []
    first = True
    for letter, run in itertools.groupby(word):
        count = len(list(run))
        if letter == "*":
            out.append(_WILDCARD)
            continue
        if not (letter.isalnum()):
            out.append(_OPTIONAL_PUNCT)
            continue
        cls = _letter_class(letter, masked=not first)
        out.append(cls + ("+" if count == 1 else f"{{{count},}}"))
        first = False
    return "".join(out)


def _spaced_pattern(word: str) -> str | None:
    """The word with a separator between every letter, or None if it is not a plain word."""
    if len(word) < 3 or not word.isalpha() or not word.isascii():
        return None
    return _SEPARATOR.join(_letter_class(letter, masked=False) for letter in word)


def term_pattern(term: str) -> str:
    """The pattern for one already brace-expanded term (see module docstring)."""
    folded = fold(term).strip()
    if not folded or not any(c.isalnum() for c in folded):
        raise TermError(f"term {term!r} has no letters or digits")
    if folded.replace("*", "").strip() == "":
        raise TermError(f"term {term!r} is only wildcards")
    words = folded.split()
    body = _GAP.join(_word_pattern(w) for w in words)
    alternatives = [body]
    if len(words) == 1:
        spaced = _spaced_pattern(words[0])
        if spaced:
            alternatives.append(spaced)
    return f"{_LEFT}({'|'.join(alternatives)}){_RIGHT}"

