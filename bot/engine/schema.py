"""The rule-file format, as pydantic models that forbid unknown keys.

A file in `rules/` may hold any of three top-level keys: `termsets` (named word lists), `rules`,
and `options` (server-wide switches). A top-level `policy` key belongs to the escalation policy
and is ignored here. `upstander rules schema` prints the JSON Schema generated from these models.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.engine.verdict import Category

SeverityName = Literal["low", "medium", "high", "critical"]
TermList = list[Annotated[str, Field(min_length=1, max_length=200)]]
# Word-set entries of the compositional layer: looked up by word, never compiled as patterns.
WordList = list[Annotated[str, Field(min_length=1, max_length=2000)]]

_RULE_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,79}$")
_SET_NAME = re.compile(r"^[a-z0-9][a-z0-9_]{0,63}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Then(_Strict):
    """What must follow an `a` term for it to count: "whoever" then "went to HR"."""

    terms: TermList = Field(min_length=1, description="Terms or @termset references.")
    within: int = Field(default=3, ge=0, le=10, description="Words allowed after the a term.")


class Near(_Strict):
    """A term from `a` within `within` words of a term from `b` ("[group] are vermin")."""

    a: TermList = Field(min_length=1, description="Terms or @termset references.")
    b: TermList = Field(min_length=1, description="Terms or @termset references.")
    within: int = Field(default=3, ge=0, le=20, description="Words allowed between a and b.")
    order: Literal["any", "a_first"] = "any"
    a_then: Then | None = Field(
        default=None,
        description="An `a` term counts only followed by one of these terms; together they are "
        "side a, and `within` counts from that whole phrase.",
    )


class Match(_Strict):
    """What makes a rule hit: any term, any regex, or any `near` combination."""

    terms: TermList = Field(default_factory=list)
    regex: TermList = Field(default_factory=list, description="RE2 syntax, on folded text.")
    near: list[Near] = Field(default_factory=list)


class Exceptions(_Strict):
    """Matches that cancel a hit they overlap (never the whole message)."""

    terms: TermList = Field(default_factory=list)
    regex: TermList = Field(default_factory=list)
    near: list[Near] = Field(
        default_factory=list,
        description="A homonym judged by its neighbours: the pair's span cancels a hit it "
        "overlaps ('fag' within a few words of 'cigarette').",
    )


class ContextChecks(_Strict):
    """Which context checks apply to this rule's hits."""

    negation: Literal["cancel", "require", "ignore"] = Field(
        default="cancel",
        description="For `near` hits: a negation between or just before the pair cancels the "
        "hit (cancel), is needed for it (require: 'X are not welcome'), or is ignored.",
    )
    quotes: bool = Field(default=True, description="Quoted or reported and condemned: no hit.")
    counter_speech: bool = Field(default=True, description="'Saying X is wrong': no hit.")
    require_target: bool = Field(
        default=False, description="Hit only when aimed at someone (mention, reply, 'you')."
    )
    reclaimed: bool = Field(
        default=False,
        description="A reclaimed slur the speaker applies to themselves ('I'm a proud dyke'): "
        "no hit; a bare 'proud X' only when the message is aimed at no one.",
    )


ChannelId = Annotated[int, Field(ge=0)]


class Scope(_Strict):
    """Where rules apply: Discord channel or channel-category ids (a thread follows its channel).

    Empty `only` means everywhere; a message in any `skip` id is never judged by these rules.
    """

    only: list[ChannelId] = Field(
        default_factory=list, description="Apply only in these channels or categories."
    )
    skip: list[ChannelId] = Field(
        default_factory=list, description="Never apply in these channels or categories."
    )

    def admits(self, places: tuple[int, ...]) -> bool:
        """True when a message in `places` (its channel, parent and category ids) is in scope."""
        if any(place in self.skip for place in places):
            return False
        return not self.only or any(place in self.only for place in places)


class Examples(_Strict):
    """Sentences that must and must not hit this rule; `upstander rules test` runs them."""

    flag: list[str] = Field(default_factory=list)
    pass_: list[str] = Field(default_factory=list, alias="pass")


class Rule(_Strict):
    """One rule."""

    id: str
    category: Category
    subcategory: str = Field(
        min_length=1,
        description="e.g. racism, sexism, threat, bullying; 'auto' takes the tag of the "
        "tagged term set that matched.",
    )
    severity: SeverityName
    description: str = ""
    enabled: bool = True
    policy: str | None = Field(
        default=None,
        description="Name of a server policy switch (options.policy) that must be on for this "
        "rule to flag, e.g. non_protected_threats or directed_profanity.",
    )
    match: Match
    unless: Exceptions = Field(default_factory=Exceptions)
    context: ContextChecks = Field(default_factory=ContextChecks)
    nudge: str = Field(min_length=10, max_length=500)
    examples: Examples = Field(default_factory=Examples)
    scope: Scope | None = Field(default=None, description="Channels this rule applies to or skips.")

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not _RULE_ID.match(value):
            raise ValueError("rule id must be lower-case letters, digits, '.', '_' or '-'")
        return value


