"""Field-made lexicons read from the data files their PyPI packages ship, never downloaded.

* vaderSentiment (MIT, Hutto & Gilbert 2014): `vader_lexicon.txt`, about 7,500 words and
  emoticons rated by people from -4 (most negative) to +4, one mean rating per word.
* Empath (MIT, Fast et al. 2016): `data/categories.tsv`, 194 categories (violence, animal,
  disease, filth...), each a list of words grown from seed words and checked by crowd workers.

The packages are found with `importlib.util.find_spec`, which locates them without running
their code (both import `requests` at import time). Read once per rule-set build; what comes
back is plain data (dicts of floats, frozensets), so a compiled rule set stays picklable.
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path


class LexiconError(ValueError):
    """A lexicon that is not installed or cannot be read; the message is fit for an admin."""


def _package_dir(name: str) -> Path:
    spec = find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise LexiconError(f"the lexicon package '{name}' is not installed (pip install {name})")
    return Path(next(iter(spec.submodule_search_locations)))


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LexiconError(f"cannot read {path}: {exc.strerror}") from None


def vader() -> dict[str, float]:
    """Word -> mean valence, from vaderSentiment's lexicon (words only, no emoticons)."""
    text = _read(_package_dir("vaderSentiment") / "vader_lexicon.txt")
    ratings: dict[str, float] = {}
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) < 2 or not fields[0][:1].isalpha():
            continue
        try:
            ratings[fields[0].lower()] = float(fields[1])
        except ValueError:
            continue
    return ratings


def empath() -> dict[str, frozenset[str]]:
    """Category -> words, from Empath's shipped categories."""
    text = _read(_package_dir("empath") / "data" / "categories.tsv")
    categories: dict[str, frozenset[str]] = {}
    for line in text.splitlines():
        fields = line.strip().split("\t")
        if len(fields) > 1:
            words = (w.lower().replace("_", " ") for w in fields[1:])
            categories[fields[0]] = frozenset(w for w in words if w)
    return categories


class Lexicons:
    """Both lexicons, each read on first use during one rule-set build."""

    def __init__(self) -> None:
        self._vader: dict[str, float] | None = None
        self._empath: dict[str, frozenset[str]] | None = None

    def vader_range(self, low: float | None, high: float | None) -> frozenset[str]:
        """Vader words with valence in [low, high] (either bound may be open)."""
        if self._vader is None:
            self._vader = vader()
        return frozenset(
            word
            for word, value in self._vader.items()
            if (low is None or value >= low) and (high is None or value <= high)
        )

    def empath_category(self, name: str) -> frozenset[str]:
        """One Empath category's words; LexiconError for an unknown category."""
        if self._empath is None:
            self._empath = empath()
        if name not in self._empath:
            raise LexiconError(f"unknown Empath category '{name}'")
        return self._empath[name]
