"""Every term and regex of a rule set, compiled once into Hyperscan databases.

Per message: one scan of the folded text with the first-pass database (the terms that matter,
two detectors of evasion: a run of three identical letters, letters spaced out; and the admin
regexes), plus a one-byte test for a masked letter (`f*g`). Only a message with leetspeak
characters also gets a scan of its skeleton (see `patterns.py`), which is the folded text itself
otherwise. Almost every message ends there with nothing found and no Python callback.
Otherwise, unless one scan of the skeleton with its repeated letters collapsed shows that
nothing a rule can use is there (see `_Refuter`), the exact pass scans the skeleton with every
term, checks word boundaries in the folded text, rewrites the skeleton to undo the detected
evasions and scans again, and gets exact regex spans from RE2. Both engines run in linear time,
so no admin-written pattern can stall the bot; a regex RE2 accepts but Hyperscan cannot compile
is run with RE2 alone.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Collection, Iterator, KeysView, Mapping, Sequence
from typing import Any

import hyperscan
import re2

from bot.engine.glued import GluedWords
from bot.engine.patterns import LEET_FROM, LEET_TO, SKELETON_TABLE, Literal, is_single_word

Span = tuple[int, int]
MAX_SPANS_PER_ATOM = 500  # bounds the work on a message built to repeat a term thousands of times
_NONE: dict[int, list[Span]] = {}

_SEPARATORS = rb"[ .\-,~/\\:;'\"_|+]"
_SPACED_HS = (
    rb"(?:^|[^a-z])[a-z]" + _SEPARATORS + rb"{1,2}[a-z]" + _SEPARATORS + rb"{1,2}[a-z](?:[^a-z]|$)"
)
_SPACED_RE = re.compile(rb"(?<![a-z])[a-z](?:" + _SEPARATORS + rb"{1,2}[a-z]){2,}(?![a-z])")
_RUN_RE = re.compile(rb"([a-z])\1{2,}")
_REPEATED_RE = re.compile(rb"([a-z])(?=\1)")  # a letter the same letter follows
_MAX_RUN_CHOICES = 6  # runs given a choice of one or two letters each (2**6 rewrites at most)
_MAX_MIXED_LENGTH = 2000  # bytes of text beyond which runs no longer choose separately
_WORD_RE = re.compile(rb"[a-z]+")
_SPELLED_SPAN = 96  # bytes of spaced-out letters around a term that may still be short words
# The skeleton with `|` and `+` kept, so that they can separate spaced-out letters ("n|i|g").
_SPACING_LEET = [(f, t) for f, t in zip(LEET_FROM, LEET_TO, strict=True) if f not in b"|+"]
_SPACING_TABLE = bytes.maketrans(
    bytes(f for f, _ in _SPACING_LEET), bytes(t for _, t in _SPACING_LEET)
)
# Short everyday words that may precede or follow a spaced-out term inside one run of single
# letters ("I a m a f a g", "u r a f a g"); any other letters around it ("s c u n t h o r p e")
# mean the term is part of a longer spelled-out word.
_SPELLED_WORDS = frozenset(
    "i a an am im u r ur ya you your youre are is its so such he hes she shes we they them "
    "the what total go be da lol lmao lmfao ok too bro man dude".split()
)
_MASKED_RE = re.compile(rb"(?<![a-z*])[a-z][a-z*]*\*[a-z*]*")
_MASK_MARK_RE = re.compile(rb"[a-z]\*")  # the exact pass's masked-letter detector, in Python


class PatternError(ValueError):
    """A pattern that cannot be used; the message is fit for an admin."""


def compile_re2(pattern: str) -> re2._Regexp:
    """Compile an admin regex with RE2 (case-insensitive, on UTF-8), or raise PatternError."""
    options = re2.Options()
    options.max_mem = 8 << 20
    options.case_sensitive = False
    options.log_errors = False  # the error is raised; RE2's own log line is noise on stderr
    try:
        return re2.compile(pattern.encode("utf-8"), options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        reason = str(reason).removesuffix(f": {pattern}")  # RE2 repeats the pattern
        raise PatternError(f"RE2 rejects the pattern: {reason}") from None


# 1 for the bytes that continue a word in folded UTF-8 text: a-z, 0-9 and every non-ASCII byte.
_WORD_BYTE = bytes(
    1 if byte >= 0x80 or 0x30 <= byte <= 0x39 or 0x61 <= byte <= 0x7A else 0 for byte in range(256)
)


def _escape(literal: bytes) -> bytes:
    return b"".join(
        bytes([b]) if chr(b).isalnum() and b < 0x80 else b"\\x%02x" % b for b in literal
    )


def _compile(expressions: list[bytes], ids: list[int], flags: list[int]) -> hyperscan.Database:
    database = hyperscan.Database()
    database.compile(expressions=expressions, ids=ids, elements=len(ids), flags=flags)
    return database


def _hs_accepts(pattern: str) -> bool:
    try:
        _compile([pattern.encode("utf-8")], [0], [_REGEX_FLAGS])
    except hyperscan.error:
        return False
    return True


_REGEX_FLAGS = int(
    hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_SINGLEMATCH
)


# For each byte of a rewritten skeleton, its source span: start offsets and end offsets in two
# lists (copied by C-level slicing, not a tuple per byte). None: the skeleton as it is.
Origin = tuple[list[int], list[int]] | None


def _rewrite(
    data: bytes,
    origin: Origin,
    pattern: re.Pattern[bytes],
    keep: Callable[[re.Match[bytes]], list[int]],
    find_in: bytes | None = None,
) -> tuple[bytes, Origin]:
    """`data` with each match of `pattern` reduced to the positions `keep` returns.

    Matches are looked for in `find_in` (same length as `data`) if given. The last kept byte of
    a match also stands for everything after it up to the match's end, so a span ending on a
    collapsed run ("faaaag" -> "fag") still covers the whole run.
    """
    if origin is None:
        starts: Sequence[int] = range(len(data))
        ends: Sequence[int] = range(1, len(data) + 1)
    else:
        starts, ends = origin
    out = bytearray()
    new_starts: list[int] = []
    new_ends: list[int] = []
    position = 0
    for match in pattern.finditer(data if find_in is None else find_in):
        begin = match.start()
        out += data[position:begin]
        new_starts += starts[position:begin]
        new_ends += ends[position:begin]
        kept = keep(match)
        for index in kept:
            out.append(data[index])
            new_starts.append(starts[index])
            new_ends.append(ends[index])
        if kept:
            new_ends[-1] = ends[match.end() - 1]
        position = match.end()
    out += data[position:]
    new_starts += starts[position:]
    new_ends += ends[position:]
    return bytes(out), (new_starts, new_ends)


def _run_keeper(choices: tuple[int, ...]) -> Callable[[re.Match[bytes]], list[int]]:
    """Keep one or two letters of a run: `choices[n]` for the n-th run of its word (the last
    choice for runs beyond), so every word of a message gets the same combination."""
    state = {"end": -1, "index": 0}

    def keep(match: re.Match[bytes]) -> list[int]:
        between = match.string[state["end"] : match.start()] if state["end"] >= 0 else b" "
        state["index"] = state["index"] + 1 if between.isalpha() or not between else 0
        state["end"] = match.end()
        count = choices[min(state["index"], len(choices) - 1)]
        return list(range(match.start(), match.start() + count))

    return keep


def _runs_per_word(data: bytes) -> int:
    """The largest number of runs of three or more letters in one word."""
    if _RUN_RE.search(data) is None:  # the usual case: no run at all, no per-word split
        return 0
    return max((len(_RUN_RE.findall(word)) for word in _WORD_RE.findall(data)), default=0)


def _spelled(letters: bytes) -> bool:
    """True if `letters` split into everyday short words (empty included)."""
    ends = {0}
    for end in range(1, len(letters) + 1):
        if any(letters[s:end].decode() in _SPELLED_WORDS for s in ends if end - s <= 5):
            ends.add(end)
    return len(letters) in ends


def _collect(atom: int, start: int, end: int, flags: int, events: Any) -> None:
    events.append((atom, end))  # `events` is a list[tuple[int, int]]; Any avoids a cast per call


def _collect_id(atom: int, start: int, end: int, flags: int, atoms: Any) -> None:
    atoms.add(atom)


def _collapse(data: bytes) -> bytes:
    """Every run of one letter as that letter once ("sooo cool" -> "so col")."""
    return _REPEATED_RE.sub(b"", data)  # no group in the replacement: no per-match Python


class _Refuter:
    """Proves cheaply, for most messages the first pass picked out, that the exact pass would
    find nothing any enabled rule can use, so that it need not run.

    Undoing repeated letters rewrites the skeleton up to 2**6 ways ("sooo" -> "so", "soo"),
    each scanned with every term. But if a term occurs in any rewrite, its collapsed form (see
    `_collapse`) occurs in the collapsed skeleton: one scan of that, with the collapsed terms
    that matter (loud terms and both sides of every pair, not only the side the first pass
    looks for), finds a superset of the terms the exact pass can find. Word boundaries are not
    checked, which only keeps the set a superset.
    """

    def __init__(
        self,
        literals: dict[int, Literal],
        loud: Collection[int],
        pairs: Sequence[tuple[Collection[int], Collection[int]]],
    ) -> None:
        self._loud = frozenset(loud)
        self._masks = _pair_masks(pairs)
        wanted = [atom for atom in literals if atom in self._loud or atom in self._masks]
        expressions = [_escape(_collapse(literals[atom].skeleton)) for atom in wanted]
        flags = [int(hyperscan.HS_FLAG_SINGLEMATCH)] * len(wanted)
        self._scan = _compile(expressions, wanted, flags).scan if wanted else None

    def pairs_keys(self) -> KeysView[int]:
        """Every atom that is a side of some pair."""
        return self._masks.keys()

    def matters(self, skeleton: bytes, regex_atoms: set[int]) -> bool:
        """False if no rewrite of `skeleton` that only shortens runs of a letter can hold a loud
        term or both sides of a pair, and no regex of `regex_atoms` is loud or completes one."""
        atoms = set(regex_atoms)
        if self._scan is not None:
            self._scan(_collapse(skeleton), _collect_id, 0, atoms)
        if not atoms.isdisjoint(self._loud):
            return True
        side_a = side_b = 0
        for atom in atoms:
            a, b = self._masks.get(atom, (0, 0))
            side_a |= a
            side_b |= b
        return bool(side_a & side_b)


def _first(count: int) -> Callable[[re.Match[bytes]], list[int]]:
    return lambda m: list(range(m.start(), m.start() + count))


def _letters(match: re.Match[bytes]) -> list[int]:
    text = match.group()
    return [match.start() + i for i, b in enumerate(text) if 0x61 <= b <= 0x7A]


Atom = Literal | str  # a term's literal, or an admin regex


class _FirstPass:
    """The database every message is scanned with (see `Matcher.build_first_pass`)."""

    def __init__(
        self,
        database: hyperscan.Database,
        regexes: frozenset[int],
        masks: dict[int, tuple[int, int]],
        loud_terms: frozenset[int],
        gated: tuple[dict[int, bytes], hyperscan.Database] | None = None,
    ) -> None:
        self.scan = database.scan
        # Gate word ids -> words, and the database of the regexes they stand for (see
        # `open_gates`).
        gate_words, gated_database = gated or ({}, database)
        self._gate_words = gate_words
        self.gate_ids = frozenset(gate_words)
        self._scan_gated = gated_database.scan
        self.regexes = regexes  # ids that name a regex, for the exact pass to run
        self.loud_terms = loud_terms  # terms that call for the exact pass on their own
        # A pair-side term -> (pairs it is side A of, pairs it is side B of); a term on both
        # sides of one pair completes it alone, so it counts as loud.
        self.masks = {atom: mask for atom, mask in masks.items() if not mask[0] & mask[1]}
        # Ids that do not call for a closer look on their own.
        self.pair_sides = frozenset(self.masks)
        self.passive = self.pair_sides | regexes

    def open_gates(self, data: bytes, seen: set[int]) -> None:
        """For a message where the scan saw a gate word: the gated regexes that match, in
        place of the gate ids. The scan finds a gate inside longer words too ("put" in
        "output"); only a gate that stands as a word opens."""
        gates = self.gate_ids & seen
        seen -= gates
        if any(_stands_as_word(data, self._gate_words[gate]) for gate in gates):
            self._scan_gated(data, _collect_id, 0, seen)

    def closer_look(self, seen: set[int]) -> bool:
        """True if a loud term, an evasion detector, or both sides of some pair occurred."""
        if not seen <= self.passive:
            return True
        if len(seen) < 2:
            return False
        side_a = side_b = 0
        for atom in seen:
            mask = self.masks.get(atom)
            if mask is not None:
                side_a |= mask[0]
                side_b |= mask[1]
        return bool(side_a & side_b)


class Matcher:
    """Compiled atoms; an atom's id is its index in `atoms`. Build once per rule set."""

    def __init__(
        self,
        atoms: Sequence[Atom],
        typos: Collection[int] = (),
        gates: Mapping[int, Collection[str]] | None = None,
    ) -> None:
        """`typos`: atoms that are generated misspellings, which a masked word ("f***g") is
        never compared with. `gates`: for some regexes, words one of which each of their
        matches holds as a word of its own (no letter or digit next to it); the first pass
        looks for those words and runs the regex only where one stands (unless the regex is a
        side of a pair)."""
        self.atoms = tuple(atoms)
        self._gates = {
            atom: tuple(sorted(word.encode("utf-8") for word in words))
            for atom, words in (gates or {}).items()
            if words and isinstance(self.atoms[atom], str)
        }
        typos = frozenset(typos)
        literal_ids = [i for i, a in enumerate(self.atoms) if isinstance(a, Literal)]
        regex_ids = [i for i, a in enumerate(self.atoms) if isinstance(a, str)]
        self._literals: dict[int, Literal] = {i: self._literal(i) for i in literal_ids}
        count = len(self.atoms)
        self._run_ids = range(count, count + 26)
        self._spaced_id = self._run_ids.stop
        self._masked_id = self._spaced_id + 1
        expressions = [_escape(self._literals[i].skeleton) for i in literal_ids]
        expressions += [bytes([c]) * 3 for c in range(0x61, 0x7B)]
        expressions += [_SPACED_HS, rb"[a-z]\*"]
        ids = literal_ids + list(self._run_ids) + [self._spaced_id, self._masked_id]
        self._skeleton_db = _compile(expressions, ids, [0] * len(ids))
        self._re2 = {i: compile_re2(self._regex(i)) for i in regex_ids}
        self._first: _FirstPass | None = None  # built by `build_first_pass`, or on first use
        self._refuter: _Refuter | None = None
        self._re2_only: tuple[int, ...] = ()
        self._lazy_scan: Callable[..., Any] | None = None  # exception regexes, Hyperscan
        self._lazy_re2_only: tuple[int, ...] = ()  # exception regexes Hyperscan cannot compile
        self._lazy_in_pairs = True  # whether one of those is a side of some pair
        self._any_lazy: re2._Regexp | None = None
        self._glued = GluedWords(self._literals)
        self._masked: dict[tuple[int, int], list[int]] = {}
        for atom, lit in self._literals.items():
            if is_single_word(lit) and atom not in typos:
                self._masked.setdefault((len(lit.skeleton), lit.skeleton[0]), []).append(atom)

    def _literal(self, atom: int) -> Literal:
        value = self.atoms[atom]
        assert isinstance(value, Literal)
        return value

    def _regex(self, atom: int) -> str:
        value = self.atoms[atom]
        assert isinstance(value, str)
        return value

    @property
    def gates(self) -> Mapping[int, tuple[bytes, ...]]:
        """Regex id -> the words one of which each of its matches holds as a word of its own
        (see `__init__`)."""
        return self._gates

    def regex(self, atom: int) -> re2._Regexp:
        """The compiled regex of atom `atom`."""
        return self._re2[atom]

    @property
    def re2_only_count(self) -> int:
        """How many regexes run outside Hyperscan (each costs an RE2 pass per message)."""
        return len(self._re2_only)

    def describe(self, atom: int) -> str:
        """The atom roughly as an admin wrote it, for messages."""
        value = self.atoms[atom]
        return value.skeleton.decode("utf-8", "replace") if isinstance(value, Literal) else value

    def raw_scan(self, data: bytes) -> int:
        """One first-pass scan of prepared folded bytes: the matcher's own floor, for bench."""
        first = self._first or self._default_first_pass()
        seen: set[int] = set()
        first.scan(data, _collect_id, 0, seen)
        if seen and not first.gate_ids.isdisjoint(seen):
            first.open_gates(data, seen)
        return len(seen)

    def build_first_pass(
        self, loud: Collection[int], pairs: Sequence[tuple[Collection[int], Collection[int]]]
    ) -> None:
        """The database every message is scanned with, silent for most of them.

        Every term of `loud` or of a side of a pair (a `near` clause), the detectors of repeated
        and spaced letters and every regex of `loud` report their own id, at most once per
        message. A message goes on to the exact pass if a loud term, a detector or a regex
        occurs, or both sides of some pair do (or a letter is masked, see `find`). Exception
        terms and exception regexes are left to the exact pass, where their spans are needed.

        Every expression keeps an id of its own: thousands of literals sharing an id make
        Hyperscan's compiler ten times slower or worse. (Hyperscan's logical combinations, which
        would keep pair sides quiet, are evaluated at the end of every scan and cost more than
        the few callbacks they save.)
        """
        self._refuter = _Refuter(self._literals, loud, pairs)
        pairs = [self._trigger(side_a, side_b) for side_a, side_b in pairs]
        sides = {atom for side_a, side_b in pairs for atom in (*side_a, *side_b)}
        wanted = [atom for atom in self._literals if atom in loud or atom in sides]
        expressions = [_escape(self._literals[atom].skeleton) for atom in wanted]
        expressions += [bytes([c]) * 3 for c in range(0x61, 0x7B)] + [_SPACED_HS]
        ids = [*wanted, *self._run_ids, self._spaced_id]
        flags = [int(hyperscan.HS_FLAG_SINGLEMATCH)] * len(ids)
        regexes = sorted(atom for atom in self._re2 if atom in loud or atom in sides)
        # The other regexes (of exceptions) are looked for in the exact pass only, by one scan
        # of their own database: one RE2 call each cost ~2 us through the wrapper.
        lazy = [atom for atom in sorted(self._re2) if atom not in regexes]
        lazy_accepted: Collection[int] = ()
        self._lazy_scan = None
        if lazy:
            try:
                lazy_database, lazy_accepted = self._with_regexes([], [], [], lazy)
                self._lazy_scan = lazy_database.scan
            except hyperscan.error:  # not one of them compiles: RE2 runs them all
                lazy_accepted = ()
        self._lazy_re2_only = tuple(atom for atom in lazy if atom not in lazy_accepted)
        self._lazy_in_pairs = not self._refuter.pairs_keys().isdisjoint(lazy)
        self._any_lazy = self._any_of(self._lazy_re2_only)
        gated, gated_database = self._gated(regexes, sides)
        gate_words = sorted({word for atom in gated for word in self._gates[atom]})
        gate_ids = range(self._masked_id + 1, self._masked_id + 1 + len(gate_words))
        ungated = [atom for atom in regexes if atom not in gated]
        database, accepted = self._with_regexes(
            expressions + [_escape(word) for word in gate_words],
            ids + list(gate_ids),
            flags + [int(hyperscan.HS_FLAG_SINGLEMATCH)] * len(gate_ids),
            ungated,
        )
        self._re2_only = tuple(atom for atom in ungated if atom not in accepted)
        masks = {atom: mask for atom, mask in _pair_masks(pairs).items() if atom not in loud}
        loud_terms = frozenset(atom for atom in wanted if atom in loud)
        self._first = _FirstPass(
            database,
            frozenset(regexes),
            masks,
            loud_terms,
            (dict(zip(gate_ids, gate_words, strict=True)), gated_database)
            if gated_database is not None
            else None,
        )

    def _gated(
        self, regexes: list[int], sides: Collection[int]
    ) -> tuple[frozenset[int], hyperscan.Database | None]:
        """The regexes of the first pass that its scan can leave to their gates (not sides of a
        pair, and compiled by Hyperscan), and their own database."""
        gated = [atom for atom in regexes if atom in self._gates and atom not in sides]
        if not gated:
            return frozenset(), None
        try:
            database, accepted = self._with_regexes([], [], [], gated)
        except hyperscan.error:  # not one of them compiles: the scan runs them ungated
            return frozenset(), None
        return frozenset(accepted), database

    def _trigger(
        self, side_a: Collection[int], side_b: Collection[int]
    ) -> tuple[Collection[int], Collection[int]]:
        """The sides of a pair the first pass looks for.

        A side made (almost) only of phrases ("kill you", "teach him a lesson") is rarer in
        chat than single words, so it alone is enough reason to look closer, and the other
        side, often everyday words ("anyone", "id", "job"), need not cost a callback in most
        messages. The returned pair (side, side) is complete as soon as that side occurs. When
        the other side is absent, `_Refuter` usually ends the exact pass after one scan.
        """
        phrasal = [self._phrasal(side) for side in (side_a, side_b)]
        if phrasal[0] and (not phrasal[1] or len(side_a) <= len(side_b)):
            return side_a, side_a
        if phrasal[1]:
            return side_b, side_b
        return side_a, side_b

    def _phrasal(self, side: Collection[int]) -> bool:
        """True if at least 80% of a side's terms are phrases of two words or more (and it has
        no regex)."""
        literals = [self._literals.get(atom) for atom in side]
        if not literals or None in literals:
            return False
        words = sum(1 for literal in literals if literal and b" " not in literal.skeleton)
        return words * 5 <= len(literals)

    def _with_regexes(
        self, expressions: list[bytes], ids: list[int], flags: list[int], regexes: list[int]
    ) -> tuple[hyperscan.Database, Collection[int]]:
        """Compile, adding the regexes Hyperscan accepts (tested one by one only on failure)."""
        for accepted in (regexes, None):
            if accepted is None:
                accepted = [atom for atom in regexes if _hs_accepts(self._regex(atom))]
            try:
                database = _compile(
                    expressions + [self._regex(atom).encode() for atom in accepted],
                    ids + list(accepted),
                    flags + [_REGEX_FLAGS] * len(accepted),
                )
            except hyperscan.error:
                if accepted is regexes:
                    continue
                raise
            return database, frozenset(accepted)
        raise AssertionError("unreachable")

    def _any_of(self, atoms: Sequence[int]) -> re2._Regexp | None:
        """One RE2 regex that finds whether any of `atoms` occurs (one pass, not one each)."""
        if not atoms:
            return None
        try:
            return compile_re2("|".join(f"(?:{self._regex(atom)})" for atom in atoms))
        except PatternError:  # e.g. over RE2's memory budget: test them one by one
            return compile_re2("")

    def _default_first_pass(self) -> _FirstPass:
        """Without `build_first_pass`: every term and regex is loud."""
        self.build_first_pass(range(len(self.atoms)), ())
        assert self._first is not None
        return self._first

    def find(self, folded: str) -> dict[int, list[Span]]:
        """Spans (in folded-text characters) of every atom present; usually an empty dict."""
        data = folded.encode("utf-8")
        first = self._first or self._default_first_pass()
        seen: set[int] = set()
        first.scan(data, _collect_id, 0, seen)
        if seen and not first.gate_ids.isdisjoint(seen):
            first.open_gates(data, seen)
        skeleton = data.translate(SKELETON_TABLE)
        if skeleton == data:
            # Most messages end here: no leetspeak, no masked letter, and nothing found or one
            # side of some pair.
            quiet = len(seen) < 2 and seen <= first.pair_sides and 0x2A not in data
            if quiet and not self._re2_only:
                return _NONE
            skeleton = data  # no leetspeak: `is` tells the rest so
        # A masked word that stands for a term ("f*g") calls for the exact pass. Tested here,
        # not by the scan: a single `*` byte test costs less than the detector adds to every
        # scan.
        masked = 0x2A in data and self._masked_hit(data, skeleton)
        look = masked or (bool(seen) and first.closer_look(seen))
        in_skeleton: set[int] | None = None
        if skeleton is not data and not look:
            # Leetspeak: terms are found in the skeleton; regexes stay on the folded text.
            in_skeleton = set()
            first.scan(skeleton, _collect_id, 0, in_skeleton)
            in_skeleton -= first.gate_ids  # the gated regexes are run on the folded text only
            look = bool(in_skeleton) and first.closer_look(in_skeleton | seen)
        if look and not masked:
            look = self._still_look(data, skeleton, seen, in_skeleton)
        if not look and not self._re2_only and seen <= first.pair_sides:
            return _NONE  # nothing, or only one side of some pairs: most messages end here
        regex_atoms = seen & first.regexes
        for atom in self._re2_only:
            if self._re2[atom].search(data):
                regex_atoms.add(atom)
        if not look and not regex_atoms:
            return _NONE
        # A loud term the first pass saw is almost always there: do not try to refute it.
        refute = seen.isdisjoint(first.loud_terms)
        return self._exact(folded, data, skeleton, regex_atoms, refute, self._spaced_id in seen)

    def _still_look(
        self, data: bytes, skeleton: bytes, seen: set[int], in_skeleton: set[int] | None
    ) -> bool:
        """Whether the exact pass still has something to look at once the terms that only
        occur inside longer words ("men" in "comment") are set aside, for a message with no
        masked word standing for a term: it would reject those, unless a rewrite of the
        skeleton could reveal them (runs and spacing are detected by the first pass, except
        letters spaced out by `|` or `+`, tested here) or words glued together are split."""
        first = self._first
        assert first is not None
        if skeleton is not data:
            if (b"|" in data or b"+" in data) and _spaced_out(data):
                return True
            if in_skeleton is None:
                in_skeleton = set()
                first.scan(skeleton, _collect_id, 0, in_skeleton)
                in_skeleton -= first.gate_ids
            seen = seen | in_skeleton
        kept: set[int] = set()  # atoms the exact pass would not reject
        inside: list[Span] = []  # where the others occur, inside longer words
        for atom in seen:
            spans = self._inside_words(data, skeleton, atom)
            if spans is None:
                kept.add(atom)
            else:
                inside += spans
        if len(kept) == len(seen) or first.closer_look(kept):
            return True
        return self._glued.may_hold(skeleton, inside)

    def _inside_words(self, data: bytes, skeleton: bytes, atom: int) -> list[Span] | None:
        """Where the term `atom` occurs in `skeleton`, if only ever where a word of `data` goes
        on past one of its ends, which the exact pass does not accept; None if it occurs as a
        word of its own somewhere, or is a regex."""
        literal = self._literals.get(atom)
        if literal is None:
            return None
        term = literal.skeleton
        size = len(term)
        spans = []
        at = skeleton.find(term)
        while at >= 0:
            if _bounded(data, literal, at, at + size):
                return None
            spans.append((at, at + size))
            at = skeleton.find(term, at + 1)
        return spans

    def _exact(
        self,
        folded: str,
        data: bytes,
        skeleton: bytes,
        regex_atoms: set[int],
        refute: bool = True,
        spaced: bool = True,
    ) -> dict[int, list[Span]]:
        """The exact pass: every atom's spans, for a message the first pass picked out (or none
        if `refute` and `_Refuter` shows that nothing a rule can use is there). `spaced` is
        False when the first pass saw no letters spaced out in `data`."""
        refuter = self._refuter if refute else None
        # The exception regexes can change the refuter's answer only as a side of a pair that
        # the first pass does not look for; otherwise they are looked for once it has spoken.
        lazy_first = refuter is None or self._lazy_in_pairs
        if lazy_first:
            self._add_lazy(data, regex_atoms)
        # Refutable when the exact pass could only rewrite repeated letters and spacing: no
        # masked word that stands for a term (without leetspeak, the first pass has looked
        # for spaced letters).
        maybe_spaced = spaced or skeleton is not data
        if (
            refuter
            and not (b"*" in skeleton and self._masked_hit(data, skeleton))
            and not (maybe_spaced and self._spacing_matters(refuter, data, skeleton))
            and not refuter.matters(skeleton, regex_atoms)
        ):
            return _NONE
        if not lazy_first:
            self._add_lazy(data, regex_atoms)
        events: list[tuple[int, int]] = []
        self._skeleton_db.scan(skeleton, _collect, 0, events)
        spans = self._resolve(data, skeleton, events)
        for atom in regex_atoms:
            regex = self._re2[atom]
            found = [m.span() for m in regex.finditer(data) if m.end() > m.start()]
            if found:
                spans.setdefault(atom, set()).update(found)
        if not spans:
            return _NONE
        return _to_chars(folded, data, spans)

    def _add_lazy(self, data: bytes, regex_atoms: set[int]) -> None:
        """Add the exception regexes that occur in `data` to `regex_atoms`."""
        if self._lazy_scan is not None:
            self._lazy_scan(data, _collect_id, 0, regex_atoms)
        if self._any_lazy is not None and self._any_lazy.search(data):
            regex_atoms.update(a for a in self._lazy_re2_only if self._re2[a].search(data))

    def _spacing_matters(self, refuter: _Refuter, data: bytes, skeleton: bytes) -> bool:
        """Whether letters spaced out in `data` could, joined up, hold something a rule can
        use: true unless the skeleton with them joined (as `_variants` joins them) is refuted
        too, and no glued words could be split (they may hold terms no scan of the joined
        skeleton sees)."""
        spacing = data.translate(_SPACING_TABLE)
        if _SPACED_RE.search(spacing) is None:
            return False
        if self._glued.runs(skeleton):
            return True
        joined, _ = _rewrite(skeleton, None, _SPACED_RE, _letters, spacing)
        return refuter.matters(joined, set())

    def _resolve(
        self, data: bytes, skeleton: bytes, events: list[tuple[int, int]]
    ) -> dict[int, set[Span]]:
        spans: dict[int, set[Span]] = {}
        detected: set[int] = set()
        literals = self._literals
        for atom, end in events:
            literal = literals.get(atom)
            if literal is None:
                detected.add(atom)
            elif _bounded(data, literal, end - len(literal.skeleton), end):
                self._accept(data, None, atom, end, spans)
        glued = self._glued.runs(skeleton)
        for atom, first, last in (
            self._glued.matches(skeleton, glued, self._scan_all) if glued else ()
        ):
            found_spans = spans.setdefault(atom, set())
            if len(found_spans) < MAX_SPANS_PER_ATOM:
                found_spans.add((first, last))
        spacing = data.translate(_SPACING_TABLE)
        runs: list[Span] = []
        # The scan's detector finds spaced letters in the skeleton, where `|` and `+` are
        # letters; only with those in the text can `spacing` hold spaced letters it did not see.
        if self._spaced_id in detected or b"|" in data or b"+" in data:
            runs = [m.span() for m in _SPACED_RE.finditer(spacing)]
        repeated = any(atom in self._run_ids for atom in detected)
        variants = self._variants(skeleton, spacing, bool(runs), repeated)
        for variant, origin in variants:
            found: list[tuple[int, int]] = []
            self._skeleton_db.scan(variant, _collect, 0, found)
            for atom, end in found:
                if atom in self._literals:
                    self._accept(data, origin, atom, end, spans, (spacing, runs))
        if self._masked_id in detected:
            self._masked_words(data, skeleton, spans)
        return spans

    def _scan_all(self, data: bytes) -> list[tuple[int, int]]:
        """(atom, end offset) of every term occurring in `data`, word boundaries unchecked."""
        found: list[tuple[int, int]] = []
        self._skeleton_db.scan(data, _collect, 0, found)
        return found

    def _variants(
        self, skeleton: bytes, spacing: bytes, spaced: bool, repeated: bool
    ) -> Iterator[tuple[bytes, Origin]]:
        """Rewritten skeletons that undo spacing and repeated letters: every run of three or
        more letters becomes one or two, each run choosing for itself ("niggggerrrr").
        `repeated` says whether the skeleton has such a run (its scan reports them)."""
        bases: list[tuple[bytes, Origin]] = [(skeleton, None)] if repeated else []
        if spaced:
            joined = _rewrite(skeleton, None, _SPACED_RE, _letters, spacing)
            bases.append(joined)
            yield joined
        for base, origin in bases:
            count = _runs_per_word(base)
            if count == 0:
                continue
            # Runs choose by their place in the word, in short texts with few runs per word;
            # otherwise every run keeps one letter, then two, so hostile text cannot multiply
            # the work.
            mixed = count <= _MAX_RUN_CHOICES and len(base) <= _MAX_MIXED_LENGTH
            choices = itertools.product((1, 2), repeat=count) if mixed else [(1,), (2,)]
            for choice in choices:
                yield _rewrite(base, origin, _RUN_RE, _run_keeper(choice))

    def _accept(
        self,
        data: bytes,
        origin: Origin,
        atom: int,
        end: int,
        spans: dict[int, set[Span]],
        spaced: tuple[bytes, list[Span]] | None = None,
    ) -> None:
        literal = self._literals[atom]
        start = end - len(literal.skeleton)
        if origin is None:
            first, last = start, end
        else:
            first, last = origin[0][start], origin[1][end - 1]
        if spaced and not _stands_alone(spaced[0], spaced[1], first, last):
            return
        if not literal.open_left and first > 0 and _WORD_BYTE[data[first - 1]]:
            return
        if not literal.open_right and last < len(data) and _WORD_BYTE[data[last]]:
            return
        # An open end ("snitch*") takes in the rest of the word, so the quote is the whole word.
        while literal.open_left and first > 0 and _WORD_BYTE[data[first - 1]]:
            first -= 1
        while literal.open_right and last < len(data) and _WORD_BYTE[data[last]]:
            last += 1
        found = spans.setdefault(atom, set())
        if len(found) < MAX_SPANS_PER_ATOM:
            found.add((first, last))

    def _masked_hit(self, data: bytes, skeleton: bytes) -> bool:
        """Whether some masked word of the skeleton ("f*g") stands for a term."""
        if _MASK_MARK_RE.search(skeleton) is None:
            return False
        spans: dict[int, set[Span]] = {}
        self._masked_words(data, skeleton, spans)
        return bool(spans)

    def _masked_words(self, data: bytes, skeleton: bytes, spans: dict[int, set[Span]]) -> None:
        """Words with `*` standing for letters, compared with one-word terms of equal length."""
        for match in _MASKED_RE.finditer(skeleton):
            word = match.group()
            start, end = match.span()
            if sum(1 for b in word if b != 0x2A) < 2:
                continue  # "f***": too ambiguous to pin on one term
            if (start > 0 and _WORD_BYTE[data[start - 1]]) or (
                end < len(data) and _WORD_BYTE[data[end]]
            ):
                continue
            for atom in self._masked.get((len(word), word[0]), ()):
                target = self._literals[atom].skeleton
                if all(w == 0x2A or w == t for w, t in zip(word, target, strict=True)):
                    spans.setdefault(atom, set()).add((start, end))


