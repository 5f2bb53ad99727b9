"""Context checks that decide whether a match is meant: negation, quotation, counter-speech, and
who the message is aimed at.

Each check is a small, explicit rule over folded text (lower-case, look-alikes folded), written
for the phenomenon rather than for particular sentences, and tested one by one in
`tests/engine/test_context.py`. They run only on the rare messages that matched something.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import hyperscan

_SEPARATOR = r"\s,.;:?!\"()\[\]{}<>"  # what ends a word token
_TOKEN = re.compile(rf"[^{_SEPARATOR}]+")
_SENTENCE_END = re.compile(r"[.!?;\n]")
_CLAUSE_END = re.compile(r"[.!?;:,\n]|\bbut\b")
# What separates a negator from what it could deny: a sentence end or a clause link.
_LINK = re.compile(r"[.!?;\n]|\b(?:but|(?:that'?s|that is|which is|this is) why)\b")
_SELF = frozenset({"i", "we"})
_BELIEF_VERBS = frozenset(
    {
        *("think", "thinks", "thinking", "thought", "reckon", "reckons", "reckoning"),
        *("believe", "believes", "believing", "assume", "assumes", "assuming", "expect"),
        *("expects", "expecting", "figure", "figures", "figured"),
    }
)

NEGATORS = frozenset(
    {
        *("not", "no", "never", "nothing", "neither", "nor", "hardly", "none", "nobody"),
        *("nowhere", "without", "isnt", "arent", "wasnt", "werent", "dont", "doesnt", "didnt"),
        *("wont", "cant", "cannot", "shouldnt", "wouldnt", "couldnt", "aint", "mustnt"),
    }
)

SECOND_PERSON = frozenset(
    {
        *("you", "your", "yours", "yourself", "yourselves", "you're", "youre", "you've"),
        *("youve", "you'll", "youll", "you'd", "u", "ur", "ya", "yer", "ye"),
    }
)

# Words that show the speaker condemns what they quote or report.
_CONDEMNATION_WORDS = (
    r"(?:not|isn'?t|aren'?t|wasn'?t|never) (?:ok|okay|cool|funny|acceptable|fine|on|banter|a joke)|"
    r"unacceptable|investigat\w*|misconduct|disciplinary|escalat\w*|mortified|grim|"
    r"out of (?:order|line)|offensive|a slur|slurs?|racist|racism|sexist|sexism|homophobic|"
    r"homophobia|transphobic|transphobia|bigot(?:ed|ry|s)?|hateful|hate speech|hurtful|"
    r"disgusting|vile|appalling|shameful|ashamed|inappropriate|reported|reporting|report it|"
    r"to hr|hr\b|no place|wrong|stop|don'?t (?:say|use|call|post|share|repeat)|shouldn'?t|never ok|"
    r"taken down|removed|removing|spoken to|dealt with|shaken|in tears|"
    r"upset|horrible|awful|gross|abuse|abusive|harass\w*|ableis[mt]|antisemitic|islamophobic|"
    r"xenophobic|misogyn\w*|dehumanising|dehumanizing|problematic|can'?t believe"
)
CONDEMNATION = re.compile(rf"\b(?:{_CONDEMNATION_WORDS})\b")

# Verbs of saying just before a match: the match is being reported, not used.
_REPORTING_WORDS = (
    r"call(?:s|ed|ing)?|named|sa(?:y|ys|ying|id)|the (?:word|term|phrase)|words? like|"
    r"slurs? like|wrote|post(?:ed|ing)?|shout(?:ed|ing)?|yell(?:ed|ing)?|tweet(?:ed|ing)?"
)
_REPORTED = re.compile(rf"\b(?:{_REPORTING_WORDS})(?:\s+\S+){{0,3}}?\s*[\"']?\s*$")

# Openers of a clause that talks *about* a hateful claim in order to reject it.
_COUNTER_WORDS = (
    r"saying|to say|to call|calling|"
    r"statements like|comments like|claims? (?:like|that)|claiming|the idea that|"
    r"the notion that|the belief that|people who (?:say|think|believe|call)|"
    r"if you (?:say|think|believe|call)|whoever (?:says|said|thinks)|"
    r"stop (?:saying|calling|posting|joking)|don'?t (?:say|call)|never (?:say|call)|"
    r"no one should (?:say|call|be called)|nobody should (?:say|call|be called)|"
    r"(?:it's|its|it is) not (?:ok|okay|acceptable|fine) to (?:say|call)|"
    r"you can'?t (?:say|call)|how dare|sick of (?:people|hearing)|tired of (?:people|hearing)|"
    r"jokes? (?:about|like)|words? like|"
    r"(?:don'?t|never) let (?:anyone|anybody|people|them) tell you|"
    r"(?:say|says|said|saying|write|writes|wrote|writing|post|posts|posted|posting|tweet\w*) "
    r"(?:things|stuff|shit|crap|rubbish|garbage|something) like|"
    r"(?:posts|tweets|messages|comments|jokes|remarks|memes|chants|signs) like|"
    r"(?:jail|prison|sacked|fired|banned|punished|arrested|reported|suspended) for "
    r"(?:saying|writing|posting|wishing|calling|tweeting|shouting|chanting|joking)|"
    r"(?:can'?t|cannot|don'?t|do not|won'?t) (?:seriously |really |honestly |actually )?"
    r"(?:believe|think|accept|agree|tolerate|condone|stand for) "
    r"(?:that|posts|people|anyone|this)"
)
# `\b` first: Python's `re` then skips most positions before trying the lookbehinds.
_COUNTER_OPENER = re.compile(
    r"\b(?<!just )(?<!i'm )(?<!im )(?<!i am )(?<!only )(?<!mistake in )(?<!wrong with )"
    rf"(?<!problem with )(?<!wrong in )(?:{_COUNTER_WORDS})\b"
)


def _compile_cues(*expressions: str) -> hyperscan.Database:
    """One Hyperscan database reporting which of several expressions occur in a text.

    Most are cue words: a regex's alternation with its word boundaries taken out, so wherever
    the regex (or a search of part of the text) could match, its cue is present; a text with no
    cue skips the regex, which Python's `re` tries at every word of the text. The scan is of
    UTF-8 bytes, with `\\w` widened to every non-ASCII byte: a superset of Unicode word
    characters that compiles in milliseconds (Hyperscan's Unicode mode took 0.4 s at import).
    """
    database = hyperscan.Database()
    flags = int(hyperscan.HS_FLAG_SINGLEMATCH)
    encoded = [e.replace(r"\w", r"[0-9A-Za-z_\x80-\xff]").encode() for e in expressions]
    ids = list(range(len(expressions)))
    database.compile(expressions=encoded, ids=ids, elements=len(ids), flags=[flags] * len(ids))
    return database


# `_SEPARATOR` as it occurs in folded text, where every whitespace character is ASCII (folding
# turns the others into spaces): the characters Python's `\s` matches among those.
_FOLDED_SEPARATOR = r"\t\n\x0b\x0c\r\x1c-\x1f ,.;:?!\"()\[\]{}<>"
# A whole token (as `Tokens` cuts them, quotes stripped) that is a second-person word: found
# with the cues instead of tokenising every flagged message, most of which no word-distance
# rule looks at.
_SECOND_PERSON_TOKEN = (
    rf"(?:^|[{_FOLDED_SEPARATOR}])'*(?:"
    + "|".join(re.escape(w) for w in sorted(SECOND_PERSON, key=len, reverse=True))
    + rf")'*(?:[{_FOLDED_SEPARATOR}]|$)"
)
_CONDEMNATION_CUE, _REPORTING_CUE, _COUNTER_CUE, _SECOND_PERSON = range(4)
_CUE_EXPRESSIONS = (
    *(
        words.replace(r"\b", "")
        for words in (_CONDEMNATION_WORDS, _REPORTING_WORDS, _COUNTER_WORDS)
    ),
    _SECOND_PERSON_TOKEN,
)


def _add_cue(cue: int, start: int, end: int, flags: int, found: Any) -> None:
    found.add(cue)


@lru_cache(maxsize=1)
def _cue_database() -> hyperscan.Database:
    """Compiled once (about 70 ms), when the first rule set is built, not at import."""
    return _compile_cues(*_CUE_EXPRESSIONS)


def prepare() -> None:
    """Compile what the context checks need now, so the first flagged message does not wait."""
    _cue_database()


@lru_cache(maxsize=16)
def _cues(text: str) -> frozenset[int]:
    """The cues (and second-person words) in a folded text: one scan for all of them, cached
    per text (several hits in one message ask again)."""
    found: set[int] = set()
    _cue_database().scan(text.encode("utf-8"), _add_cue, 0, found)
    return frozenset(found)


# Quotation marks, and Discord block quotes ("> quoted line", as in a reply).
_QUOTE_REGIONS = re.compile(
    r"\"[^\"\n]{1,600}\"|(?<![a-z0-9])'[^'\n]{1,600}'(?![a-z0-9])|(?m:^>[ \t][^\n]{1,600}$)"
)

_MENTION = re.compile(r"<@!?(\d{5,25})>")


@dataclass(frozen=True)
class EvalContext:
    """What the caller knows about a message beyond its text."""

    mentions: tuple[int, ...] = ()
    reply_to: int | None = None  # author id of the message replied to
    member_names: Mapping[str, int] = field(default_factory=dict)  # folded name -> member id
    # The message's channel, its parent channel (threads) and its category, for rule scope;
    # empty (the command line, `rules test`) means no scope applies.
    places: tuple[int, ...] = ()


class Tokens:
    """Word tokens of folded text, for word distances and nearby-word checks."""

    def __init__(self, folded: str) -> None:
        self.text = folded
        spans = [m.span() for m in _TOKEN.finditer(folded)]
        self.starts = [start for start, _ in spans]
        self.ends = [end for _, end in spans]
        self.words = [word.strip("'") for word in _TOKEN.findall(folded)]

    def index_at(self, offset: int) -> int:
        """Index of the first token that ends after `offset` (the token at or after it)."""
        return bisect_right(self.ends, offset)

    def distance(self, a: tuple[int, int], b: tuple[int, int]) -> int:
        """Words strictly between two spans (0 when adjacent, negative when they overlap)."""
        first, second = sorted([a, b])
        end_index = bisect_left(self.starts, first[1])  # first token after span one ends
        start_index = bisect_left(self.starts, second[0])
        return start_index - end_index


def _same_piece(text: str, start: int, end: int, boundary: re.Pattern[str]) -> bool:
    return boundary.search(text, start, end) is None


def is_negated(tokens: Tokens, a: tuple[int, int], b: tuple[int, int]) -> bool:
    """A negator between the two spans, or up to four words before them in the same clause.

    A negator between them counts only when no sentence end or clause link ("but", "that's
    why") separates it from the second span: "[group] are nothing like us, that's why they
    should die" negates nothing. A negator inside someone else's belief ("they think I won't
    ...") or an exclamation ("I can't believe these ...") negates nothing either.
    """
    first, second = sorted([a, b])
    low = bisect_left(tokens.starts, first[1])
    high = bisect_left(tokens.starts, second[0])
    for index in range(low, high):
        if (
            _is_negator(tokens.words[index])
            and _same_piece(tokens.text, tokens.ends[index], second[0], _LINK)
            and not _not_speakers_negation(tokens.words, index)
        ):
            return True
    begin = bisect_left(tokens.starts, first[0])
    for index in range(begin - 1, max(begin - 5, -1), -1):
        if not _same_piece(tokens.text, tokens.ends[index], first[0], _CLAUSE_END):
            break
        if _is_negator(tokens.words[index]) and not _not_speakers_negation(tokens.words, index):
            return True
    return False


def _is_negator(word: str) -> bool:
    return word in NEGATORS or word.endswith("n't")


def _not_speakers_negation(words: list[str], index: int) -> bool:
    """The negator at `index` does not deny what follows: it is what others believe of the
    speaker ("thinking I won't ...", "they reckon we can't ..."), or an exclamation of
    exasperation before a demonstrative ("I can't believe these ...")."""
    before = words[max(index - 3, 0) : index]
    if len(before) >= 2 and before[-1] in _SELF and before[-2] in _BELIEF_VERBS:
        return len(before) < 3 or before[-3] not in _SELF
    after = words[index + 1 : index + 3]
    return (
        words[index] in ("can't", "cant", "cannot")
        and len(after) == 2
        and after[0] == "believe"
        and after[1] in ("these", "those")
    )


@lru_cache(maxsize=16)
def _sentence_ends(text: str) -> list[int]:
    # Cached per message: several hits in one long message must not rescan it each time.
    return [m.end() for m in _SENTENCE_END.finditer(text)]


def _sentence_start(text: str, offset: int) -> int:
    ends = _sentence_ends(text)
    index = bisect_right(ends, offset) - 1
    return ends[index] if index >= 0 else 0


@lru_cache(maxsize=16)
def _quote_regions(text: str) -> list[tuple[int, int]]:
    if '"' not in text and "'" not in text and ">" not in text:
        return []  # the usual case, without trying the regex at every position
    return [m.span() for m in _QUOTE_REGIONS.finditer(text)]


def in_quotes(folded: str, span: tuple[int, int]) -> bool:
    """True when the span sits inside a pair of quotation marks (folded to ASCII)."""
    regions = _quote_regions(folded)
    index = bisect_left(regions, (span[0], 0)) - 1  # the last region starting before the span
    return index >= 0 and span[1] <= regions[index][1]  # a block quote ends with its line


def is_reported(folded: str, span: tuple[int, int]) -> bool:
    """True when a verb of saying comes just before the span ("he called her a ...")."""
    if _REPORTING_CUE not in _cues(folded):
        return False
    window_start = max(_sentence_start(folded, span[0]), span[0] - 60)
    return _REPORTED.search(folded[window_start : span[0]]) is not None


def is_condemned(folded: str) -> bool:
    """True when the message says what it quotes or reports is wrong."""
    return _CONDEMNATION_CUE in _cues(folded) and CONDEMNATION.search(folded) is not None


# How far back in its sentence a counter-speech opener may stand. Bounding it keeps a long
# unpunctuated message with many hits linear: each hit looks back this far, not to the start.
COUNTER_REACH = 300


def is_counter_speech(folded: str, span: tuple[int, int]) -> bool:
    """True when the span is the object of a clause that rejects it ("saying X is wrong")."""
    if _COUNTER_CUE not in _cues(folded):
        return False
    start = max(_sentence_start(folded, span[0]), span[0] - COUNTER_REACH)
    return _COUNTER_OPENER.search(folded, start, span[0]) is not None


@dataclass(frozen=True, slots=True)
class Aim:
    """Who a message is aimed at, computed from text and context."""

    mentions: tuple[int, ...]
    reply_to: int | None
    second_person: bool


def find_aim(original: str, folded: str, context: EvalContext) -> Aim:
    """Mentions (from context and `<@id>` in the text), reply target, names, and 'you'."""
    mentioned = list(context.mentions)
    if "<@" in original:
        mentioned.extend(int(m) for m in _MENTION.findall(original))
    for name, member_id in context.member_names.items():
        if name and re.search(rf"(?<![a-z0-9]){re.escape(name)}(?![a-z0-9])", folded):
            mentioned.append(member_id)
    second_person = _SECOND_PERSON in _cues(folded)
    return Aim(tuple(dict.fromkeys(mentioned)), context.reply_to, second_person)
