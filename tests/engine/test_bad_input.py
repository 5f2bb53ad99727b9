"""Hostile or odd messages always get a verdict, never an exception."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.engine import RuleSet
from bot.engine.matcher import MAX_SPANS_PER_ATOM

ODD_MESSAGES = [
    "",
    " ",
    "a" * 4000,
    "fag " * 1000,
    ("immigrants are rats " * 5000)[:100_000],
    "\u200b" * 10_000,
    "z" + "\u0301" * 5000,
    "\ud800 lone surrogate \udfff",
    "\x00\x01\x02 control \x1b[31m",
    "\u202eevil\u202c \u2067rtl\u2069",
    "😂" * 2000,
    "👨‍👩‍👧‍👦" * 300,
    "<@1> " * 500,
    "*" * 4000,
    "f" + "*" * 3999,
    "a a a a a a a a a a a a a a a a a a a a a a a a " * 100,
    "a.b.c.d.e.f.g.h " * 300,
]


@pytest.mark.parametrize("text", ODD_MESSAGES, ids=range(len(ODD_MESSAGES)))
def test_odd_message_gets_a_verdict(ruleset: RuleSet, text: str) -> None:
    verdict = ruleset.evaluate(text)
    for hit in verdict.hits:
        assert 0 <= hit.start <= hit.end <= len(text)


def test_repeated_term_is_capped_to_bound_the_work(ruleset: RuleSet) -> None:
    assert len(ruleset.evaluate("fag " * 300).hits) == 300
    assert len(ruleset.evaluate("fag " * 1000).hits) == MAX_SPANS_PER_ATOM


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gets_a_verdict_with_valid_spans(ruleset: RuleSet, text: str) -> None:
    verdict = ruleset.evaluate(text)
    for hit in verdict.hits:
        assert 0 <= hit.start < hit.end <= len(text)
        assert hit.text == text[hit.start : hit.end]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "fag",
                "f@g",
                " ",
                ".",
                "*",
                "a",
                "\u200b",
                "😂",
                "rats",
                "immigrants",
                "not",
                "'",
                '"',
                "you",
                "\u0301",
            ]
        ),
        max_size=40,
    )
)
def test_evasion_fragments_in_any_order_never_break_spans(
    ruleset: RuleSet, parts: list[str]
) -> None:
    text = "".join(parts)
    for hit in ruleset.evaluate(text).hits:
        assert hit.text == text[hit.start : hit.end]
        assert hit.text.strip() == hit.text or hit.text.strip()
