"""Every term and regex of a rule set, compiled once into Hyperscan databases.

Per message: one scan of the skeleton (see `patterns.py`) finds every term literal plus three
detectors of evasion (a run of three identical letters, letters spaced out, a masked letter);
admin regexes, if any, get one scan of the folded text. Almost every message ends there with
nothing found. Otherwise the hits are checked for word boundaries in the folded text, the
skeleton is rewritten to undo the detected evasions and scanned again, and admin regexes get
exact spans from RE2. Both engines run in linear time, so no admin-written pattern can stall
the bot; a regex RE2 accepts but Hyperscan cannot compile is run with RE2 alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Sequence
from typing import Any

import hyperscan
import re2

from bot.engine.patterns import SKELETON_TABLE, Literal, is_single_word

Span = tuple[int, int]
MAX_SPANS_PER_ATOM = 500  # bounds the work on a message built to repeat a term thousands of times
_NONE: dict[int, list[Span]] = {}

_SEPARATORS = rb"[ .\-,~/\\:;'\"]"
_SPACED_HS = (
    rb"(?:^|[^a-z])[a-z]" + _SEPARATORS + rb"{1,2}[a-z]" + _SEPARATORS + rb"{1,2}[a-z](?:[^a-z]|$)"
)
_SPACED_RE = re.compile(rb"(?<![a-z])[a-z](?:" + _SEPARATORS + rb"{1,2}[a-z]){2,}(?![a-z])")
_RUN_RE = re.compile(rb"([a-z])\1{2,}")
_MASKED_RE = re.compile(rb"(?<![a-z*])[a-z][a-z*]*\*[a-z*]*")


class PatternError(ValueError):
    """A pattern that cannot be used; the message is fit for an admin."""


def compile_re2(pattern: str) -> re2._Regexp:
    """Compile an admin regex with RE2 (case-insensitive, on UTF-8), or raise PatternError."""
    options = re2.Options()
    options.max_mem = 8 << 20
    options.case_sensitive = False
    try:
        return re2.compile(pattern.encode("utf-8"), options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise PatternError(f"RE2 rejects the pattern: {reason}") from None


def _is_word_byte(byte: int) -> bool:
    return byte >= 0x80 or 0x30 <= byte <= 0x39 or 0x61 <= byte <= 0x7A


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


Origin = Sequence[tuple[int, int]]  # for each byte of a rewritten skeleton: its source span


class _Identity(Sequence[tuple[int, int]]):
    """The origin map of an unrewritten skeleton, without building a list per message."""

    def __init__(self, length: int) -> None:
        self.length = length

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [(i, i + 1) for i in range(*index.indices(self.length))]
        return (index, index + 1)

    def __len__(self) -> int:
        return self.length


def _rewrite(
    data: bytes,
    origin: Origin,
    pattern: re.Pattern[bytes],
    keep: Callable[[re.Match[bytes]], list[int]],
) -> tuple[bytes, Origin]:
    """`data` with each match of `pattern` reduced to the positions `keep` returns.

    The last kept byte of a match also stands for everything after it up to the match's end,
    so a span ending on a collapsed run ("faaaag" -> "fag") still covers the whole run.
    """
    out = bytearray()
    new_origin: list[tuple[int, int]] = []
    position = 0
    for match in pattern.finditer(data):
        out += data[position : match.start()]
        new_origin += origin[position : match.start()]
        kept = keep(match)
        for index in kept:
            out.append(data[index])
            new_origin.append(origin[index])
        if kept:
            new_origin[-1] = (new_origin[-1][0], origin[match.end() - 1][1])
        position = match.end()
    out += data[position:]
    new_origin += origin[position:]
    return bytes(out), new_origin


def _collect(atom: int, start: int, end: int, flags: int, events: Any) -> None:
    events.append((atom, end))  # `events` is a list[tuple[int, int]]; Any avoids a cast per call


def _collect_id(atom: int, start: int, end: int, flags: int, atoms: Any) -> None:
    atoms.add(atom)


def _first(count: int) -> Callable[[re.Match[bytes]], list[int]]:
    return lambda m: list(range(m.start(), m.start() + count))


def _letters(match: re.Match[bytes]) -> list[int]:
    text = match.group()
    return [match.start() + i for i, b in enumerate(text) if 0x61 <= b <= 0x7A]


Atom = Literal | str  # a term's literal, or an admin regex


class _Prefilter:
    """The first-pass database of `Matcher.build_prefilter` and its pair masks."""

    def __init__(self, database: hyperscan.Database, masks: dict[int, tuple[int, int]]) -> None:
        self.database = database
        self.masks = masks

    def worth_a_closer_look(self, skeleton: bytes) -> bool:
        """True if a loud term, an evasion, or both sides of some pair occur."""
        seen: set[int] = set()
        self.database.scan(skeleton, match_event_handler=_collect_id, context=seen)
        if not seen:
            return False
        side_a = side_b = 0
        for group in seen:
            mask = self.masks.get(group)
            if mask is None:
                return True  # a loud term or an evasion detector
            side_a |= mask[0]
            side_b |= mask[1]
        return bool(side_a & side_b)


class Matcher:
    """Compiled atoms; an atom's id is its index in `atoms`. Build once per rule set."""

    def __init__(self, atoms: Sequence[Atom]) -> None:
        self.atoms = tuple(atoms)
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
        self._prefilter: _Prefilter | None = None
        self._re2 = {i: compile_re2(self._regex(i)) for i in regex_ids}
        self._use_regexes(regex_ids, lazy=())
        self._masked: dict[tuple[int, int], list[int]] = {}
        for atom, lit in self._literals.items():
            if is_single_word(lit):
                self._masked.setdefault((len(lit.skeleton), lit.skeleton[0]), []).append(atom)

    def _use_regexes(self, first: list[int], lazy: Sequence[int]) -> None:
        """Regexes checked on every message (`first`) and only on the exact pass (`lazy`)."""
        self._regex_db, in_db = self._regex_database(first)
        self._re2_only = tuple(sorted(set(first) - set(in_db)))
        self._lazy_regexes = tuple(lazy)

    def _regex_database(self, regex_ids: list[int]) -> tuple[hyperscan.Database | None, list[int]]:
        """One database of the regexes Hyperscan accepts (tested one by one only on failure)."""
        if not regex_ids:
            return None, []
        try:
            expressions = [self._regex(i).encode() for i in regex_ids]
            return _compile(expressions, regex_ids, [_REGEX_FLAGS] * len(regex_ids)), regex_ids
        except hyperscan.error:
            accepted = [i for i in regex_ids if _hs_accepts(self._regex(i))]
        if not accepted:
            return None, []
        expressions = [self._regex(i).encode() for i in accepted]
        return _compile(expressions, accepted, [_REGEX_FLAGS] * len(accepted)), accepted

    def _literal(self, atom: int) -> Literal:
        value = self.atoms[atom]
        assert isinstance(value, Literal)
        return value

    def _regex(self, atom: int) -> str:
        value = self.atoms[atom]
        assert isinstance(value, str)
        return value

    @property
    def re2_only_count(self) -> int:
        """How many regexes run outside Hyperscan (each costs an RE2 pass per message)."""
        return len(self._re2_only)

    def describe(self, atom: int) -> str:
        """The atom roughly as an admin wrote it, for messages."""
        value = self.atoms[atom]
        return value.skeleton.decode("utf-8", "replace") if isinstance(value, Literal) else value

    def raw_scan(self, skeleton: bytes) -> int:
        """Scan prepared skeleton bytes and count events: the matcher's own cost, for bench."""
        events: list[tuple[int, int]] = []
        self._skeleton_db.scan(skeleton, match_event_handler=_collect, context=events)
        return len(events)

    def build_prefilter(
        self, loud: Collection[int], pairs: Sequence[tuple[Collection[int], Collection[int]]]
    ) -> None:
        """A first pass that is silent for most messages, even ones with common words.

        Terms in `loud` flag on their own and report individually. Every other term matters
        only as a side of a pair (a `near` clause): such terms share one id per set of sides
        they belong to, reported at most once per message, and a message goes on to the exact
        pass only if some pair has both sides present. So "anyone free on friday?" costs one
        callback at most and no exact work, however many word lists mention "anyone".
        """
        memberships: dict[int, set[tuple[int, int]]] = {}
        for index, (side_a, side_b) in enumerate(pairs):
            for side, atoms in enumerate((side_a, side_b)):
                for atom in atoms:
                    memberships.setdefault(atom, set()).add((index, side))
        expressions, ids, flags = [], [], []
        group_ids: dict[frozenset[tuple[int, int]], int] = {}
        masks: dict[int, tuple[int, int]] = {}
        single = int(hyperscan.HS_FLAG_SINGLEMATCH)
        for atom, literal in self._literals.items():
            if atom in loud:
                expressions.append(_escape(literal.skeleton))
                ids.append(atom)
                flags.append(0)
                continue
            if atom not in memberships:
                continue  # an exception term: never needed to decide whether to look closer
            signature = frozenset(memberships[atom])
            if signature not in group_ids:
                group = self._masked_id + 1 + len(group_ids)
                group_ids[signature] = group
                masks[group] = (
                    sum(1 << i for i, side in signature if side == 0),
                    sum(1 << i for i, side in signature if side == 1),
                )
            expressions.append(_escape(literal.skeleton))
            ids.append(group_ids[signature])
            flags.append(0)
        regex_ids = sorted(self._re2)
        # Exception regexes never make a message worth a closer look: check them only on the
        # exact pass, where their spans are needed.
        self._use_regexes(
            [i for i in regex_ids if i in loud], lazy=[i for i in regex_ids if i not in loud]
        )
        detectors = [*self._run_ids, self._spaced_id, self._masked_id]
        expressions += [bytes([c]) * 3 for c in range(0x61, 0x7B)] + [_SPACED_HS, rb"[a-z]\*"]
        ids += detectors
        flags += [single] * len(detectors)
        self._prefilter = _Prefilter(_compile(expressions, ids, flags), masks)

    def find(self, folded: str) -> dict[int, list[Span]]:
        """Spans (in folded-text characters) of every atom present; usually an empty dict."""
        data = folded.encode("utf-8")
        skeleton = data.translate(SKELETON_TABLE)
        regex_atoms: set[int] = set()
        if self._regex_db is not None:
            self._regex_db.scan(data, match_event_handler=_collect_id, context=regex_atoms)
        for atom in self._re2_only:
            if self._re2[atom].search(data):
                regex_atoms.add(atom)
        prefilter = self._prefilter
        if not regex_atoms and prefilter and not prefilter.worth_a_closer_look(skeleton):
            return _NONE
        events: list[tuple[int, int]] = []
        self._skeleton_db.scan(skeleton, match_event_handler=_collect, context=events)
        for atom in self._lazy_regexes:
            if self._re2[atom].search(data):
                regex_atoms.add(atom)
        if not events and not regex_atoms:
            return _NONE
        spans = self._resolve(data, skeleton, events)
        for atom in regex_atoms:
            regex = self._re2[atom]
            found = [m.span() for m in regex.finditer(data) if m.end() > m.start()]
            if found:
                spans.setdefault(atom, set()).update(found)
        if not spans:
            return _NONE
        return _to_chars(folded, data, spans)

    def _resolve(
        self, data: bytes, skeleton: bytes, events: list[tuple[int, int]]
    ) -> dict[int, set[Span]]:
        spans: dict[int, set[Span]] = {}
        detected: set[int] = set()
        identity = _Identity(len(data))
        for atom, end in events:
            if atom in self._literals:
                self._accept(data, identity, atom, end, spans)
            else:
                detected.add(atom)
        for variant, origin in self._variants(skeleton, identity, detected):
            found: list[tuple[int, int]] = []
            self._skeleton_db.scan(variant, match_event_handler=_collect, context=found)
            for atom, end in found:
                if atom in self._literals:
                    self._accept(data, origin, atom, end, spans)
        if self._masked_id in detected:
            self._masked_words(data, skeleton, spans)
        return spans

    def _variants(
        self, skeleton: bytes, identity: Origin, detected: set[int]
    ) -> Iterator[tuple[bytes, Origin]]:
        """Rewritten skeletons that undo repeated letters and spacing."""
        bases = [(skeleton, identity)]
        if self._spaced_id in detected:
            joined = _rewrite(skeleton, identity, _SPACED_RE, _letters)
            bases.append(joined)
            yield joined
        if any(atom in self._run_ids for atom in detected):
            for base, origin in bases:
                for keep in (1, 2):
                    yield _rewrite(base, origin, _RUN_RE, _first(keep))

    def _accept(
        self, data: bytes, origin: Origin, atom: int, end: int, spans: dict[int, set[Span]]
    ) -> None:
        literal = self._literals[atom]
        start = end - len(literal.skeleton)
        first, last = origin[start][0], origin[end - 1][1]
        if not literal.open_left and first > 0 and _is_word_byte(data[first - 1]):
            return
        if not literal.open_right and last < len(data) and _is_word_byte(data[last]):
            return
        # An open end ("snitch*") takes in the rest of the word, so the quote is the whole word.
        while literal.open_left and first > 0 and _is_word_byte(data[first - 1]):
            first -= 1
        while literal.open_right and last < len(data) and _is_word_byte(data[last]):
            last += 1
        found = spans.setdefault(atom, set())
        if len(found) < MAX_SPANS_PER_ATOM:
            found.add((first, last))

    def _masked_words(self, data: bytes, skeleton: bytes, spans: dict[int, set[Span]]) -> None:
        """Words with `*` standing for letters, compared with one-word terms of equal length."""
        for match in _MASKED_RE.finditer(skeleton):
            word = match.group()
            start, end = match.span()
            if sum(1 for b in word if b != 0x2A) < 2:
                continue  # "f***": too ambiguous to pin on one term
            if (start > 0 and _is_word_byte(data[start - 1])) or (
                end < len(data) and _is_word_byte(data[end])
            ):
                continue
            for atom in self._masked.get((len(word), word[0]), ()):
                target = self._literals[atom].skeleton
                if all(w == 0x2A or w == t for w, t in zip(word, target, strict=True)):
                    spans.setdefault(atom, set()).add((start, end))


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
