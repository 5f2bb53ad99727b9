"""Word sets of the compositional layer as token-tuple lookups, and the message's words.

A word set is looked up by its first word (a dict), then by the rest of the phrase, so a set of
thousands of lexicon words costs one dict probe per position. Everything here is plain data
(dicts, tuples, frozensets): a compiled rule set pickles.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

Phrase = tuple[str, ...]

# Contractions as the words they stand for, so a shape reads "they're" as "they are" and
# "shouldn't" as "should not". "ill" and "its" are real words: they are left alone.
_CONTRACTED = {
    "can't": ("can", "not"),
    "cant": ("can", "not"),
    "cannot": ("can", "not"),
    "won't": ("will", "not"),
    "wont": ("will", "not"),
    "ain't": ("are", "not"),
    "im": ("i", "am"),
    "i'm": ("i", "am"),
    "ima": ("i", "am", "going", "to"),
    "imma": ("i", "am", "going", "to"),
    "gonna": ("going", "to"),
    "wanna": ("want", "to"),
    "gotta": ("got", "to"),
}
_SUFFIXES = (("n't", ("not",)), ("'re", ("are",)), ("'ll", ("will",)), ("'d", ("would",)))
_NOT_FORMS = {"dont": "do", "doesnt": "does", "didnt": "did", "isnt": "is", "arent": "are"}
_NOT_FORMS |= {"wasnt": "was", "werent": "were", "shouldnt": "should", "wouldnt": "would"}
_NOT_FORMS |= {"couldnt": "could", "mustnt": "must", "hasnt": "has", "havent": "have"}
_WORD = re.compile(r"[a-z0-9]+(?:['*-][a-z0-9*]+)*")
_PIECE = re.compile(r"[a-z0-9]+(?:['*-][a-z0-9*]+)*|[.!?;\n,:]")
_BREAK_MARKS = frozenset(".!?;\n")
_PAUSE_MARKS = frozenset(",:")
_NOT_BREAKING = frozenset({"nothing", "anything", "everything", "all", "none"})  # "... but X"


def split_word(word: str) -> Phrase:
    """A token as the words it stands for ("they're" -> they, are)."""
    if "'" not in word and word not in _SPECIAL:
        return (word,)  # most words
    if word in _CONTRACTED:
        return _CONTRACTED[word]
    if word in _NOT_FORMS:
        return (_NOT_FORMS[word], "not")
    for suffix, tail in _SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix):
            head = word[: -len(suffix)]
            return (head, *tail) if suffix != "n't" else (_n_t_head(head), *tail)
    if word.endswith("'s") and word[:-2] in ("it", "that", "he", "she", "there", "what", "who"):
        return (word[:-2], "is")
    return (word,)


_SPECIAL = frozenset(_CONTRACTED) | frozenset(_NOT_FORMS)


def _n_t_head(head: str) -> str:
    return {"ca": "can", "wo": "will", "sha": "shall"}.get(head, head)


@dataclass(frozen=True, slots=True)
class Words:
    """A folded message as words (contractions split), each with its character span, and
    where sentences break between them."""

    words: tuple[str, ...]
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    breaks: frozenset[int]  # i: a sentence end or "but" lies between word i-1 and word i
    pauses: frozenset[int]  # i: a break, comma or colon lies between word i-1 and word i

    @classmethod
    def of(cls, folded: str, limit: int = 400) -> Words:
        """The first `limit` words of folded text."""
        words: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        breaks: set[int] = set()
        pauses: set[int] = set()
        for match in _PIECE.finditer(folded):
            piece = match.group()
            if piece in _BREAK_MARKS:
                breaks.add(len(words))
                continue
            if piece in _PAUSE_MARKS:
                pauses.add(len(words))
                continue
            if len(words) >= limit:
                break
            if piece == "but" and (not words or words[-1] not in _NOT_BREAKING):
                breaks.add(len(words) + 1)
            for part in split_word(piece):
                words.append(part)
                starts.append(match.start())
                ends.append(match.end())
        breaks.discard(0)
        pauses.discard(0)
        pauses |= breaks
        return cls(tuple(words), tuple(starts), tuple(ends), frozenset(breaks), frozenset(pauses))

    def __len__(self) -> int:
        return len(self.words)

    @property
    def vocabulary(self) -> frozenset[str]:
        """The distinct words of the message."""
        return frozenset(self.words)  # a few dozen words; asked once per message (see Composer)

    def positions(self) -> dict[str, list[int]]:
        """Where each distinct word of the message stands (its keys are the vocabulary)."""
        out: dict[str, list[int]] = {}
        for index, word in enumerate(self.words):
            out.setdefault(word, []).append(index)
        return out

    def index_at(self, offset: int) -> int:
        """Index of the first word starting at or after `offset`."""
        return bisect_left(self.starts, offset)

    def span(self, first: int, last: int) -> tuple[int, int]:
        """Character span from word `first` to word `last` (inclusive)."""
        return self.starts[first], self.ends[last]

    def clause_start(self, index: int) -> bool:
        """True if word `index` begins the message or a sentence."""
        return index == 0 or index in self.breaks


@dataclass(frozen=True, slots=True)
class Phrases:
    """A word set: phrases by first word, longest first, each with where it came from."""

    by_first: dict[str, tuple[Phrase, ...]]
    source: dict[Phrase, str]

    @classmethod
    def build(cls, entries: Iterable[tuple[Phrase, str]]) -> Phrases:
        """From (phrase, source) pairs; the first source given for a phrase wins."""
        source: dict[Phrase, str] = {}
        for phrase, origin in entries:
            if phrase:
                source.setdefault(phrase, origin)
        grouped: dict[str, list[Phrase]] = {}
        for phrase in source:
            grouped.setdefault(phrase[0], []).append(phrase)
        by_first = {k: tuple(sorted(v, key=len, reverse=True)) for k, v in grouped.items()}
        return cls(by_first, source)

    def lengths_at(self, words: tuple[str, ...], index: int) -> list[int]:
        """Lengths of the phrases that occur at `index`, longest first."""
        if index >= len(words):
            return []
        candidates = self.by_first.get(words[index])
        if not candidates:
            return []
        return [len(p) for p in candidates if words[index : index + len(p)] == p]

    def occurs_in(self, words: tuple[str, ...], positions: Mapping[str, list[int]]) -> bool:
        """True if some phrase of the set occurs in `words` (`positions`: where each of its
        distinct words stands, see `Words.positions`)."""
        firsts = self.by_first.keys() & positions.keys()
        if any(len(self.by_first[first][-1]) == 1 for first in firsts):
            return True  # a one-word phrase (each first word's phrases end with the shortest)
        return any(self.lengths_at(words, index) for first in firsts for index in positions[first])

    def __contains__(self, phrase: object) -> bool:
        return phrase in self.source

    def __len__(self) -> int:
        return len(self.source)


def phrase_of(text: str) -> Phrase:
    """A listed term as the words a message would show ("can't stand" -> can, not, stand)."""
    out: list[str] = []
    for word in _WORD.findall(text.lower()):
        out.extend(split_word(word))
    return tuple(out)


def inflections(word: str) -> set[str]:
    """A base word and its regular inflections: kill -> kills, killed, killing; stab ->
    stabbed; bury -> buried. Irregular forms are listed in the rule files."""
    forms = {word}
    if not word.isalpha() or len(word) < 3:
        return forms
    if word.endswith("e"):
        forms |= {word + "s", word + "d", word[:-1] + "ing"}
    elif word.endswith("y") and word[-2] not in "aeiou":
        forms |= {word[:-1] + "ies", word[:-1] + "ied", word + "ing"}
    elif word.endswith(("s", "sh", "ch", "x", "z")):
        forms |= {word + "es", word + "ed", word + "ing"}
    else:
        forms |= {word + "s", word + "ed", word + "ing"}
        if len(word) <= 4 and word[-1] not in "aeiouwy" and word[-2] in "aeiou":
            forms |= {word + word[-1] + "ed", word + word[-1] + "ing"}
    return forms
