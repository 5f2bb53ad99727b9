"""Use versus mention: a word in quotation marks or named as a word ("the word X"), and a
reclaimed slur in self-description ("I'm a proud dyke").

Quotation marks alone prove nothing: `you are a "faggot"` uses the word. A marked word is
spared only when the message reports someone's words (a verb of saying before it), condemns
them (see `context.CONDEMNATION`), or discusses the word itself (its meaning, origin, spelling).
Self-description is spared only when the speaker says it of themselves; a bare "proud X" counts
as self-description only when the message is not aimed at anyone.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.engine.context import CONDEMNATION, QUOTE_REGIONS

# "the word X", "the slur 'X'", "words like X", "the n-word": what follows is named, not used.
_NAMED = re.compile(
    r"(?:\b(?:the|this|that|a|an|such) (?:words?|terms?|slurs?|names?|insults?|phrases?|"
    r"expressions?)|\b(?:words?|terms?|slurs?|insults?) like) *[\"']?$"
)

# A verb of saying or writing someone used just before a marked word.
_SAYING = re.compile(
    r"\b(?:call(?:s|ed|ing)?|named|sa(?:y|ys|ying|id)|"
    r"wr(?:ote|ite|ites|iting|itten)|post(?:s|ed|ing)?|shout(?:s|ed|ing)?|yell(?:s|ed|ing)?|"
    r"scream(?:s|ed|ing)?|tweet(?:s|ed|ing)?|text(?:s|ed)?|messag(?:e|es|ed)|chant(?:s|ed|ing)?|"
    r"scrawl(?:s|ed)?|spray(?:ed|s)?|paint(?:ed|s)?|graffiti|used|uses|using|heard|"
    r"tells|telling|told|ask(?:s|ed)?|key(?:s|ed)|scratch(?:es|ed)|carv(?:es|ed)|etch(?:es|ed))"
    r"(?:\s+[^\s\"']+){0,4}?\s*[\"']?\s*$"
)

_WORDS = re.compile(r"[a-z0-9']+")
_FIRST_PERSON = frozenset("i we i'll ill i'd id i've ive we'll we'd".split())

# The message talks about the word itself.
_DISCUSSION = re.compile(
    r"\b(?:means?|meant|meaning|originally|origins?|etymology|derived?|derives|comes? from|"
    r"spell(?:ed|ing|t)?|definition|defined|dictionary|glossary|style guide|slang for|"
    r"stands? for|translat\w*|pronounc\w*|reclaim\w*|old word|used to be)\b"
)

# Slurs that groups they name have reclaimed for self-description.
RECLAIMABLE = frozenset(
    "fag fags faggot faggots dyke dykes homo homos poof poofs queer queers tranny trannies "
    "lesbo lesbos crip crips cripple cripples bitch bitches".split()
)

# Someone else calling the speaker (or theirs) a word: "my neighbour calls us X", "they called
# my son a X". The victim reporting it; "I called him X" is not.
_CALLED_ME = re.compile(
    r"\b(?:call(?:s|ed|ing)?|named)\s+(?:me|us|my\s+[a-z]+|our\s+[a-z]+)\s+"
    r"(?:an?\s+)?(?:[a-z]+\s+)?[\"']?$"
)
_SELF = re.compile(
    r"\b(?:i'?m|i am|we'?re|we are|we|as an?|myself|ourselves|us|me|my fellow|our fellow|"
    r"(?:proud|happy|glad) (?:to be|of being)|(?:love|loving|enjoy) being)\s+"
    r"(?:(?:an?|the|both|so|such|proud|pretty|bad|big|ol|old|fellow|out|and|\w+est)\s+){0,3}$"
)
# After the word: "dykes like us", "faggots like me", "dyke and proud".
_SELF_AFTER = re.compile(r"\s+(?:like (?:me|us|myself|ourselves)|and proud)\b")
_PROUD = re.compile(r"\bproud\s+(?:(?:an?|the|so|such|\w+est)\s+){0,2}$")
_AT_NAME = re.compile(r"(?<![a-z0-9])@[a-z0-9_]")
# "you" earlier in the span's own sentence ("look at you, proud X").
_YOU_BEFORE = re.compile(r"\b(?:you|your|you'?re|u|ur|ya|yer)\b[^.!?\n]*$")


def _before(folded: str, start: int, reach: int = 60) -> str:
    return folded[max(0, start - reach) : start]


@lru_cache(maxsize=16)
def _may_name(folded: str) -> bool:
    """Whether any word `_NAMED` needs occurs: most messages with many hits skip the regex."""
    return any(cue in folded for cue in _NAMING_CUES)


_NAMING_CUES = ("word", "term", "slur", "name", "insult", "phrase", "expression", " like")


def is_named_as_word(folded: str, span: tuple[int, int]) -> bool:
    """True when the span follows "the word", "the slur", "words like" (quoted or not)."""
    return _may_name(folded) and _NAMED.search(_before(folded, span[0])) is not None


def _quote_start(folded: str, span: tuple[int, int]) -> int:
    """Where the quotation holding the span begins (the span's own start when none does)."""
    for match in QUOTE_REGIONS.finditer(folded, max(0, span[0] - 600)):
        if match.start() > span[0]:
            break
        if span[1] <= match.end():
            return match.start()
    return span[0]


def is_reported_mention(folded: str, span: tuple[int, int]) -> bool:
    """True when a marked span is someone's reported words ("he wrote 'X' on her locker")."""
    before = _before(folded, _quote_start(folded, span))
    saying = _SAYING.search(before)
    # Not when the speaker says it ("like I always say 'X'"): that is their own use.
    lead = _WORDS.findall(before[: saying.start()])[-2:] if saying else []
    return saying is not None and _FIRST_PERSON.isdisjoint(lead)


@lru_cache(maxsize=16)
def discusses_words(folded: str) -> bool:
    """True when the message talks about a word as a word (its meaning, origin, spelling)."""
    return _DISCUSSION.search(folded) is not None


def aimed_by_name(folded: str) -> bool:
    """True when the text names someone with a plain-text `@name`."""
    return "@" in folded and _AT_NAME.search(folded) is not None


def addressed_before(folded: str, span: tuple[int, int]) -> bool:
    """True when "you" comes earlier in the span's sentence."""
    return _YOU_BEFORE.search(_before(folded, span[0])) is not None


def condemned_apart(folded: str, span: tuple[int, int]) -> bool:
    """Condemnation outside the words that name the span ("the slur X" is no condemnation)."""
    marker = _NAMED.search(_before(folded, span[0]))
    start = span[0] - len(marker.group()) if marker else span[0]
    return CONDEMNATION.search(folded[: max(start, 0)] + " . " + folded[span[1] :]) is not None


def is_self_described(folded: str, span: tuple[int, int], aimed: bool) -> bool:
    """True for a reclaimed slur the speaker applies to themselves ("we call ourselves fags",
    "I'm a proud dyke"); a bare "proud X" only when the message is aimed at no one."""
    if folded[span[0] : span[1]] not in RECLAIMABLE:
        return False
    before = _before(folded, span[0])
    if _SELF.search(before) or _SELF_AFTER.match(folded, span[1]):
        return True
    return not aimed and _PROUD.search(before) is not None


@lru_cache(maxsize=16)
def _may_call(folded: str) -> bool:
    return "call" in folded or "named" in folded


def is_called_me(folded: str, span: tuple[int, int]) -> bool:
    """True when someone else is reported calling the speaker or theirs the span's word."""
    if not _may_call(folded):
        return False
    before = _before(folded, span[0])
    called = _CALLED_ME.search(before)
    return called is not None and _FIRST_PERSON.isdisjoint(
        _WORDS.findall(before[: called.start()])[-2:]
    )
