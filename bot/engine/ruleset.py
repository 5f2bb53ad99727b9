"""A compiled rule set and `evaluate(text) -> Verdict`.

Every message takes the fast path: fold, one Hyperscan scan, done (about 99% of traffic stops
here). Only a message in which some pattern occurred takes the slow path: folding again with an
offset map, exact spans with RE2, `near` pairs, exceptions, context checks, and the verdict.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import cached_property

from bot.engine import context as ctx
from bot.engine import mention, near_then
from bot.engine.compose import ComposedMatch, ComposedRule, Composer
from bot.engine.context import EvalContext, Tokens
from bot.engine.matcher import Matcher
from bot.engine.normalise import FOLD_TABLE, fold_with_offsets
from bot.engine.schema import ContextChecks, Options, Scope
from bot.engine.verdict import Addressee, Category, Hit, Severity, Suppressed, Verdict

Span = tuple[int, int]
_DROP_MASKS = str.maketrans("", "", "*#_")


@dataclass(frozen=True, slots=True)
class CompiledNear:
    """A `near` clause with its term sets resolved to atom ids (atom -> subcategory tag)."""

    a: dict[int, str | None]
    b: dict[int, str | None]
    within: int
    a_first: bool
    a_then: dict[int, str | None] | None = None  # side a is an `a` term, then one of these
    a_then_within: int = 0


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule with every pattern resolved to atom ids of the shared matcher."""

    id: str
    category: Category
    subcategory: str
    severity: Severity
    nudge: str
    policy: str | None
    checks: ContextChecks
    terms: dict[int, str | None]
    regexes: frozenset[int]
    near: tuple[CompiledNear, ...]
    exceptions: tuple[int, ...]
    source: str  # "file:line", for messages to admins
    exception_near: tuple[CompiledNear, ...] = ()  # homonyms judged by their neighbours
    flag_examples: tuple[str, ...] = ()
    pass_examples: tuple[str, ...] = ()
    scopes: tuple[Scope, ...] = ()  # its file's and its own; all must admit the message

    @property
    def triggers(self) -> frozenset[int]:
        """Atoms one of which is present whenever this rule can match: its terms and regexes,
        and one side of each `near` clause (the smaller: a pair needs both sides, so either
        would do, and everyday words such as "you" then call up fewer rules for nothing)."""
        atoms = set(self.terms) | set(self.regexes)
        for near in self.near:
            atoms |= set(near.a if len(near.a) <= len(near.b) else near.b)
        return frozenset(atoms)


@dataclass
class _Candidate:
    span: Span
    tag: str | None


class _Message:
    """Per-message state of the slow path, computed lazily and shared by all rules."""

    def __init__(self, text: str, found: dict[int, list[Span]], context: EvalContext) -> None:
        self.text = text
        self.folded = fold_with_offsets(text)
        self.found = found
        self.aim = ctx.find_aim(text, self.folded.text, context)
        self._names = context.member_names
        self._condemned: bool | None = None

    @cached_property
    def tokens(self) -> Tokens:
        """Word tokens, cut only when a word-distance rule asks for them."""
        return Tokens(self.folded.text)

    def spans(self, atom: int) -> list[Span]:
        """Spans of an atom in folded-text characters (empty if absent)."""
        return self.found.get(atom, [])

    @property
    def condemned(self) -> bool:
        """Whether the message condemns what it quotes (computed once)."""
        if self._condemned is None:
            self._condemned = ctx.is_condemned(self.folded.text)
        return self._condemned

    def aimed_at_other(self, span: Span) -> bool:
        """Whether the message is aimed at someone: a mention, a plain `@name`, or "you"
        earlier in the span's sentence."""
        folded = self.folded.text
        return bool(self.aim.mentions) or (
            mention.aimed_by_name(folded) or mention.addressed_before(folded, span)
        )

    def member_named(self, span: Span) -> bool:
        """Whether the span is exactly a member's name (a nick, not an insult)."""
        names = self._names
        return bool(names) and self.folded.text[span[0] : span[1]] in names

    def source_span(self, span: Span) -> Span:
        """A folded span mapped back to the original text."""
        return self.folded.source_span(*span)


def _mention_reason(folded: str, span: Span, message: _Message) -> str | None:
    """Why a quoted, named or reported span is mentioned rather than used, if it is."""
    named = mention.is_named_as_word(folded, span)
    marked = named or ctx.in_quotes(folded, span)
    if named:
        if mention.condemned_apart(folded, span):
            return "quoted-condemned"
    elif (marked or ctx.is_reported(folded, span)) and message.condemned:
        return "quoted-condemned"
    if marked and (mention.is_reported_mention(folded, span) or mention.discusses_words(folded)):
        return "mentioned"
    if mention.is_called_me(folded, span):
        return "reported (called me)"
    return None


