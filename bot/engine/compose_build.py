"""Build the compositional layer from a `compose:` section: word sets resolved from lexicons
and lists, targets registered with the matcher (so group terms keep every evasion check), and
the cues that call the layer up from the first pass.

Errors come back as (path inside the compose section, message) for the loader to place at a
file and line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot.engine.compose import Composer
from bot.engine.compose_cues import (
    Cue,
    adjective_noun_cue,
    adjective_target_cue,
    person_threat_cues,
)
from bot.engine.compose_shapes import REQUIRED_SETS, ComposedRule
from bot.engine.lexicons import LexiconError, Lexicons
from bot.engine.patterns import TermError, expand_braces
from bot.engine.phrases import Phrase, Phrases, inflections, phrase_of
from bot.engine.schema import Compose, WordSet
from bot.engine.spelling import vocabulary
from bot.engine.verdict import Severity

Where = tuple[object, ...]
# Word sets a shape can do without (it then matches fewer wordings).
_OPTIONAL_SETS = frozenset(
    {"lead_ins", "epithet_fillers", "post_modifiers", "typical", "let_denials", "intents"}
)
# Words that start a phrase but are no verb: a phrase they start is not inflected ("the rope"
# would give "thing rope").
_NOT_VERBS = frozenset(
    "a an the this that these those my your his her its our their not no never in on at to "
    "of for with by from off out up down all every some any".split()
)
TermsFn = Callable[[list[str], Where], dict[int, str | None]]
# Regexes -> their atom ids; each with the gates its matches hold (see `compose_cues`).
RegexesFn = Callable[[list[str], Where, list[tuple[str, ...]]], tuple[int, ...]]


@dataclass
class _Resolver:
    """Resolves named word sets to {phrase: source}, once each, reporting cycles."""

    words: dict[str, WordSet]
    lexicons: Lexicons
    errors: list[tuple[Where, str]] = field(default_factory=list)
    _done: dict[str, dict[Phrase, str]] = field(default_factory=dict)
    # The phrases each set names itself or takes from the sets it includes: the ones `inflect`
    # applies to (an inflected form is never inflected again: no "killeding").
    _bases: dict[str, list[Phrase]] = field(default_factory=dict)
    _active: set[str] = field(default_factory=set)

    def get(self, name: str, where: Where) -> dict[Phrase, str]:
        if name in self._done:
            return self._done[name]
        spec = self.words.get(name)
        if spec is None:
            self.errors.append((where, f"unknown word set '{name}'"))
            return {}
        if name in self._active:
            self.errors.append((("words", name), f"word set '{name}' includes itself"))
            return {}
        self._active.add(name)
        resolved = self._resolve(name, spec)
        self._active.discard(name)
        self._done[name] = resolved
        return resolved

    def _resolve(self, name: str, spec: WordSet) -> dict[Phrase, str]:
        here: Where = ("words", name)
        out: dict[Phrase, str] = {}
        try:
            if spec.vader is not None:
                for word in self.lexicons.vader_range(spec.vader.min, spec.vader.max):
                    out.setdefault(phrase_of(word), f"{name}, vader")
            for category in spec.empath:
                for word in self.lexicons.empath_category(category):
                    out.setdefault(phrase_of(word), f"{name}, empath {category}")
        except LexiconError as exc:
            self.errors.append((here, str(exc)))
        for phrase in self._listed(spec.terms, here):
            out.setdefault(phrase, f"{name}, listed")
        bases = dict.fromkeys(out)
        for other in spec.sets:
            for phrase, origin in self.get(other, (*here, "sets")).items():
                out.setdefault(phrase, origin)
            bases.update(dict.fromkeys(self._bases.get(other, ())))
        if spec.inflect:
            for phrase in bases:
                for form in _inflected(phrase, known_only=True):
                    out.setdefault(form, out[phrase])
        for entry in spec.minus:
            if entry.startswith("@"):
                removed: Iterable[Phrase] = self.get(entry[1:], (*here, "minus"))
            else:
                removed = self._listed([entry], here)
                if spec.inflect:
                    removed = [form for p in removed for form in _inflected(p)]
            for phrase in list(removed):
                out.pop(phrase, None)
        out.pop((), None)
        self._bases[name] = [phrase for phrase in bases if phrase in out]
        return out

    def _listed(self, terms: list[str], where: Where) -> list[Phrase]:
        phrases = []
        for term in terms:
            try:
                phrases += [phrase_of(variant) for variant in expand_braces(term.rstrip("~"))]
            except TermError as exc:
                self.errors.append((where, str(exc)))
        return phrases


def build_composer(
    model: Compose,
    terms: TermsFn,
    lexicons: Lexicons,
    regexes: RegexesFn,
) -> tuple[Composer | None, list[tuple[Where, str]]]:
    """The composer for a `compose:` section (None if it has no rules), and its errors."""
    resolver = _Resolver(dict(model.words), lexicons)
    sets = {
        name: Phrases.build(resolver.get(name, ("words", name)).items()) for name in model.words
    }
    rules: list[ComposedRule] = []
    seen: set[str] = set()
    for index, rule in enumerate(model.rules):
        where: Where = ("rules", index)
        if rule.id in seen:
            resolver.errors.append((where, f"duplicate composed rule id '{rule.id}'"))
        seen.add(rule.id)
        for needed in REQUIRED_SETS[rule.shape]:
            if needed not in sets and needed not in _OPTIONAL_SETS:
                message = f"shape '{rule.shape}' needs the word set '{needed}' under compose.words"
                resolver.errors.append((where, message))
        entries: dict[Phrase, str] = {}
        for name in rule.predicate:
            for phrase, origin in resolver.get(name, (*where, "predicate")).items():
                entries.setdefault(phrase, origin)
        if not rule.enabled:
            continue
        rules.append(
            ComposedRule(
                id=rule.id,
                shape=rule.shape,
                category=rule.category,
                subcategory=rule.subcategory,
                severity=Severity.parse(rule.severity),
                nudge=rule.nudge.strip(),
                policy=rule.policy,
                checks=rule.context,
                predicate=Phrases.build(entries.items()),
                label=rule.label or rule.shape,
                negated=rule.negated,
                aim=rule.aim,
                source=str(index),  # the loader turns it into file:line
                flag_examples=tuple(rule.examples.flag),
                pass_examples=tuple(rule.examples.pass_),
            )
        )
    targets = model.targets
    group_atoms = terms(list(targets.groups), ("targets", "groups"))
    adjectives = {
        phrase_of(word)[0]: tag
        for tag, words in targets.adjectives.items()
        for term in words
        for word in expand_braces(term)
        if phrase_of(word)
    }
    person_nouns = _phrases(resolver, targets.person_nouns, ("targets", "person_nouns"))
    refer_back = _phrases(resolver, targets.refer_back, ("targets", "refer_back"))
    persons = _phrases(resolver, targets.persons, ("targets", "persons"))
    if not rules:
        return None, resolver.errors
    cues: list[Cue | None] = [adjective_target_cue(adjectives, person_nouns)]
    # Threats against one person: the person words of three letters or more ("u" alone would
    # call the layer up for "kill u" in every shell tip).
    harms = [
        phrase
        for rule in rules
        if rule.aim == "person" and rule.shape == "threat"
        for phrase in rule.predicate.source
    ]
    cues.extend(
        person_threat_cues(
            harms,
            [p for p in persons.source if len(" ".join(p)) >= 3],
            sets.get("person_determiners"),
            [p for p in person_nouns.source if len(" ".join(p)) >= 3],
            sets.get("determiners"),
        )
    )
    # A group adjective used as a noun after a determiner ("every bisexual on the team").
    owners = sets.get("person_determiners")
    if owners is not None:
        cues.append(
            adjective_noun_cue([owner for owner in owners.source if len(owner) == 1], adjectives)
        )
    written = [cue for cue in cues if cue]
    cue_ids = set(regexes([c.pattern for c in written], ("targets",), [c.gates for c in written]))
    composer = Composer(
        rules=tuple(rules),
        sets=sets,
        group_atoms=group_atoms,
        adjectives=adjectives,
        person_nouns=person_nouns,
        refer_back=refer_back,
        persons=persons,
        cue_atoms=frozenset(cue_ids),
        cue_groups=frozenset(group_atoms),
    )
    return composer, resolver.errors


def _inflected(phrase: Phrase, known_only: bool = False) -> list[Phrase]:
    """A phrase's inflected forms: of the word for one word, of the verb (the first word) for a
    phrasal verb ("lock up" -> "locked up"). With `known_only`, only forms that are words of
    the vocabulary: the suffix rules also make "killeded", "theiring" and "beatted", which no
    message holds and which would only swell the first pass's cue regexes."""
    if len(phrase) > 1 and phrase[0] in _NOT_VERBS:
        return [phrase]  # "the rope", "their throats cut": no verb to inflect
    forms = inflections(phrase[0])
    if known_only:
        known = vocabulary()
        forms = {form for form in forms if form == phrase[0] or form in known}
    return [(form, *phrase[1:]) for form in sorted(forms)]


def _phrases(resolver: _Resolver, terms: list[str], where: Where) -> Phrases:
    return Phrases.build((p, "listed") for p in resolver._listed(terms, where))
