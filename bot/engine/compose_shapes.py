"""The shapes of the compositional layer (its fixed grammar) and the records it works with.

A shape is a few sequences of slots; a rule file fills the slots with word sets. Kept apart from
the matching code in `compose.py` so the grammar reads on one screen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.engine.phrases import Phrases
from bot.engine.schema import ContextChecks
from bot.engine.verdict import Category, Severity

Span = tuple[int, int]

# Slots: ("T",) a group target; ("X",) a person (threats, wishes); ("P",) the rule's predicate;
# ("S", set) exactly one phrase of a word set; ("G", sets, n) up to n phrases of those sets;
# ("^",) the start of a sentence. The last field of a sequence says whether negators met in
# its gaps negate it (in a question, "aren't women ...?" negates nothing).
Slot = tuple[object, ...]
_FILL = ("fillers", "negators")
_BE = ("fillers", "negators", "be")
_INTENT_GAP = ("fillers", "intents", "be")
MODIFIER_WORDS = 3  # "[group] in accounts are ...": words a post-modifier may hold
SHAPES: dict[str, tuple[tuple[tuple[Slot, ...], bool], ...]] = {
    "describe": (
        ((("T",), ("M",), ("G", ("fillers",), 3), ("S", "be"), ("G", _FILL, 4), ("P",)), True),
        ((("S", "be"), ("G", ("negators",), 1), ("T",), ("G", ("fillers",), 3), ("P",)), False),
        # "typical of a [group] to be ...", "trust a [group] to be ..."
        ((("S", "typical"), ("G", ("determiners",), 2), ("T",), ("G", _BE, 4), ("P",)), False),
    ),
    "attribute": (((("P",), ("G", ("epithet_fillers",), 1), ("T",)), True),),
    "act": (((("T",), ("M",), ("G", _FILL, 2), ("P",)), True),),
    "feel": (
        (
            (("S", "speakers"), ("G", _BE, 3), ("P",), ("G", ("determiners",), 2), ("T",)),
            True,
        ),
        # "the scorn I feel for [group]"
        ((("S", "held_feelings"), ("G", ("determiners",), 2), ("T",)), True),
        ((("T",), ("G", ("fillers",), 2), ("P",), ("S", "speakers")), True),
    ),
    "should": (
        (
            (("T",), ("M",), ("G", ("fillers",), 2), ("S", "modals"), ("G", _BE, 3), ("P",)),
            True,
        ),
    ),
    "deny": (
        (
            (("T",), ("M",), ("G", ("fillers",), 2), ("S", "denials"), ("G", _BE, 3), ("P",)),
            True,
        ),
        # an inability claim takes any verb: "[group] are unfit to fly", "too thick to code"
        ((("T",), ("M",), ("G", ("fillers",), 2), ("W", "inability")), True),
        # "we must not let any [group] live"
        (
            (
                ("S", "speakers"),
                ("G", ("fillers",), 2),
                ("S", "let_denials"),
                ("G", ("determiners",), 2),
                ("T",),
                ("G", _BE, 2),
                ("P",),
            ),
            False,
        ),
    ),
    "threat": (
        (
            (
                ("S", "agents"),
                ("G", _INTENT_GAP, 3),
                ("S", "intents"),
                ("G", _INTENT_GAP, 3),
                ("P",),
                ("G", ("determiners",), 3),
                ("T",),
            ),
            True,
        ),
        ((("^",), ("G", ("lead_ins",), 2), ("P",), ("G", ("determiners",), 3), ("T",)), True),
        # "it is time to [harm] [group]", "let's [harm] ..."
        (
            (("S", "calls"), ("G", ("fillers",), 2), ("P",), ("G", ("determiners",), 3), ("T",)),
            True,
        ),
        # "I'm going to make those [group] suffer"
        (
            (
                ("S", "agents"),
                ("G", _INTENT_GAP, 3),
                ("S", "intents"),
                ("G", _INTENT_GAP, 2),
                ("S", "causatives"),
                ("G", ("determiners",), 3),
                ("T",),
                ("G", _BE, 2),
                ("P",),
            ),
            True,
        ),
    ),
    "wish": (
        (
            (
                ("S", "wishes"),
                ("G", ("fillers", "determiners"), 3),
                ("T",),
                ("M",),
                ("G", _BE, 4),
                ("P",),
            ),
            True,
        ),
    ),
}
# For each sequence: the word sets it needs one phrase of ("S" and "W" slots).
REQUIRED_BY_SEQUENCE = {
    sequence: tuple(dict.fromkeys(str(slot[1]) for slot in sequence if slot[0] in ("S", "W")))
    for sequences in SHAPES.values()
    for sequence, _ in sequences
}
# The sequences with a predicate slot ("P").
HAS_PREDICATE = frozenset(
    sequence for sequences in SHAPES.values() for sequence, _ in sequences if ("P",) in sequence
)
REQUIRED_SETS = {
    shape: sorted({str(slot[1]) for seq, _ in seqs for slot in seq if slot[0] == "S"})
    for shape, seqs in SHAPES.items()
}
AGENTIVE = re.compile(r"^[a-z]{3,}(?:ers|ists|ians|ors|ees|ants|ents)$")
SECOND_PERSON = frozenset({"you", "u", "ya", "yall", "y'all"})
NEGATION_REACH = 3  # words before a match, in its sentence, where a negator denies it


@dataclass(frozen=True, slots=True)
class ComposedRule:
    """One composed rule with its word sets resolved."""

    id: str
    shape: str
    category: Category
    subcategory: str
    severity: Severity
    nudge: str
    policy: str | None
    checks: ContextChecks
    predicate: Phrases
    label: str
    negated: bool
    aim: str
    source: str
    flag_examples: tuple[str, ...] = ()
    pass_examples: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Target:
    """A group (or a person) a sentence is about, as word indices [start, end)."""

    start: int
    end: int
    tag: str | None
    label: str
    anchor: int  # word index where its span starts: the antecedent of "they"
    own: bool = False  # the speaker's own group ("we women", "as a gay man")
    second: bool = False  # the reader's group ("if you are a woman", "you muslims")
    referred: bool = False  # a pronoun standing for a group named earlier


@dataclass(frozen=True, slots=True)
class ComposedMatch:
    """A composed rule matching: folded-text span, the group's tag, and why, in words."""

    rule: int
    span: Span
    tag: str | None
    why: str
