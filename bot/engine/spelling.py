"""Spelling evasions that need a vocabulary: words run together ("womenaredisgusting") and
one-letter misspellings of a slur or key word ("nigegr").

Both rest on wordninja (MIT): its English unigram list (126,000 words ranked by frequency from
Wikipedia, shipped inside the wheel, never downloaded) says which tokens are real words, and
its splitter cuts an unknown run of letters into the likeliest words. Nothing here runs on
ordinary traffic: misspellings are expanded once, when rules compile (`edit_variants`), and a
token is split only in the exact pass, when a term was found glued inside it (`split_glued`).
"""

from __future__ import annotations

import gzip
import importlib.util
from functools import cache, lru_cache
from pathlib import Path

MIN_GLUED = 7  # letters in a token before it may hold two words ("manycoons", "ihatejews")
_MAX_GLUED = 32  # longer runs are not words run together but noise (hashes, keyboard mashing)
_MIN_ALTERED = 5  # shorter words have too many innocent neighbours ("coon" -> "con")
_VOWELS = "aeiou"

# Everyday words that are run together with a term ("too manyX", "ihateX", "Xarevermin"): a
# glued token counts only when each of its words is part of a term or one of these.
GLUE = frozenset(
    "i im id ill you u ur your youre we were they them their those these that this the a an "
    "all every many too so such much more most very really fucking fuckin bloody damn dirty "
    "filthy stupid absolute absolutely total totally utter are is be been being was should "
    "must will would can could need to of and or for in on at like go get back out just "
    "only always never not no".split()
)


@cache
def vocabulary() -> frozenset[str]:
    """Every word of wordninja's list (lower case), loaded on first use (about 40 ms)."""
    return frozenset(_ranked_words())


@cache
def frequency_rank() -> dict[str, int]:
    """Each word of the vocabulary -> its place by frequency (0: the commonest)."""
    return {word: rank for rank, word in reversed(list(enumerate(_ranked_words())))}


@cache
def _ranked_words() -> tuple[str, ...]:
    spec = importlib.util.find_spec("wordninja")
    if spec is None or spec.origin is None:
        raise ImportError("wordninja is not installed")
    path = Path(spec.origin).parent / "wordninja" / "wordninja_words.txt.gz"
    return tuple(gzip.decompress(path.read_bytes()).decode("utf-8").split())


def is_word(token: str) -> bool:
    """True when `token` (lower case) is a word of the vocabulary."""
    return token in vocabulary()


@lru_cache(maxsize=4096)
def split_glued(token: str) -> tuple[str, ...]:
    """The words an unknown run of letters is made of, or () when it is a real word, too short
    or too long, or does not split. A lone trailing "s" stays on its word ("mongs")."""
    if not (MIN_GLUED <= len(token) <= _MAX_GLUED) or not token.isalpha() or is_word(token):
        return ()
    import wordninja  # loads its model (~0.2 s) on first use

    pieces: list[str] = []
    for piece in wordninja.split(token):
        if piece == "s" and pieces:
            pieces[-1] += piece
        else:
            pieces.append(piece)
    return tuple(pieces) if len(pieces) > 1 else ()


def edit_variants(word: str, insertions: bool = False) -> list[str]:
    """One-edit misspellings of `word` that are not themselves words: a letter deleted
    ("stupd"), two neighbours swapped ("nigegr"), and with `insertions` a letter doubled
    ("retardd", "faggott"). The first letter never changes; words under
    five letters are left alone and no misspelling is shorter than that."""
    if len(word) < _MIN_ALTERED or not word.isalpha():
        return []
    edits = {word[:i] + word[i + 1 :] for i in range(1, len(word))}
    edits |= {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(1, len(word) - 1)}
    if insertions:
        for i in range(1, len(word) + 1):
            edits.add(word[:i] + word[i - 1] + word[i:])
    edits.discard(word)
    known = vocabulary()
    # A dropped vowel may leave four letters ("womn", "blck") in key words, whose misspellings
    # only count next to another term; a slur's (`insertions`) must keep five.
    shortest = _MIN_ALTERED if insertions else _MIN_ALTERED - 1
    vowel_dropped = {word[:i] + word[i + 1 :] for i in range(1, len(word)) if word[i] in _VOWELS}
    return sorted(
        edit
        for edit in edits
        if edit not in known
        and (len(edit) >= _MIN_ALTERED or (len(edit) >= shortest and edit in vowel_dropped))
    )
