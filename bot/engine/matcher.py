"""All patterns of a rule set compiled once: Hyperscan answers "which patterns occur?" for every
message in one pass; RE2 gives exact spans on the rare message where something occurred.

Both engines run in linear time, so no admin-written pattern can stall the bot. A regex that RE2
accepts but Hyperscan cannot compile still works: it is checked with RE2 on every message, which
is slower but equally safe.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import hyperscan  # type: ignore[import-untyped]
import re2  # type: ignore[import-untyped]

AtomKind = Literal["term", "regex"]


@dataclass(frozen=True, slots=True)
class Atom:
    """One pattern: a generated term pattern (group 1 is the span) or an admin regex."""

    kind: AtomKind
    pattern: str


class PatternError(ValueError):
    """A pattern neither engine can use; the message is fit for an admin."""


def _re2_options(kind: AtomKind) -> re2.Options:
    options = re2.Options()
    options.max_mem = 8 << 20
    if kind == "term":
        # Term patterns are written byte-wise over UTF-8 (see patterns.py).
        options.encoding = re2.Options.Encoding.LATIN1
    else:
        options.case_sensitive = False
    return options


def compile_re2(atom: Atom) -> re2._Regexp:
    """Compile one atom with RE2, raising PatternError with RE2's reason."""
    try:
        return re2.compile(atom.pattern.encode("utf-8"), _re2_options(atom.kind))
    except re2.error as exc:
        raise PatternError(f"RE2 rejects the pattern: {exc}") from None


def _hs_flags(atom: Atom) -> int:
    flags = int(hyperscan.HS_FLAG_SINGLEMATCH)
    if atom.kind == "regex":
        flags |= hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_CASELESS
    return flags


def _hs_compiles(atom: Atom) -> bool:
    database = hyperscan.Database()
    try:
        database.compile(
            expressions=[atom.pattern.encode("utf-8")], ids=[0], elements=1, flags=[_hs_flags(atom)]
        )
    except hyperscan.error:
        return False
    return True


class Matcher:
    """A compiled set of atoms. Build once per rule set; `scan` is safe to call concurrently."""

    def __init__(self, atoms: Sequence[Atom]) -> None:
        self.atoms = tuple(atoms)
        self._re2 = [compile_re2(atom) for atom in self.atoms]
        regex_ids = [i for i, a in enumerate(self.atoms) if a.kind == "regex"]
        # Hyperscan rejects a few RE2 constructs; find them once so the rest stay in one database.
        self._re2_only = tuple(i for i in regex_ids if not _hs_compiles(self.atoms[i]))
        in_db = [i for i in range(len(self.atoms)) if i not in set(self._re2_only)]
        self._database: hyperscan.Database | None = None
        if in_db:
            self._database = hyperscan.Database()
            self._database.compile(
                expressions=[self.atoms[i].pattern.encode("utf-8") for i in in_db],
                ids=in_db,
                elements=len(in_db),
                flags=[_hs_flags(self.atoms[i]) for i in in_db],
            )

    @property
    def re2_only_count(self) -> int:
        """How many regexes run outside Hyperscan (each costs an RE2 pass per message)."""
        return len(self._re2_only)

    def scan(self, data: bytes) -> list[int]:
        """Ids of the atoms that occur in `data` (each at most once), in no particular order."""
        found: list[int] = []
        if self._database is not None:

            def on_match(atom_id: int, start: int, end: int, flags: int, context: object) -> None:
                found.append(atom_id)

            self._database.scan(data, match_event_handler=on_match)
        for atom_id in self._re2_only:
            if self._re2[atom_id].search(data):
                found.append(atom_id)
        return found

    def spans(self, atom_id: int, data: bytes) -> list[tuple[int, int]]:
        """Exact byte spans of one atom in `data`: the term itself, or the whole regex match."""
        regex = self._re2[atom_id]
        if self.atoms[atom_id].kind == "regex":
            return [m.span() for m in regex.finditer(data) if m.end() > m.start()]
        spans: list[tuple[int, int]] = []
        position = 0
        while position <= len(data):
            found = regex.search(data, position)
            if found is None:
                break
            start, end = found.span(1)
            spans.append((start, end))
            # Restart at the end of the term, not of the match, so the boundary byte it
            # consumed can serve as the next term's left boundary ("fag fag").
            position = max(end, found.start() + 1)
        return spans
