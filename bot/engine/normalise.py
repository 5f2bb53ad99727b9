"""Fold text so that evasions look like the plain word, keeping a map back to the original.

Folding is defined per character, which keeps it simple to reason about and lets one table
serve both paths:

* `fold(text)` is the hot path used on every message: `str.lower()` for ASCII, otherwise one
  `str.translate` over a lazily filled table. No offsets.
* `fold_with_offsets(text)` is the rare path (only for messages that already matched
  something): the same per-character folding, plus `origin[i]` = index in the original text of
  folded character `i`, so a nudge can quote exactly what was written.

Per character, in order: compatibility decomposition (NFKD: fullwidth, mathematical
alphanumerics, circled letters, ligatures), dropping combining marks (zalgo, accents) and
invisible/format characters (zero-width, bidi overrides, soft hyphen, fillers), confusable
folding (Cyrillic/Greek look-alikes, small capitals, regional indicators), case folding, and
turning non-ASCII punctuation, symbols and emoji into a space so they act as word boundaries.
Leetspeak, repeated letters and separators are handled by the patterns (see `patterns.py`), not
here, because rewriting `!` or `1` in the text would break ordinary punctuation and numbers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

# Look-alikes that NFKD does not fold. Upper-case forms are listed separately because, e.g.,
# Greek capital Eta looks like H while its lower case looks like n.
# fmt: off
_CONFUSABLES: dict[str, str] = {
    # Cyrillic capitals and small letters that look Latin
    "А": "a", "В": "b", "Е": "e", "К": "k", "М": "m", "Н": "h", "О": "o", "Р": "p",
    "С": "c", "Т": "t", "Х": "x", "У": "y", "І": "i", "Ј": "j", "Ѕ": "s", "Ԁ": "d",
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "х": "x", "у": "y", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
    "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l", "ь": "b", "п": "n", "г": "r", "и": "u",
    # Greek
    "Α": "a", "Β": "b", "Ε": "e", "Ζ": "z", "Η": "h", "Ι": "i", "Κ": "k", "Μ": "m",
    "Ν": "n", "Ο": "o", "Ρ": "p", "Τ": "t", "Υ": "y", "Χ": "x",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "γ": "y", "ω": "w", "μ": "u", "ς": "s",
    # Latin letters that do not decompose
    "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ŧ": "t", "ɡ": "g", "ɑ": "a",
    "æ": "ae", "œ": "oe", "ß": "ss", "þ": "th",
    # Quotes and dashes keep their meaning as ASCII
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'",
    "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "«": '"', "»": '"',
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "·": ".", "•": ".",
}
# fmt: on

# Invisible characters outside the Cf/Mn/Me categories that still render as nothing.
_INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e")

_NAMED_LETTER = re.compile(
    r"\bLATIN\b.*\bLETTER\b.* ([A-Z])$|^REGIONAL INDICATOR SYMBOL LETTER ([A-Z])$"
)


def _fold_char(char: str) -> str:
    """Fold one character (see module docstring). Returns '' to delete it."""
    folded = _fold_once(char)
    # Case folding can reveal a look-alike ("Ø" -> "ø" -> "o"): fold until nothing changes.
    for _ in range(3):
        again = "".join(_fold_once(c) for c in folded)
        if again == folded:
            break
        folded = again
    return folded


def _fold_once(char: str) -> str:
    if char.isascii():
        return char.lower()
    if char in _CONFUSABLES:
        return _CONFUSABLES[char]
    out = []
    for part in unicodedata.normalize("NFKD", char):
        if part.isascii():
            out.append(part.lower())
            continue
        category = unicodedata.category(part)
        if category in ("Mn", "Me", "Cf") or part in _INVISIBLE:
            continue
        if part in _CONFUSABLES:
            out.append(_CONFUSABLES[part])
            continue
        named = _NAMED_LETTER.search(unicodedata.name(part, ""))
        if named:
            out.append((named.group(1) or named.group(2)).lower())
        elif category[0] in "LN":
            out.append(part.casefold())
        else:  # punctuation, symbols, emoji, separators, controls: a word boundary
            out.append(" ")
    return "".join(out)


class _FoldTable(dict[int, str]):
    """A `str.translate` table that computes and caches each character's folding on first use."""

    def __missing__(self, codepoint: int) -> str:
        folded = _fold_char(chr(codepoint))
        if len(self) < 200_000:  # bound the cache against text built to fill memory
            self[codepoint] = folded
        return folded


_TABLE = _FoldTable()
FOLD_TABLE: dict[int, str] = _TABLE  # for callers that inline `fold` on a hot path


def fold_char(char: str) -> str:
    """The folding of a single character, from the shared cache."""
    return _TABLE[ord(char)]


def fold(text: str) -> str:
    """Fold a whole message for matching (hot path, no offsets)."""
    if text.isascii():
        return text.lower()
    return text.translate(_TABLE)


@dataclass(frozen=True, slots=True)
class Folded:
    """Folded text plus, for each folded character, the index of its source character."""

    text: str
    origin: Sequence[int]  # a `range` when folding kept every character in place
    source_length: int

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of folded text to the original text."""
        if end <= start:
            at = self.origin[start] if start < len(self.origin) else self.source_length
            return at, at
        # Stretch the end over deleted characters (combining marks, zero-width) that follow,
        # so a quote of "g̷" keeps its mark.
        if end < len(self.origin):
            after = self.origin[end]
            return self.origin[start], max(after, self.origin[end - 1] + 1)
        return self.origin[start], self.source_length


def fold_with_offsets(text: str) -> Folded:
    """Fold and keep, for each output character, the index of the input character it came from."""
    if text.isascii():
        return Folded(text.lower(), range(len(text)), len(text))
    pieces: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        folded = _TABLE[ord(char)]
        if folded:
            pieces.append(folded)
            origin.extend([index] * len(folded))
    return Folded("".join(pieces), tuple(origin), len(text))