def _bounded(data: bytes, literal: Literal, start: int, end: int) -> bool:
    """Whether `literal` at `start:end` of `data` (no rewrite) passes `Matcher._accept`'s
    word-boundary test: a quick test that spares most rejected events the call."""
    if not literal.open_left and start > 0 and _WORD_BYTE[data[start - 1]]:
        return False
    return literal.open_right or end == len(data) or not _WORD_BYTE[data[end]]


_ALNUM = bytes(1 if chr(byte).isascii() and chr(byte).isalnum() else 0 for byte in range(256))


def _stands_as_word(data: bytes, word: bytes) -> bool:
    """Whether `word` occurs in `data` with no ASCII letter or digit right before or after it
    (as a regex's `(?:^|[^a-z0-9])word(?:[^a-z0-9]|$)` would find it)."""
    at = data.find(word)
    while at >= 0:
        end = at + len(word)
        if (at == 0 or not _ALNUM[data[at - 1]]) and (end == len(data) or not _ALNUM[data[end]]):
            return True
        at = data.find(word, at + 1)
    return False


def _spaced_out(data: bytes) -> bool:
    """True if some letters of folded `data` are spaced out ("f u c k", "n|i|g")."""
    return _SPACED_RE.search(data.translate(_SPACING_TABLE)) is not None