def _overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _called_you(tokens: Tokens, span: Span) -> bool:
    """Whether "you" (or "ur", "u") comes right before the span: a word someone is called,
    whatever its neighbours ("you fag, go smoke outside")."""
    index = tokens.index_at(span[0])
    return index > 0 and tokens.words[index - 1] in ctx.SECOND_PERSON


def _pair_overlaps(
    near: CompiledNear, span: Span, found: dict[int, list[Span]], tokens: Tokens
) -> bool:
    """Whether a pair of an exception's `near` clause, taken as one span, overlaps `span`."""
    a_spans = [s for atom in found if atom in near.a for s in found[atom]]
    if not a_spans:
        return False
    b_spans = [s for atom in found if atom in near.b for s in found[atom]]
    for a_span in a_spans:
        if not _overlaps(a_span, span) and not any(_overlaps(b, span) for b in b_spans):
            continue
        for b_span in b_spans:
            if near.a_first and b_span[0] < a_span[0]:
                continue
            if 0 <= tokens.distance(a_span, b_span) <= near.within:
                pair = (min(a_span[0], b_span[0]), max(a_span[1], b_span[1]))
                if _overlaps(pair, span):
                    return True
    return False


def _enough_letters(text: str) -> bool:
    # A heavily masked word ("f***") is too ambiguous to attribute to one term.
    return len(text.translate(_DROP_MASKS)) >= 2


