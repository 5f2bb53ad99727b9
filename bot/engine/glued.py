"""Words run together ("womenaredisgusting", "too manycoons"), undone for the exact pass.

A run of 7+ letters that is no word is split with wordninja (`spelling.split_glued`); the
skeleton is scanned again with spaces between those words, and the terms that then stand as
whole words count. A run counts only when each of its words is part of some term or an everyday
function word, and its last word is no stray letter or two: "opensnitch" (a program),
"jimcooncat" (a nick) and "bitchin" stay one word. Nicks addressed at the start of a line and
stretched words ("bitchhhh") are never split. Only messages that reach the exact pass get here.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping

from bot.engine import spelling
from bot.engine.patterns import Literal

Glued = list[tuple[int, int, tuple[str, ...]]]  # runs of letters: start, end, their words

# Greedy from the first letter of a run, so it always takes whole runs without lookarounds.
_LONG_LETTERS = re.compile(rb"[a-z]{%d,}" % spelling.MIN_GLUED)
_STRETCHED = re.compile(rb"([a-z])\1{2,}")
_MAX_SPLITS = 8  # unknown runs split per message
# 1 for the bytes that continue a word: a-z, 0-9 and every non-ASCII byte.
_WORD_BYTE = bytes(
    1 if byte >= 0x80 or 0x30 <= byte <= 0x39 or 0x61 <= byte <= 0x7A else 0 for byte in range(256)
)


class GluedWords:
    """Finds glued runs in a skeleton and the terms they hold."""

    def __init__(self, literals: Mapping[int, Literal]) -> None:
        self._literals = literals
        # Every word of every term, for telling which runs could hold one.
        self._term_words = frozenset(
            word.decode("ascii", "replace")
            for literal in literals.values()
            for word in literal.skeleton.split()
        )
        # The last skeleton and its runs: the matcher asks twice for one message.
        self._last: tuple[bytes, Glued] = (b"", [])

    def runs(self, skeleton: bytes) -> Glued:
        """Runs of letters that are no word and split into words that could hold a term."""
        last = self._last
        if last[0] == skeleton:
            return last[1]
        found = self._runs(skeleton)
        self._last = (skeleton, found)
        return found

    def may_hold(self, skeleton: bytes, spans: list[tuple[int, int]]) -> bool:
        """Whether some glued run of `skeleton` takes in one of `spans` (terms found inside longer
        words). Splitting runs costs a wordninja call each: the letters around each span are
        looked at first, and a span inside a dictionary word ("men" in "comment") needs none."""
        vocabulary = spelling.vocabulary()
        inside = []
        for start, end in spans:
            first, last = start, end
            while first > 0 and 0x61 <= skeleton[first - 1] <= 0x7A:
                first -= 1
            while last < len(skeleton) and 0x61 <= skeleton[last] <= 0x7A:
                last += 1
            if (
                last - first >= spelling.MIN_GLUED
                and skeleton[first:last].decode() not in vocabulary
            ):
                inside.append((start, end))
        if not inside:
            return False
        runs = self.runs(skeleton)
        return any(rs < end and start < re for rs, re, _ in runs for start, end in inside)

    def _runs(self, skeleton: bytes) -> Glued:
        found = []
        vocabulary = spelling.vocabulary()
        splits = 0
        for match in _LONG_LETTERS.finditer(skeleton):
            token = match.group().decode("ascii")
            if token in vocabulary:
                continue  # the usual case: a long word
            start, end = match.span()
            if _is_nick(skeleton, start, end) or _STRETCHED.search(skeleton, start, end):
                continue
            splits += 1
            if splits > _MAX_SPLITS:
                break  # a message built of unknown runs must not cost a split each
            words = spelling.split_glued(token)
            if words and self._may_hold_terms(words):
                found.append((start, end, words))
        return found

    def _may_hold_terms(self, words: tuple[str, ...]) -> bool:
        term_words, glue = self._term_words, spelling.GLUE
        if words[-1] not in term_words and len(words[-1]) < 3:
            return False
        return all(word in term_words or word in glue for word in words)

    def matches(
        self, skeleton: bytes, glued: Glued, scan: Callable[[bytes], list[tuple[int, int]]]
    ) -> Iterator[tuple[int, int, int]]:
        """(atom, start, end) in the skeleton of each term that stands as whole words once the
        glued runs are cut, for runs whose every word is part of a term or a function word.
        `scan` returns (atom, end offset) for every term occurring in a text."""
        variant, gaps, pieces = _segment(skeleton, glued)
        accepted: list[tuple[int, int, int]] = []  # atom, start, end in the variant
        for atom, end in scan(variant):
            literal = self._literals.get(atom)
            if literal is None:
                continue
            start = end - len(literal.skeleton)
            if (start > 0 and _WORD_BYTE[variant[start - 1]]) or (
                end < len(variant) and _WORD_BYTE[variant[end]]
            ):
                continue
            accepted.append((atom, start, end))
        rejected = _rejected_runs(glued, gaps, pieces, accepted)
        for atom, start, end in accepted:
            first, last = _unsegmented(gaps, start), _unsegmented(gaps, end - 1) + 1
            if {_run_of(glued, first), _run_of(glued, last - 1)} & rejected:
                continue
            yield atom, first, last


def _rejected_runs(
    glued: Glued,
    gaps: list[int],
    pieces: list[tuple[int, int, str]],
    accepted: list[tuple[int, int, int]],
) -> set[int | None]:
    """Starts of the runs with a word that is neither in a term found nor a function word, or
    that end in such a word of one or two letters."""
    rejected: set[int | None] = set()
    for index, (piece_start, piece_end, word) in enumerate(pieces):
        in_term = any(start < piece_end and piece_start < end for _, start, end in accepted)
        run = _run_of(glued, _unsegmented(gaps, piece_start))
        ends_run = (
            index + 1 == len(pieces)
            or _run_of(glued, _unsegmented(gaps, pieces[index + 1][0])) != run
        )
        if not in_term and (word not in spelling.GLUE or (ends_run and len(word) < 3)):
            rejected.add(run)
    rejected.discard(None)
    return rejected


def _segment(skeleton: bytes, glued: Glued) -> tuple[bytes, list[int], list[tuple[int, int, str]]]:
    """The skeleton with a space between the words of each glued run, the offsets (in it) of
    those spaces, and where each of the words lies in it."""
    out = bytearray()
    gaps: list[int] = []
    pieces: list[tuple[int, int, str]] = []
    position = 0
    for start, end, words in glued:
        out += skeleton[position:start]
        at = start
        for index, word in enumerate(words):
            if index:
                gaps.append(len(out))
                out.append(0x20)
            pieces.append((len(out), len(out) + len(word), word))
            out += skeleton[at : at + len(word)]
            at += len(word)
        position = end
    out += skeleton[position:]
    return bytes(out), gaps, pieces


def _unsegmented(gaps: list[int], offset: int) -> int:
    """The skeleton offset of a letter at `offset` in the segmented text."""
    return offset - bisect_left(gaps, offset)


def _is_nick(data: bytes, start: int, end: int) -> bool:
    """True for a run at the start of a line followed by ':' or ',' (a nick addressed)."""
    at_line_start = start == 0 or data[start - 1] == 0x0A
    return at_line_start and end < len(data) and data[end] in b":,"


def _run_of(glued: Glued, offset: int) -> int | None:
    """The start of the glued run holding `offset` (in the skeleton), if one does."""
    for start, end, _ in glued:
        if start <= offset < end:
            return start
    return None