TermSet = TermList | dict[str, TermList]


class VaderSpec(_Strict):
    """Words of vaderSentiment's lexicon (MIT) by mean valence (-4 .. +4)."""

    max: float | None = Field(default=None, ge=-4, le=4, description="At most this valence.")
    min: float | None = Field(default=None, ge=-4, le=4, description="At least this valence.")


class WordSet(_Strict):
    """A named set of words or phrases for the compositional layer: the union of a lexicon's
    words, Empath categories, listed terms and other word sets, less `minus`."""

    vader: VaderSpec | None = None
    empath: list[str] = Field(default_factory=list, description="Empath category names (MIT).")
    terms: WordList = Field(default_factory=list, description="Words or phrases; {a,b} expands.")
    sets: list[str] = Field(default_factory=list, description="Other word sets to include.")
    minus: WordList = Field(
        default_factory=list, description="Words, or word-set names after '@', to leave out."
    )
    inflect: bool = Field(
        default=False, description="Also match inflected forms: kill -> kills, killed, killing."
    )


ShapeName = Literal["describe", "attribute", "act", "feel", "should", "deny", "threat", "wish"]


class ComposeTargets(_Strict):
    """What counts as a protected group in the compositional layer."""

    groups: TermList = Field(
        default_factory=list, description="Terms or @termsets (tagged) naming a group."
    )
    adjectives: dict[str, TermList] = Field(
        default_factory=dict,
        description="Tagged adjectives that name a group before a person noun ('female').",
    )
    person_nouns: TermList = Field(default_factory=list, description="'engineer', 'people'...")
    refer_back: TermList = Field(
        default_factory=list,
        description="Words that stand for a group named earlier ('they', 'those people').",
    )
    persons: TermList = Field(
        default_factory=list, description="Individual people a threat can aim at ('you', 'him')."
    )


class ComposeRule(_Strict):
    """A composed rule: a shape (the grammar, evaluated by the engine) filled with word sets."""

    id: str
    shape: ShapeName
    category: Category
    subcategory: str = Field(min_length=1, description="'auto': the group's tag.")
    severity: SeverityName
    description: str = ""
    enabled: bool = True
    predicate: list[str] = Field(min_length=1, description="Word sets of what is said.")
    label: str = Field(default="", description="What the hit is called in `check` output.")
    negated: bool = Field(
        default=False, description="Only negated predicates hit ('[group] are not human')."
    )
    aim: Literal["group", "person"] = Field(
        default="group", description="threat/wish: aimed at a group, or at one person (you, him)."
    )
    policy: str | None = Field(default=None, description="As a rule's `policy`.")
    context: ContextChecks = Field(default_factory=ContextChecks)
    nudge: str = Field(min_length=10, max_length=500)
    examples: Examples = Field(default_factory=Examples)

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not _RULE_ID.match(value):
            raise ValueError("rule id must be lower-case letters, digits, '.', '_' or '-'")
        return value


class Compose(_Strict):
    """The compositional layer: targets, word sets, and the rules built from them."""

    targets: ComposeTargets = Field(default_factory=ComposeTargets)
    words: dict[str, WordSet] = Field(default_factory=dict)
    rules: list[ComposeRule] = Field(default_factory=list)


class CategoryOptions(_Strict):
    """Per-category switches."""

    enabled: bool = True
    min_severity: SeverityName = Field(
        default="low", description="Sensitivity: hits below this severity are ignored."
    )
    scope: Scope | None = Field(
        default=None, description="Channels this category's rules apply to or skip."
    )


class Options(_Strict):
    """Server-wide switches admins set in the rule files."""

    policy: dict[str, bool] = Field(
        default_factory=dict, description="Policy switches named by rules' `policy` field."
    )
    categories: dict[Category, CategoryOptions] = Field(default_factory=dict)


class MustPass(_Strict):
    """A message no rule may flag: an upheld false positive, anonymised (`rules test` runs it)."""

    text: str = Field(min_length=1, max_length=4000)
    note: str = Field(default="", description="Where it came from (appeal, case, who upheld it).")


class RuleFile(_Strict):
    """One YAML file in the rules directory."""

    termsets: dict[str, TermSet] = Field(default_factory=dict)
    rules: list[Rule] = Field(default_factory=list)
    options: Options | None = None
    compose: Compose | None = Field(
        default=None, description="The compositional layer: who is targeted x what is said."
    )
    scope: Scope | None = Field(
        default=None, description="Channels every rule of this file applies to or skips."
    )
    must_pass: list[MustPass] = Field(
        default_factory=list,
        description="Messages no rule may flag (local-examples.yaml: upheld false positives).",
    )
    policy: object | None = Field(default=None, description="Owned by the escalation policy.")

    @field_validator("termsets")
    @classmethod
    def _set_names(cls, value: dict[str, TermSet]) -> dict[str, TermSet]:
        for name in value:
            if not _SET_NAME.match(name):
                raise ValueError(f"term set name {name!r}: use lower-case letters, digits, '_'")
        return value