class RuleSet:
    """Rules compiled into one matcher. Immutable; share it freely between tasks."""

    def __init__(
        self,
        rules: Iterable[CompiledRule],
        matcher: Matcher,
        options: Options,
        version: str,
        files: tuple[str, ...] = (),
        *,
        must_pass: tuple[tuple[str, str], ...] = (),
        composer: Composer | None = None,
    ) -> None:
        self.rules = tuple(rules)
        self.must_pass = must_pass  # (text, "file:line"): messages no rule may flag
        self.composer = composer
        self.matcher = matcher
        self.options = options
        self.version = version
        self.files = files
        by_atom: dict[int, list[int]] = {}
        enabled = [rule for rule in self.rules if self._enabled(rule)]
        for index, rule in enumerate(self.rules):
            if self._enabled(rule):  # a disabled rule is never a candidate
                for atom in rule.triggers:
                    by_atom.setdefault(atom, []).append(index)
        self._rules_by_atom = {atom: tuple(ids) for atom, ids in by_atom.items()}
        self._clean = Verdict(rules_version=version)
        self._find = matcher.find
        self._enabled_ids = frozenset(rule.id for rule in enabled)
        self._direct_atoms = frozenset(
            atom for rule in enabled for atom in (*rule.terms, *rule.regexes)
        )
        clauses = [near for rule in enabled for near in rule.near]
        pairs: list[tuple[Collection[int], Collection[int]]] = [near_then.sides(n) for n in clauses]
        loud: Collection[int] = self._direct_atoms
        self._composed_ids: frozenset[str] = frozenset()
        if composer is not None:
            self._composed_ids = frozenset(r.id for r in composer.rules if self._enabled(r))
        if self._composed_ids and composer is not None:
            # The layer's cues: a group term, or a cue regex (see compose_cues).
            loud = self._direct_atoms | composer.cues
        self._composer = composer if self._composed_ids else None
        matcher.build_first_pass(loud, pairs)
        ctx.prepare()
        self._scopes = self._compile_scopes()

    def _compile_scopes(self) -> dict[int, tuple[Scope, ...]]:
        """Rule index -> the scopes that must all admit a message (rule, file, category)."""
        scoped: dict[int, tuple[Scope, ...]] = {}
        for index, rule in enumerate(self.rules):
            category = self.options.categories.get(rule.category)
            extra = (category.scope,) if category is not None and category.scope else ()
            if rule.scopes or extra:
                scoped[index] = (*rule.scopes, *extra)
        return scoped

    def in_scope(self, index: int, places: tuple[int, ...]) -> bool:
        """Whether rule `index` applies to a message in `places` (no places: every rule does)."""
        scopes = self._scopes.get(index)
        return not places or scopes is None or all(s.admits(places) for s in scopes)

    def is_enabled(self, rule: CompiledRule | ComposedRule) -> bool:
        """Whether the server's options let `rule` flag (policy switch, category, sensitivity)."""
        return self._enabled(rule)

    @property
    def composed_rules(self) -> tuple[ComposedRule, ...]:
        """The compositional layer's rules (enabled or not)."""
        return self.composer.rules if self.composer is not None else ()

    def _clean_for(self, context: EvalContext) -> Verdict:
        return Verdict(
            addressee=Addressee(context.mentions, context.reply_to), rules_version=self.version
        )

    def __len__(self) -> int:
        return len(self.rules)

    def evaluate(self, text: str, context: EvalContext | None = None) -> Verdict:
        """The verdict for one message. Never raises on any string."""
        # fold() inlined: this line runs for every message the bot sees.
        found = self._find(text.lower() if text.isascii() else text.translate(FOLD_TABLE))
        if not found:
            return self._clean if context is None else self._clean_for(context)
        candidates = [
            index
            for index in sorted({r for atom in found for r in self._rules_by_atom.get(atom, ())})
            if self._satisfiable(self.rules[index], found)
        ]
        if self._scopes and context is not None and context.places:
            candidates = [i for i in candidates if self.in_scope(i, context.places)]
        if not candidates and not (self._composer is not None and self._composer.cued(found)):
            return self._clean if context is None else self._clean_for(context)
        return self._evaluate_candidates(text, found, candidates, context)

    def _satisfiable(self, rule: CompiledRule, found: dict[int, list[Span]]) -> bool:
        """An enabled rule with a term or regex present, or both sides of a `near` clause."""
        if rule.id not in self._enabled_ids:
            return False
        # Views and sets on both sides: `isdisjoint` walks the smaller one, `found`.
        atoms = found.keys()
        if not atoms.isdisjoint(rule.terms.keys()) or not atoms.isdisjoint(rule.regexes):
            return True
        return any(
            not atoms.isdisjoint(near.a.keys())
            and not atoms.isdisjoint(near.b.keys())
            and (near.a_then is None or not atoms.isdisjoint(near.a_then.keys()))
            for near in rule.near
        )

    def _evaluate_candidates(
        self,
        text: str,
        found: dict[int, list[Span]],
        candidates: list[int],
        context: EvalContext | None,
    ) -> Verdict:
        message = _Message(text, found, context or EvalContext())
        hits: list[Hit] = []
        seen: set[tuple[str, int]] = set()
        suppressed: list[Suppressed] = []
        for index in candidates:
            rule = self.rules[index]
            for candidate in self._candidates(rule, found, message, suppressed):
                hit = self._hit(rule, candidate, message)
                reason = self._suppression(rule, candidate.span, found, message)
                if reason:
                    suppressed.append(Suppressed(hit, reason))
                elif (hit.rule_id, hit.start) not in seen:
                    seen.add((hit.rule_id, hit.start))
                    hits.append(hit)
        if self._composer is not None and self._composer.cued(found):
            places = context.places if context is not None else ()
            for match in self._composer.evaluate(message.folded.text, found, self._composed_ids):
                composed = self._composer.rules[match.rule]
                category = self.options.categories.get(composed.category)
                scope = category.scope if category is not None else None
                if places and scope and not scope.admits(places):
                    continue  # the category is scoped away from this channel
                hit = self._composed_hit(composed, match, message)
                reason = self._context_suppression(composed.checks, match.span, message)
                if reason:
                    suppressed.append(Suppressed(hit, reason))
                elif (hit.rule_id, hit.start) not in seen:
                    seen.add((hit.rule_id, hit.start))
                    hits.append(hit)
        if not hits and not suppressed:
            # Nothing found: the same verdict as the fast path gives (no aim worked out).
            return self._clean if context is None else self._clean_for(context)
        aim = message.aim
        return Verdict(
            hits=tuple(sorted(hits, key=lambda h: (h.start, h.end, h.rule_id))),
            suppressed=tuple(suppressed),
            addressee=Addressee(aim.mentions, aim.reply_to, aim.second_person),
            rules_version=self.version,
        )

    def _enabled(self, rule: CompiledRule | ComposedRule) -> bool:
        if rule.policy is not None and not self.options.policy.get(rule.policy, False):
            return False
        category = self.options.categories.get(rule.category)
        if category is None:
            return True
        return category.enabled and rule.severity >= Severity.parse(category.min_severity)

    def _candidates(
        self,
        rule: CompiledRule,
        found: dict[int, list[Span]],
        message: _Message,
        suppressed: list[Suppressed],
    ) -> Iterable[_Candidate]:
        for atom in [a for a in found if a in rule.terms]:  # found is small; terms may be huge
            tag = rule.terms[atom]
            for span in message.spans(atom):
                if _enough_letters(message.folded.text[span[0] : span[1]]):
                    yield _Candidate(span, tag)
        for atom in [a for a in found if a in rule.regexes]:
            for span in message.spans(atom):
                yield _Candidate(span, None)
        for near in rule.near:
            yield from self._near_candidates(rule, near, found, message, suppressed)

    def _near_candidates(
        self,
        rule: CompiledRule,
        near: CompiledNear,
        found: dict[int, list[Span]],
        message: _Message,
        suppressed: list[Suppressed],
    ) -> Iterable[_Candidate]:
        a_spans = [(s, near.a[a]) for a in found if a in near.a for s in found[a]]
        b_spans = sorted((s, near.b[b]) for b in found if b in near.b for s in found[b])
        if not a_spans or not b_spans:
            return
        tokens = message.tokens
        if near.a_then is not None:
            then = near.a_then
            then_spans = [(s, then[t]) for t in found if t in then for s in found[t]]
            a_spans = near_then.joined(a_spans, then_spans, tokens, near.a_then_within)
        b_starts = [tokens.index_at(span[0]) for span, _ in b_spans]
        negation = rule.checks.negation
        for a_span, a_tag in sorted(a_spans):
            # Only B spans within the word window can pair: bisect instead of trying them all,
            # so a long message full of both terms stays linear-ish.
            low_token = tokens.index_at(a_span[0]) - near.within - 8
            high_token = tokens.index_at(a_span[1]) + near.within + 1
            low = bisect_left(b_starts, low_token)
            high = bisect_right(b_starts, high_token)
            for b_span, b_tag in b_spans[low:high]:
                if near.a_first and b_span[0] < a_span[0]:
                    continue
                distance = tokens.distance(a_span, b_span)
                if distance < 0 or distance > near.within:
                    continue
                span = (min(a_span[0], b_span[0]), max(a_span[1], b_span[1]))
                candidate = _Candidate(span, a_tag or b_tag)
                if negation == "ignore":
                    yield candidate
                    continue
                negated = ctx.is_negated(tokens, a_span, b_span)
                if negation == "require" and negated:
                    yield candidate
                elif negation == "cancel" and negated:
                    suppressed.append(Suppressed(self._hit(rule, candidate, message), "negated"))
                elif negation == "cancel":
                    yield candidate

    def _suppression(
        self, rule: CompiledRule, span: Span, found: dict[int, list[Span]], message: _Message
    ) -> str | None:
        for atom in rule.exceptions:
            if atom in found and any(_overlaps(span, e) for e in message.spans(atom)):
                return f"exception ({self.matcher.describe(atom)})"
        # Only clauses with both sides present: most messages have no innocent neighbour, and
        # then need no word tokens.
        atoms = found.keys()
        clauses = [
            near
            for near in rule.exception_near
            if not (atoms.isdisjoint(near.a.keys()) or atoms.isdisjoint(near.b.keys()))
        ]
        if clauses and not _called_you(message.tokens, span):
            for near in clauses:
                if _pair_overlaps(near, span, found, message.tokens):
                    return "homonym (by its neighbours)"
        return self._context_suppression(rule.checks, span, message)

    def _context_suppression(
        self, checks: ContextChecks, span: Span, message: _Message
    ) -> str | None:
        folded = message.folded.text
        if checks.quotes:
            reason = _mention_reason(folded, span, message)
            if reason:
                return reason
        if (
            checks.reclaimed
            and folded[span[0] : span[1]] in mention.RECLAIMABLE
            and mention.is_self_described(folded, span, message.aimed_at_other(span))
        ):
            return "self-described"
        if message.member_named(span):
            return "member-name"
        if checks.counter_speech and ctx.is_counter_speech(folded, span):
            return "counter-speech"
        aim = message.aim
        if checks.require_target and not (aim.mentions or aim.reply_to or aim.second_person):
            return "not-directed"
        return None

    def _composed_hit(self, rule: ComposedRule, match: ComposedMatch, message: _Message) -> Hit:
        return _make_hit(rule, match.span, match.tag, message, match.why)

    def _hit(self, rule: CompiledRule, candidate: _Candidate, message: _Message) -> Hit:
        return _make_hit(rule, candidate.span, candidate.tag, message)


def _make_hit(
    rule: CompiledRule | ComposedRule,
    span: Span,
    tag: str | None,
    message: _Message,
    why: str = "",
) -> Hit:
    """A hit of a phrase or composed rule, its span mapped back to the original text."""
    start, end = message.source_span(span)
    subcategory = rule.subcategory
    if subcategory == "auto":
        subcategory = tag or "unspecified"
    return Hit(
        rule_id=rule.id,
        category=rule.category,
        subcategory=subcategory,
        severity=rule.severity,
        start=start,
        end=end,
        text=message.text[start:end],
        nudge=rule.nudge,
        policy=rule.policy is not None,
        why=why,
    )
