"""The compositional layer: who a sentence is about x what it says of them.

A composed rule is a *shape* (a short grammar of slots, fixed here) filled with word sets the
rule files declare (`compose:` in rules/compose.yaml): "[group] are [negative]", "I hate
[group]", "[group] should be [harmed]", "I will [harm] [person]". Targets come from the
matcher's group terms (every spelling evasion already undone), from a group adjective before a
person noun ("female engineers"), and from a pronoun that refers back to a group named earlier
("they", "those people"). Wrappers need nothing: a shape matches wherever it sits in the
message ("honestly I think X are Y lol?"). Negation, counter-speech and quotation are checked as
for any rule.

It runs only on messages where a cue was found (a group term, or a place where a target may
stand: see `compose_cues`), so it costs nothing on ordinary traffic. All state is plain data:
the composer pickles.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from bot.engine.compose_shapes import (
    AGENTIVE,
    HAS_PREDICATE,
    MODIFIER_WORDS,
    NEGATION_REACH,
    REQUIRED_BY_SEQUENCE,
    SECOND_PERSON,
    SHAPES,
    ComposedMatch,
    ComposedRule,
    Slot,
    Span,
    Target,
)
from bot.engine.phrases import Phrases, Words

__all__ = ["ComposedMatch", "ComposedRule", "Composer", "Target"]


@dataclass(frozen=True, slots=True)
class Composer:
    """Compiled composed rules and their shared word sets. Immutable and picklable."""

    rules: tuple[ComposedRule, ...]
    sets: Mapping[str, Phrases]
    group_atoms: Mapping[int, str | None]  # matcher atoms naming a group -> tag
    adjectives: Mapping[str, str]  # group adjective -> tag ("female" -> sexism)
    person_nouns: Phrases
    refer_back: Phrases
    persons: Phrases
    cue_atoms: frozenset[int]  # matcher atoms where a target may stand (compose_cues)
    cue_groups: frozenset[int] = frozenset()  # group terms that are cues on their own

    @property
    def cues(self) -> frozenset[int]:
        """Matcher atoms one of which must be found for the layer to run."""
        return self.cue_groups | self.cue_atoms

    def cued(self, found: Mapping[int, object]) -> bool:
        """True if the message holds a group term or another cue."""
        atoms = found.keys()
        return not atoms.isdisjoint(self.cue_groups) or not atoms.isdisjoint(self.cue_atoms)

    def evaluate(
        self, folded: str, found: Mapping[int, list[Span]], enabled: frozenset[str]
    ) -> list[ComposedMatch]:
        """Every composed rule of `enabled` that matches the folded message."""
        words = Words.of(folded)
        if not words.words:
            return []
        positions = words.positions()
        present: dict[str, bool] = {}
        live = [
            (index, rule, sequences)
            for index, rule in enumerate(self.rules)
            if rule.id in enabled and (sequences := self._possible(rule, words, positions, present))
        ]
        if not live:
            return []  # no rule's phrases are all in the message: most cued messages end here
        targets = self._targets(words, found)
        persons: dict[int, list[Target]] | None = None
        matches: list[ComposedMatch] = []
        for index, rule, sequences in live:
            if rule.aim == "person":
                if persons is None:
                    persons = self._persons(words)
                aims = persons
            elif not targets:
                continue
            else:
                aims = targets
            for first, last, target, phrase in self._match(rule, words, aims, sequences):
                start = min(first, target.anchor)
                span = words.span(start, last)
                if not phrase:  # a sequence with no predicate slot: the words around the target
                    phrase = words.words[first : target.start] + words.words[target.end : last + 1]
                    why = self._why(rule, target, phrase, "wording of the shape")
                else:
                    why = self._why(rule, target, phrase)
                matches.append(ComposedMatch(index, span, target.tag, why))
        return matches

    # -- targets --------------------------------------------------------------------------

    def _targets(self, words: Words, found: Mapping[int, list[Span]]) -> dict[int, list[Target]]:
        spans: list[Target] = []
        for atom in found:  # found is small; group_atoms has thousands
            if atom not in self.group_atoms:
                continue
            tag = self.group_atoms[atom]
            for start, end in found[atom]:
                first = words.index_at(start)
                last = words.index_at(end)
                if first < last:
                    last = self._person_noun_after(words, last)  # "muslim contractors"
                    label = " ".join(words.words[first:last])
                    spans.append(Target(first, last, tag, label, first))
        spans += self._adjective_targets(words)
        spans = _longest(spans)
        own = self.sets.get("self_markers")
        second = self.sets.get("second_markers")
        spans = [
            Target(
                t.start,
                t.end,
                t.tag,
                t.label,
                t.anchor,
                own is not None and _after(own, words, t.start),
                (second is not None and _after(second, words, t.start))
                or self._followed(words, t.end, "second_after"),
            )
            for t in spans
        ]
        spans += self._referring(words, spans)
        by_start: dict[int, list[Target]] = {}
        for target in spans:
            by_start.setdefault(target.start, []).append(target)
        return by_start

    def _person_noun_after(self, words: Words, end: int) -> int:
        """Where a group word used as an adjective ends with the person noun after it."""
        lengths = self.person_nouns.lengths_at(words.words, end)
        if lengths:
            return end + lengths[0]
        if end < len(words) and end not in words.pauses and AGENTIVE.match(words.words[end]):
            return end + 1
        return end

    def _adjective_targets(self, words: Words) -> list[Target]:
        out = []
        for index, word in enumerate(words.words):
            tag = self.adjectives.get(word)
            if tag is None:
                continue
            if self._stands_as_noun(words, index):  # "every bisexual on the team"
                out.append(Target(index, index + 1, tag, word, index))
                continue
            for gap in (1, 2):  # "female engineers", "female software engineers"
                lengths = self.person_nouns.lengths_at(words.words, index + gap)
                if (
                    not lengths
                    and index + gap < len(words)
                    and AGENTIVE.match(words.words[index + gap])
                ):
                    lengths = [1]  # a person named by what they do: "bankers", "cyclists"
                if lengths:
                    end = index + gap + lengths[0]
                    out.append(Target(index, end, tag, " ".join(words.words[index:end]), index))
                    break
        return out

    def _identified(self, words: Words, target: Target) -> bool:
        """True if the words before a group say a pronoun is it: "they are (all) [group]"."""
        identity = self.sets.get("identity_markers")
        if identity is None:
            return False
        return any(_ends_at(identity, words, target.start, back) for back in range(2, 6))

    def _stands_as_noun(self, words: Words, index: int) -> bool:
        """A group adjective used as a noun: after a determiner, and followed by a pause or a
        word that cannot be a noun it modifies (a verb, a preposition, a filler)."""
        owners = self.sets.get("person_determiners")
        if index == 0 or owners is None or 1 not in owners.lengths_at(words.words, index - 1):
            return False
        after = index + 1
        if after >= len(words) or after in words.pauses:
            return True
        return any(
            bool(phrases.lengths_at(words.words, after))
            for name in ("be", "modals", "post_modifiers", "denials", "inability")
            if (phrases := self.sets.get(name)) is not None
        )

    def _referring(self, words: Words, groups: list[Target]) -> list[Target]:
        if not groups:
            return []
        out = []
        ordered = sorted(groups, key=lambda t: t.end)
        for index in range(len(words)):
            lengths = self.refer_back.lengths_at(words.words, index)
            if not lengths:
                continue
            earlier = [t for t in ordered if t.end <= index and index - t.end <= 40]
            if words.words[index] in SECOND_PERSON:  # "you" stands for "you [group]" only
                earlier = [t for t in earlier if t.second]
            elif not earlier:
                # "Of course they are useless. They are [group] after all": the group a pronoun
                # is said to be, later in the message.
                earlier = [t for t in ordered if t.start > index and self._identified(words, t)]
                earlier = earlier[:1]
            if earlier and not earlier[-1].own:
                ante = earlier[-1]
                end = index + lengths[0]
                label = f"{' '.join(words.words[index:end])} (= {ante.label})"
                out.append(Target(index, end, ante.tag, label, ante.anchor, referred=True))
        return out

    def _persons(self, words: Words) -> dict[int, list[Target]]:
        """One person: "you", "him", "the new guy", "my manager"."""
        out: dict[int, list[Target]] = {}
        owners = self.sets.get("person_determiners")
        for index in range(len(words)):
            lengths = self.persons.lengths_at(words.words, index)
            if not lengths and owners is not None:
                for own in owners.lengths_at(words.words, index):
                    nouns = self.person_nouns.lengths_at(words.words, index + own)
                    if nouns:
                        lengths = [own + nouns[0]]
                        break
            if lengths:
                end = index + lengths[0]
                label = " ".join(words.words[index:end])
                out.setdefault(index, []).append(Target(index, end, None, label, index))
        return out

    # -- shapes ---------------------------------------------------------------------------

    def _possible(
        self,
        rule: ComposedRule,
        words: Words,
        positions: Mapping[str, list[int]],
        present: dict[str, bool],
    ) -> list[tuple[tuple[Slot, ...], bool]]:
        """The sequences of a rule's shape that may match: the predicate's first word must occur
        (and a whole predicate phrase, for a sequence with a predicate slot), and every word set
        a sequence needs (`present` caches, per message, whether a set occurs)."""
        if rule.predicate.by_first.keys().isdisjoint(positions):
            return []  # the predicate's first words occur nowhere: the usual case
        predicate: bool | None = None  # whether a whole predicate phrase occurs, once asked
        possible = []
        for sequence, counts_negation in SHAPES[rule.shape]:
            if sequence in HAS_PREDICATE:
                if predicate is None:
                    predicate = rule.predicate.occurs_in(words.words, positions)
                if not predicate:
                    continue  # "the" of "the rope", but no rope
            for name in REQUIRED_BY_SEQUENCE[sequence]:
                if name not in present:
                    phrases = self.sets.get(name)
                    present[name] = phrases is not None and phrases.occurs_in(
                        words.words, positions
                    )
                if not present[name]:
                    break
            else:
                possible.append((sequence, counts_negation))
        return possible

    def _match(
        self,
        rule: ComposedRule,
        words: Words,
        aims: dict[int, list[Target]],
        sequences: list[tuple[tuple[Slot, ...], bool]],
    ) -> Iterator[tuple[int, int, Target, tuple[str, ...]]]:
        seen: set[tuple[int, int]] = set()
        for sequence, counts_negation in sequences:
            for start in self._starts(sequence[0], rule, words, aims):
                for end, target, phrase, negated in self._walk(
                    rule, words, aims, sequence, 0, start, None, (), False
                ):
                    if counts_negation and self._negated_before(words, start):
                        negated = True
                    if not counts_negation:
                        negated = False
                    if negated != rule.negated or target is None:
                        continue
                    if sequence[0][0] == "^" and phrase[0].endswith(("ed", "ing")):
                        continue  # an imperative is a base form: not "stoned, you can"
                    if rule.shape == "deny" and self._followed(words, end, "deny_complements"):
                        continue  # "shouldn't vote for the change" is advice, not a denial
                    if rule.shape == "attribute" and phrase[-1].endswith("ing"):
                        continue  # "hating [group]" is a verb, not an epithet
                    if rule.aim == "person" and self._idiom_after(words, target):
                        continue
                    if (start, end) not in seen:
                        seen.add((start, end))
                        yield start, end - 1, target, phrase

    def _starts(
        self, slot: Slot, rule: ComposedRule, words: Words, aims: dict[int, list[Target]]
    ) -> list[int]:
        """The word indices where a sequence's first slot can match."""
        kind = slot[0]
        if kind in ("T", "X"):
            return sorted(aims)
        if kind == "^":
            return [0, *sorted(words.breaks)]
        if kind == "P":
            firsts = rule.predicate.by_first
        else:
            phrases = self.sets.get(str(slot[1]))
            if phrases is None:
                return []
            firsts = phrases.by_first
        return [i for i, word in enumerate(words.words) if word in firsts]

    def _walk(
        self,
        rule: ComposedRule,
        words: Words,
        aims: dict[int, list[Target]],
        sequence: tuple[Slot, ...],
        slot: int,
        at: int,
        target: Target | None,
        phrase: tuple[str, ...],
        negated: bool,
    ) -> Iterator[tuple[int, Target | None, tuple[str, ...], bool]]:
        if slot == len(sequence):
            yield at, target, phrase, negated
            return
        if slot > 0 and at in words.pauses and sequence[slot][0] != "G":
            return  # a shape never crosses a sentence end, a comma or a colon
        kind = sequence[slot][0]
        rest = (rule, words, aims, sequence, slot + 1)
        if kind == "M":  # an optional post-modifier: "in accounts", "from that agency"
            yield from self._walk(*rest, at, target, phrase, negated)
            modifiers = self.sets.get("post_modifiers")
            if modifiers is not None and modifiers.lengths_at(words.words, at):
                for extra in range(1, MODIFIER_WORDS + 1):
                    if at + extra in words.pauses:
                        break
                    yield from self._walk(*rest, at + 1 + extra, target, phrase, negated)
        elif kind == "^":
            if words.clause_start(at):
                yield from self._walk(*rest, at, target, phrase, negated)
        elif kind in ("T", "X"):
            for found in aims.get(at, ()):
                if found.own and rule.shape in ("describe", "act", "attribute"):
                    continue
                if rule.shape == "attribute" and found.referred:
                    continue  # "[insult] them" is not an epithet
                bare = found.end - found.start == 1 and words.words[found.start] in self.adjectives
                if rule.shape == "act" and bare:
                    continue  # a bare adjective modifies what follows: "gay bird"
                yield from self._walk(*rest, found.end, found, phrase, negated)
        elif kind == "W":  # a phrase of a word set, then any one word: "unfit to" + "fly"
            fixed = self.sets.get(str(sequence[slot][1]))
            for length in fixed.lengths_at(words.words, at) if fixed is not None else ():
                end = at + length
                if end < len(words) and end not in words.pauses:
                    claim = words.words[at : end + 1]
                    yield from self._walk(*rest, end + 1, target, claim, negated)
        elif kind == "P":
            for length in rule.predicate.lengths_at(words.words, at):
                yield from self._walk(
                    *rest, at + length, target, words.words[at : at + length], negated
                )
        elif kind == "S":
            fixed = self.sets.get(str(sequence[slot][1]))
            if fixed is not None:
                for length in fixed.lengths_at(words.words, at):
                    yield from self._walk(*rest, at + length, target, phrase, negated)
        else:  # "G": zero up to n phrases of the gap's sets
            yield from self._gap(rule, words, aims, sequence, slot, at, target, phrase, negated, 0)

    def _gap(
        self,
        rule: ComposedRule,
        words: Words,
        aims: dict[int, list[Target]],
        sequence: tuple[Slot, ...],
        slot: int,
        at: int,
        target: Target | None,
        phrase: tuple[str, ...],
        negated: bool,
        used: int,
    ) -> Iterator[tuple[int, Target | None, tuple[str, ...], bool]]:
        yield from self._walk(rule, words, aims, sequence, slot + 1, at, target, phrase, negated)
        names, limit = sequence[slot][1], sequence[slot][2]
        if used >= int(limit) or at >= len(words) or (at in words.pauses and (used or slot)):  # type: ignore[call-overload]
            return
        for name in names:  # type: ignore[attr-defined]
            gap_set = self.sets.get(name)
            if gap_set is None:
                continue
            for length in gap_set.lengths_at(words.words, at):
                yield from self._gap(
                    rule,
                    words,
                    aims,
                    sequence,
                    slot,
                    at + length,
                    target,
                    phrase,
                    negated or name == "negators",
                    used + 1,
                )

    def _negated_before(self, words: Words, start: int) -> bool:
        """A negator up to three words before `start`, with no pause between ("I don't think
        X are Y"; not "not gonna lie, X are Y")."""
        negators = self.sets.get("negators")
        if negators is None:
            return False
        for index in range(start - 1, max(start - 1 - NEGATION_REACH, -1), -1):
            if index + 1 in words.pauses:
                break
            if negators.lengths_at(words.words, index) and not self._rhetorical(words, index):
                return True
        return False

    def _rhetorical(self, words: Words, index: int) -> bool:
        """A negator in a question that asserts: "don't you think ...", "isn't it true ..."."""
        after = words.words[index + 1 : index + 3]
        return bool(after) and after[0] in ("you", "u", "it", "we")

    def _idiom_after(self, words: Words, target: Target) -> bool:
        return self._followed(words, target.end, "object_idioms")

    def _followed(self, words: Words, index: int, name: str) -> bool:
        """True if a phrase of word set `name` starts at word `index` (in the same clause)."""
        phrases = self.sets.get(name)
        if phrases is None or index in words.pauses:
            return False
        return bool(phrases.lengths_at(words.words, index))

    def _why(
        self, rule: ComposedRule, target: Target, phrase: tuple[str, ...], origin: str = ""
    ) -> str:
        """One line: who, what is said of them and where the words came from, and the label."""
        origin = origin or rule.predicate.source.get(phrase, "claim of inability, listed")
        kind = "person" if rule.aim == "person" else "group"
        return f"{kind}: {target.label} — predicate: '{' '.join(phrase)}' ({origin}) — {rule.label}"


def _ends_at(markers: Phrases, words: Words, index: int, back: int) -> bool:
    start = index - back
    return start >= 0 and back in markers.lengths_at(words.words, start)


def _after(markers: Phrases, words: Words, index: int) -> bool:
    """True if a self marker ("we", "as a") ends right before word `index`."""
    for back in (1, 2, 3):
        start = index - back
        if start >= 0 and back in markers.lengths_at(words.words, start):
            return True
    return False


def _longest(targets: list[Target]) -> list[Target]:
    """Overlapping targets reduced to the longest ("gay people" over "gay")."""
    out: list[Target] = []
    for target in sorted(targets, key=lambda t: (t.start, -(t.end - t.start))):
        if out and target.start < out[-1].end:
            continue
        out.append(target)
    return out
