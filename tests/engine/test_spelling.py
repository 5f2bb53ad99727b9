"""Spelling evasions that need a vocabulary (bot/engine/spelling.py): words run together and
one-letter misspellings of slurs and key words, with the look-alikes that must stay clean."""

from __future__ import annotations

import pytest

from bot.engine import RuleSet, spelling


def test_a_run_of_words_is_split_and_a_real_word_is_not() -> None:
    assert spelling.split_glued("killallgays") == ("kill", "all", "gays")
    assert spelling.split_glued("manymongs") == ("many", "mongs")  # a lone "s" stays on
    assert spelling.split_glued("raccoons") == ()  # a word
    assert spelling.split_glued("scunthorpe") == ()
    assert spelling.split_glued("gaysx") == ()  # too short to hold two words


def test_misspellings_that_are_real_words_are_left_out() -> None:
    variants = spelling.edit_variants("nigger", insertions=True)
    assert "nigegr" in variants and "niggre" in variants
    assert "niger" not in variants  # the river and the country
    assert "digger" not in variants  # the first letter never changes
    assert "beast" not in spelling.edit_variants("beasts")
    assert "best" not in spelling.edit_variants("beast")
    assert spelling.edit_variants("coon") == []  # too short to alter


RUN_TOGETHER = [
    "womenaredisgusting",
    "ihatemuslims honestly",
    "killallgays",
    "too manyfaggots in this office",
    "jewsarerats",
    "lol deport them, muslimsarevermin",
]


@pytest.mark.parametrize("text", RUN_TOGETHER)
def test_words_run_together_are_flagged(rules: RuleSet, text: str) -> None:
    assert rules.evaluate(text).flagged


RUN_TOGETHER_LOOK_ALIKES = [
    "raccoons got into the bins again",
    "there's opensnitch for that, still alpha though",
    "jimcooncat: the packets are dropped at the switch",
    "installed mongdob on the test box by mistake",
    "bitchhhhhhxdddddd",
    "the analtherapist joke in the pantomime was awful",
    "check expertsexchange for the answer",
    "stop bitchin about the rota and swap with me",
]


@pytest.mark.parametrize("text", RUN_TOGETHER_LOOK_ALIKES)
def test_look_alikes_of_run_together_words_pass(rules: RuleSet, text: str) -> None:
    verdict = rules.evaluate(text)
    assert not verdict.flagged, verdict.rule_ids


def test_a_run_together_span_covers_the_original_letters(rules: RuleSet) -> None:
    text = "lol Ｗomenaredisgusting tbh"  # a fullwidth first letter: offsets must still map
    verdict = rules.evaluate(text)
    assert verdict.flagged
    start, end = verdict.spans[0]
    assert text[start:end] == "Ｗomenaredisgusting"


MISSPELT = [
    "shut up you nigegr",
    "what a retadred idea, who wrote this",
    "ur such a faggott",
    "dumb retardd",
    "the spastc in marketing",
]


@pytest.mark.parametrize("text", MISSPELT)
def test_a_slur_with_one_letter_changed_is_flagged(rules: RuleSet, text: str) -> None:
    assert "disc.slur" in rules.evaluate(text).rule_ids


MISSPELT_LOOK_ALIKES = [
    "the niger delta survey is due",
    "we hired a digger for the car park",
    "put the cones out on the car park",
    "the nvidia f***g site is down again",
    "DarkE: let me try the fstab line",
]


@pytest.mark.parametrize("text", MISSPELT_LOOK_ALIKES)
def test_real_words_near_a_slur_pass(rules: RuleSet, text: str) -> None:
    verdict = rules.evaluate(text)
    assert not verdict.flagged, verdict.rule_ids


def test_a_message_of_unknown_runs_splits_only_a_few(
    rules: RuleSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = spelling.split_glued

    def counted(token: str) -> tuple[str, ...]:
        calls.append(token)
        return real(token)

    monkeypatch.setattr(spelling, "split_glued", counted)
    runs = " ".join(f"qzx{'abcdefghij'[i % 10] * 2}vlk{i:c}nigger" for i in range(97, 117))
    rules.evaluate("you nigger " + runs)
    assert 0 < len(calls) <= 8
