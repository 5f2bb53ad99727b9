"""Use versus mention with the shipped rules: a slur in quotation marks, named as a word, after
a nick-like colon or after "proud" counts unless the message really mentions, reports,
condemns or reclaims it; and negators that deny nothing ("can't help being").

Each `*_IS_FLAGGED` list holds the bugs of issue #14 (all passed unflagged before the fix) and
look-alikes written for this file; each `*_PASSES` list holds what the old exceptions were
there to protect.
"""

from __future__ import annotations

import pytest

from bot.engine import EvalContext, RuleSet

QUOTED_SLUR_IS_FLAGGED = [
    'you are a "faggot"',
    'shut up "faggot"',
    "sit down 'retard', nobody asked",
    'the "tranny" from sales is in again',
    'she asked who did it and I said "the spaz in accounts"',  # the speaker's own words
    '"who are you looking at, faggot? say that again"',  # a quote closed after the span
]
QUOTED_SLUR_PASSES = [
    'someone wrote "faggot" on her locker, facilities are removing it',
    "he called her a 'paki' and that's not OK",
    'a customer shouted "nigger" at our driver',
    'is "spaz" a slur in the UK? asking for the style guide',
]


@pytest.mark.parametrize("text", QUOTED_SLUR_IS_FLAGGED)
def test_a_slur_in_quotation_marks_that_is_used_is_flagged(rules: RuleSet, text: str) -> None:
    assert "disc.slur" in rules.evaluate(text).rule_ids


@pytest.mark.parametrize("text", QUOTED_SLUR_PASSES)
def test_a_quoted_slur_that_is_reported_or_condemned_passes(rules: RuleSet, text: str) -> None:
    assert not rules.evaluate(text).flagged


NAMED_AS_A_WORD_IS_FLAGGED = [
    "the word nigger is what he is",
    "a slur fag",
    "that word retard describes you perfectly",
]
NAMED_AS_A_WORD_PASSES = [
    "the word faggot originally meant a bundle of sticks",
    "the term spaz is offensive, please don't use it in standups",
    "the word tranny is a slur, we took it out of the glossary",
]


@pytest.mark.parametrize("text", NAMED_AS_A_WORD_IS_FLAGGED)
def test_a_slur_named_as_a_word_but_used_is_flagged(rules: RuleSet, text: str) -> None:
    assert "disc.slur" in rules.evaluate(text).rule_ids


@pytest.mark.parametrize("text", NAMED_AS_A_WORD_PASSES)
def test_a_word_discussed_as_a_word_passes(rules: RuleSet, text: str) -> None:
    assert not rules.evaluate(text).flagged


def test_a_slur_before_a_colon_at_the_start_of_a_line_is_not_a_nick(rules: RuleSet) -> None:
    assert "disc.slur" in rules.evaluate("faggot: shut up").rule_ids
    assert "disc.slur" in rules.evaluate("ok\nretard: read the docs").rule_ids


@pytest.mark.parametrize(
    "text", ["spaz_dev: the release notes are up", "tard2: did the build pass?", "Spaz|away, ok"]
)
def test_a_nick_that_looks_like_a_nick_still_passes(rules: RuleSet, text: str) -> None:
    assert not rules.evaluate(text).flagged


def test_a_members_name_before_a_colon_is_a_nick(rules: RuleSet) -> None:
    context = EvalContext(member_names={"spaz": 42})
    assert not rules.evaluate("spaz: the release notes are up", context).flagged


RECLAIMED_AIMED_IS_FLAGGED = [
    "proud faggot lol @Sam",
    "being a faggot is a sin",
    "faggots like you should die",
    "we hate faggots",
    "proud faggot lol <@123456789012345678>",
    "look at you, proud dyke",
]
RECLAIMED_PASSES = [
    "I'm a proud dyke and I'll wear what I like",
    "proud dyke here, see you all at pride",
    "we call ourselves fags all the time, it's our word",
    "as a proud faggot I approve this playlist <@123456789012345678>",
    "me and my fellow dykes are marching on saturday",
    "faggots like me are done hiding",
    "i'm proud to be a faggot",
    "i love being a bad bitch",
    "we bad bitches stick together",
]


@pytest.mark.parametrize("text", RECLAIMED_AIMED_IS_FLAGGED)
def test_a_slur_not_said_of_oneself_is_flagged(rules: RuleSet, text: str) -> None:
    assert "disc.slur" in rules.evaluate(text).rule_ids


@pytest.mark.parametrize("text", RECLAIMED_PASSES)
def test_reclaimed_self_description_passes(rules: RuleSet, text: str) -> None:
    assert not rules.evaluate(text).flagged


CANNOT_HELP_IS_FLAGGED = [
    "women can't help being stupid",
    "immigrants cannot help being thieves",
    "muslims just can't help being violent",
]


@pytest.mark.parametrize("text", CANNOT_HELP_IS_FLAGGED)
def test_cannot_help_being_is_not_a_negation(rules: RuleSet, text: str) -> None:
    assert rules.evaluate(text).flagged


@pytest.mark.parametrize(
    "text", ["women can't be stupid enough to believe that", "immigrants are not thieves"]
)
def test_a_real_negation_still_cancels(rules: RuleSet, text: str) -> None:
    assert not rules.evaluate(text).flagged


REPORTING_OTHERS_PASSES = [
    "my manager just said women are useless at maths, should i report him?",
    "she was told 'go back to your country' on the bus",
    "the guy in the video shouts that muslims are vermin, it's horrible",
    "if someone tells you immigrants are parasites, call it out",
    "he tweeted that trans people should die and got suspended",
    "my neighbour calls us pakis every day",
    "someone keyed 'dyke' into my car",
    "as a disabled person i can call myself a cripple",
]


@pytest.mark.parametrize("text", REPORTING_OTHERS_PASSES)
def test_reporting_someone_elses_words_passes(rules: RuleSet, text: str) -> None:
    verdict = rules.evaluate(text)
    assert not verdict.flagged, verdict.rule_ids


@pytest.mark.parametrize(
    "text",
    [
        "i called him a paki lol",
        "you're what my dad calls a paki",
        "tell that paki he's fired",
        "he's a cripple lol",
    ],
)
def test_the_speakers_own_use_is_still_flagged(rules: RuleSet, text: str) -> None:
    assert "disc.slur" in rules.evaluate(text).rule_ids


@pytest.mark.parametrize(
    "text",
    [
        "anyone who thinks women are inferior needs to grow up",
        "imagine thinking gay people are disgusting in 2026",
        "when someone says immigrants are parasites, i remind them my mum was one",
        "'women are too emotional to lead' - yeah right, tell that to our CEO",
    ],
)
def test_hate_quoted_inside_counter_speech_passes(rules: RuleSet, text: str) -> None:
    verdict = rules.evaluate(text)
    assert not verdict.flagged, verdict.rule_ids


@pytest.mark.parametrize(
    "text",
    [
        "when people ask, i say immigrants are parasites",
        "women are inferior, anyone who says no is lying",
    ],
)
def test_the_claim_made_by_the_speaker_is_still_flagged(rules: RuleSet, text: str) -> None:
    assert rules.evaluate(text).flagged
