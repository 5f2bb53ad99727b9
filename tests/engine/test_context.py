"""Context checks: negation, quotes that condemn, counter-speech, and who is addressed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.engine import EvalContext, RuleSet, context
from bot.engine.context import (
    COUNTER_REACH,
    SECOND_PERSON,
    Tokens,
    find_aim,
    is_counter_speech,
    is_negated,
)
from bot.engine.normalise import fold


def _negated(text: str, a: str, b: str) -> bool:
    a_start, b_start = text.index(a), text.index(b)
    return is_negated(Tokens(text), (a_start, a_start + len(a)), (b_start, b_start + len(b)))


@pytest.mark.parametrize(
    "text",
    [
        "women are not vermin",
        "immigrants aren't rats",
        "immigrants are never animals",
        "I don't think immigrants are rats",
    ],
)
def test_negated_hate_is_not_flagged(ruleset: RuleSet, text: str) -> None:
    verdict = ruleset.evaluate(text)
    assert not verdict.flagged
    assert [s.reason for s in verdict.suppressed] == ["negated"]


def test_negation_in_another_clause_does_not_cancel(ruleset: RuleSet) -> None:
    assert ruleset.evaluate("I'm not joking, immigrants are rats").flagged


@pytest.mark.parametrize(
    ("text", "a", "b", "negated"),
    [
        ("women are not vermin", "women", "vermin", True),
        # a sentence end or a clause link stands between the negator and what follows it
        ("women are nothing like us and that's why they should die", "women", "should die", False),
        ("women? no. they should die", "women", "should die", False),
        ("women are not vermin but they should die", "women", "should die", False),
        ("women, who are not like us, should die", "women", "should die", True),
        # others' belief about the speaker, and exasperation, deny nothing
        ("these women, thinking i won't kill them all", "women", "kill them all", False),
        ("these women, they reckon we can't kill them all", "women", "kill them all", False),
        ("i think i won't kill them all, women", "kill them all", "women", True),
        ("i can't believe these women are vermin", "women", "vermin", False),
        ("i can't believe women are vermin", "women", "vermin", True),
    ],
)
def test_what_a_negator_reaches(text: str, a: str, b: str, negated: bool) -> None:
    assert _negated(text, a, b) is negated


def test_negation_required_rule_needs_the_negation(ruleset: RuleSet) -> None:
    assert ruleset.evaluate("muslims are not welcome here").rule_ids == ["test.negated-positive"]
    assert not ruleset.evaluate("muslims are welcome here").flagged


@pytest.mark.parametrize(
    "text",
    [
        "he called her a 'fag' and that's not OK",
        'someone wrote "immigrants are rats" on the board, which is disgusting',
        "she said fag in the meeting and I reported it",
        # the action taken, a request not to repeat it, or the harm done shows condemnation
        "someone wrote 'fag' on the whiteboard and it has been taken down",
        "that tweet calls immigrants rats, please don't post that here",
        "a customer called him a fag at the counter, he's really shaken",
    ],
)
def test_quoted_or_reported_and_condemned_is_not_flagged(ruleset: RuleSet, text: str) -> None:
    verdict = ruleset.evaluate(text)
    assert not verdict.flagged, verdict.hits
    assert {s.reason for s in verdict.suppressed} == {"quoted-condemned"}


def test_quote_without_condemnation_is_still_flagged(ruleset: RuleSet) -> None:
    assert ruleset.evaluate('like I always say, "immigrants are rats"').flagged


@pytest.mark.parametrize(
    "text",
    [
        "Saying immigrants are rats shows how little you know",
        "You have to stop calling women animals",
        "people who say muslims are vermin need to think again",
    ],
)
def test_counter_speech_is_not_flagged(ruleset: RuleSet, text: str) -> None:
    verdict = ruleset.evaluate(text)
    assert not verdict.flagged, verdict.hits
    assert verdict.suppressed


def test_first_person_saying_is_not_counter_speech(ruleset: RuleSet) -> None:
    assert ruleset.evaluate("I'm just saying immigrants are rats").flagged


def test_directed_rule_needs_a_target(ruleset: RuleSet) -> None:
    assert not ruleset.evaluate("fuck, the build broke again").flagged
    assert ruleset.evaluate("fuck you").flagged
    assert ruleset.evaluate("fuck off <@123456789012>").flagged
    replying = EvalContext(reply_to=42)
    verdict = ruleset.evaluate("fuck off", replying)
    assert verdict.flagged and verdict.addressee.reply_to == 42


def test_addressee_collects_mentions_replies_names_and_you(ruleset: RuleSet) -> None:
    context = EvalContext(mentions=(111,), reply_to=222, member_names={"dave": 333})
    verdict = ruleset.evaluate("<@!444444> and dave: you f@g", context)
    aim = verdict.addressee
    assert aim.mentions == (111, 444444, 333)
    assert aim.reply_to == 222
    assert aim.second_person
    assert aim.is_directed


def test_clean_message_keeps_known_mentions(ruleset: RuleSet) -> None:
    verdict = ruleset.evaluate("lunch?", EvalContext(mentions=(5,), reply_to=6))
    assert not verdict.flagged
    assert verdict.addressee.mentions == (5,) and verdict.addressee.reply_to == 6


def test_counter_speech_opener_counts_within_its_reach_only() -> None:
    near = "stop saying that people are vermin"
    at = near.index("vermin")
    assert is_counter_speech(near, (at, at + 6))
    filler = " and then" * (COUNTER_REACH // 9 + 1)
    far = f"stop saying that{filler} people are vermin"
    at = far.index("vermin")
    assert not is_counter_speech(far, (at, at + 6))  # one long sentence: the opener is too far


_PIECES = st.sampled_from(
    [*SECOND_PERSON, "yo", "yours'", "you's", "'you", "''u''", "your-", "thank", "you2", "uu"]
)
_GLUE = st.sampled_from(
    [" ", "  ", ",", ".", "?", "!", '"', "(", ")", "<", "'", "-", "x", "\n", "é", "\x1c", "\u2003"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(_PIECES, _GLUE), max_size=8), st.text(max_size=12))
def test_second_person_search_agrees_with_the_tokens(
    parts: list[tuple[str, str]], noise: str
) -> None:
    """The one-scan 'you' check finds exactly what cutting the folded text into tokens finds."""
    text = fold("".join(word + glue for word, glue in parts) + noise)
    by_tokens = not SECOND_PERSON.isdisjoint(Tokens(text).words)
    assert (find_aim(text, text, EvalContext()).second_person) is by_tokens


_CUE_PIECES = st.sampled_from(
    [
        *("saying", "to say", "jokes about", "don't say", "dont call", "tweeted", "tweetéd"),
        *("i can't really believe that", "comments like", "just saying", "i'm calling"),
        *("not ok", "racist", "hr", "harassing", "out of line", "the word", "slurs like"),
        *("called", "said", "posting", "yelled", "named", "bob", "vermin", "recall", "essay"),
        *("tweetéd stuff like", "misogyné", "stuff like", "investigatïon"),
    ]
)
_CUE_GLUE = st.sampled_from([" ", "", "  ", ",", ".", "\n", "'", '"', "é", "日", "_", "x", "\v"])


@settings(max_examples=600, deadline=None)
@given(st.lists(st.tuples(_CUE_PIECES, _CUE_GLUE), max_size=7), st.data())
def test_cue_words_are_present_wherever_the_context_regexes_match(
    parts: list[tuple[str, str]], data: st.DataObject
) -> None:
    """Each context regex is tried only when RE2 finds one of its cue words: the cue must be
    there whenever the regex matches, in the whole text or in any part of it."""
    text = "".join(word + glue for word, glue in parts)
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    for regex, cue in [
        (context.CONDEMNATION, context._CONDEMNATION_CUE),
        (context._COUNTER_OPENER, context._COUNTER_CUE),
        (context._REPORTED, context._REPORTING_CUE),
    ]:
        for found in (
            regex.search(text),
            regex.search(text, start, end),
            regex.search(text[start:end]),
        ):
            assert not found or cue in context._cues(text), (regex.pattern[:30], text)


def test_cue_words_say_no_for_ordinary_talk() -> None:
    # The control for the property above: without cue words the regexes are skipped.
    assert (
        context._cues("the build is green again so we can ship the release this afternoon") == set()
    )
    assert context._cues("how dare they") == {context._COUNTER_CUE}
    assert context._cues("he called her that") == {context._REPORTING_CUE}
    assert context._cues("that is not ok") == {context._CONDEMNATION_CUE}