def _stands_alone(spacing: bytes, runs: list[Span], first: int, last: int) -> bool:
    """False for a term found inside a run of spaced-out letters that spells a longer word:
    the letters around it in the run must be everyday short words ("I a m a f a g")."""
    for run_start, run_end in runs:
        if run_start <= first and last <= run_end:
            if first - run_start > _SPELLED_SPAN or run_end - last > _SPELLED_SPAN:
                return False  # more letters around it than everyday words would spell
            before = bytes(b for b in spacing[run_start:first] if 0x61 <= b <= 0x7A)
            after = bytes(b for b in spacing[last:run_end] if 0x61 <= b <= 0x7A)
            return _spelled(before) and _spelled(after)
    return True


def _pair_masks(
    pairs: Sequence[tuple[Collection[int], Collection[int]]],
) -> dict[int, tuple[int, int]]:
    """For each atom of some pair, bit masks of the pairs it is side A and side B of."""
    masks: dict[int, tuple[int, int]] = {}
    for index, (side_a, side_b) in enumerate(pairs):
        for atom in side_a:
            a, b = masks.get(atom, (0, 0))
            masks[atom] = (a | 1 << index, b)
        for atom in side_b:
            a, b = masks.get(atom, (0, 0))
            masks[atom] = (a, b | 1 << index)
    return masks


def _to_chars(folded: str, data: bytes, spans: dict[int, set[Span]]) -> dict[int, list[Span]]:
    """Byte spans of the UTF-8 folded text as character spans."""
    if len(data) == len(folded):
        return {atom: sorted(found) for atom, found in spans.items()}
    char_at: list[int] = []
    for index, char in enumerate(folded):
        char_at.extend([index] * len(char.encode("utf-8")))
    char_at.append(len(folded))
    return {
        atom: sorted({(char_at[s], char_at[e]) for s, e in found}) for atom, found in spans.items()
    }
