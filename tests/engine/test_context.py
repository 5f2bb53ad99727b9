"""Context checks: negation, quotes that condemn, counter-speech, and who is addressed."""

from __future__ import annotations

import pytest

from bot.engine import EvalContext, RuleSet


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


def test_negation_required_rule_needs_the_negation(ruleset: RuleSet) -> None:
    assert ruleset.evaluate("muslims are not welcome here").rule_ids == ["test.negated-positive"]
    assert not ruleset.evaluate("muslims are welcome here").flagged


@pytest.mark.parametrize(
    "text",
    [
        "he called her a 'fag' and that's not OK",
        'someone wrote "immigrants are rats" on the board, which is disgusting',
        "she said fag in the meeting and I reported it",
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
