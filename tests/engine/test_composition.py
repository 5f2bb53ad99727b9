"""Composed terms and pairs: term sets named inside a term, and `a_then` on a `near` side."""

from __future__ import annotations

import pytest

from bot.engine import RuleSet, compile_files
from bot.engine.context import Tokens
from bot.engine.near_then import joined
from bot.engine.patterns import TermError
from bot.engine.setproduct import MAX_VARIANTS, expand, names_sets

SETS = {
    "bosses": [("{the boss,hr}", None), ("the union", None)],
    "verbs": [("told", None), ("went to", None)],
    "acts": [("@verbs @bosses", None), ("grassed", None)],
}


def test_a_term_naming_sets_stands_for_every_combination() -> None:
    assert sorted(expand("{whoever,someone} @verbs @bosses", SETS)) == sorted(
        f"{who} {verb} {boss}"
        for who in ("whoever", "someone")
        for verb in ("told", "went to")
        for boss in ("the boss", "hr", "the union")
    )


def test_a_named_set_may_itself_name_sets() -> None:
    assert "whoever went to the union" in expand("whoever @acts", SETS)
    assert "whoever grassed" in expand("whoever @acts", SETS)


@pytest.mark.parametrize(
    ("term", "expected"),
    [("@verbs", True), ("told @bosses", True), ("e@verbs", False), ("no sets here", False)],
)
def test_a_set_name_not_glued_to_a_word_is_a_reference(term: str, expected: bool) -> None:
    assert names_sets(term) is expected


def test_a_set_may_include_another_set_whole() -> None:
    assert sorted(expand("@acts", SETS)) == sorted(
        [f"{v} {b}" for v in ("told", "went to") for b in ("the boss", "hr", "the union")]
        + ["grassed"]
    )


def test_unknown_set_inside_a_term_is_an_error() -> None:
    with pytest.raises(TermError, match="unknown term set '@nope'"):
        expand("told @nope", SETS)


def test_a_set_named_inside_braces_is_an_error_not_a_literal() -> None:
    assert names_sets("{@verbs,asked} hr")
    with pytest.raises(TermError, match="outside braces"):
        expand("{@verbs,asked} hr", SETS)


def test_a_product_too_large_is_refused() -> None:
    big = {"many": [(f"w{i}", None) for i in range(MAX_VARIANTS // 10 + 1)]}
    with pytest.raises(TermError, match="more than"):
        expand("{a,b,c,d,e,f,g,h,i,j} @many", big)


RULES = """
termsets:
  who: ["{whoever,if i find out who}"]
  verbs: ["{told,went to,complained to}"]
  bosses: ["{hr,the boss}"]
  acts: ["@verbs @bosses", "reported"]
  harm: ["{get hurt,pay for it,regret it}"]
rules:
  - id: t.reporter_threat
    category: retaliation
    subcategory: threat
    severity: critical
    match:
      near:
        - a: ["@who"]
          a_then: {terms: ["@acts"], within: 2}
          b: ["@harm"]
          within: 8
    nudge: "This threatens whoever reported."
"""


@pytest.fixture(scope="module")
def composed() -> RuleSet:
    result = compile_files({"rules/t.yaml": RULES})
    assert result.ruleset is not None, result.errors
    return result.ruleset


@pytest.mark.parametrize(
    "text",
    [
        "whoever told HR is going to get hurt",
        "whoever just went to the boss will pay for it",  # one word between who and act
        "they will regret it, whoever complained to HR",  # harm first
        "if I find out who reported me. they will regret it",  # across two sentences
    ],
)
def test_who_then_act_near_harm_is_one_hit_over_the_whole_phrase(
    composed: RuleSet, text: str
) -> None:
    verdict = composed.evaluate(text)
    assert verdict.rule_ids == ["t.reporter_threat"], text
    hit = verdict.hits[0]
    assert ("whoever" in hit.text.lower() or "who" in hit.text.lower()) and any(
        harm in hit.text for harm in ("get hurt", "pay for it", "regret it")
    )


@pytest.mark.parametrize(
    "text",
    [
        "whoever is going to get hurt by the new rota, sorry",  # who and harm, no act
        "I told HR and I regret it now",  # act and harm, no who
        "whoever wants the last slice of cake: I told HR about the party, you'll regret it",
        "reported whoever it was; we will pay for it",  # the act comes before the who
        "whoever is free this afternoon could go to the kitchen and then go to HR to get hurt",
    ],
)
def test_each_part_alone_or_too_far_apart_is_no_hit(composed: RuleSet, text: str) -> None:
    assert not composed.evaluate(text).flagged, text


def test_a_then_is_checked_by_the_schema() -> None:
    bad = RULES.replace("within: 2}", "within: 2, extra: 1}")
    result = compile_files({"rules/t.yaml": bad})
    assert result.ruleset is None
    assert any("extra" in str(e) for e in result.errors)


WORD_SIDES = """
rules:
  - id: t.rat_after_report
    category: retaliation
    subcategory: labelling
    severity: high
    match:
      near:
        - a: ["{you,u,whoever}"]
          a_then: {terms: ["{told hr,went to hr}"], within: 2}
          b: ["{rat,snake}"]
          within: 5
    nudge: "This calls someone who reported a rat."
"""


def test_the_first_pass_looks_for_a_then_not_for_everyday_a_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result = compile_files({"rules/t.yaml": WORD_SIDES})
    assert result.ruleset is not None, result.errors
    ruleset = result.ruleset
    exact = ruleset.matcher._exact
    calls: list[str] = []

    def counting(folded: str, *args: object) -> object:
        calls.append(folded)
        return exact(folded, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(ruleset.matcher, "_exact", counting)
    # "you" and "rat" alone: the act is missing, so the message is not looked at closer.
    assert not ruleset.evaluate("you saw a rat in the car park?").flagged
    assert calls == []
    assert ruleset.evaluate("you went to HR. rat").rule_ids == ["t.rat_after_report"]
    assert len(calls) == 1


def test_a_then_joins_the_nearest_a_before_it_and_the_longest_there() -> None:
    text = "whoever asked, if i find out who told hr"
    tokens = Tokens(text)

    def span(words: str) -> tuple[int, int]:
        start = text.rindex(words)
        return (start, start + len(words))

    a_spans = [(span("whoever"), None), (span("if i find out who"), None), (span("who"), None)]
    then = [(span("told hr"), "act")]
    assert joined(a_spans, then, tokens, 3) == [((span("if i find out who")[0], len(text)), "act")]
    # Too far from the nearest: nothing, even if an earlier one were in reach of a wider window.
    assert joined([(span("whoever"), None)], then, tokens, 3) == []


def test_a_quoted_threat_that_is_condemned_is_not_a_hit_by_a_word_outside_the_quote() -> None:
    result = compile_files({"rules/t.yaml": RULES.replace('"{whoever,', '"{someone,whoever,')})
    assert result.ruleset is not None, result.errors
    text = 'someone posted "whoever told HR will get hurt" and it is unacceptable, reported it'
    verdict = result.ruleset.evaluate(text)
    assert not verdict.flagged
    assert {s.reason for s in verdict.suppressed} == {"quoted-condemned"}


def test_an_unknown_set_in_a_then_is_reported_at_its_line() -> None:
    bad = RULES.replace(
        'a_then: {terms: ["@acts"], within: 2}',
        'a_then:\n            terms: ["@nope"]\n            within: 2',
    )
    line = next(n for n, text in enumerate(bad.splitlines(), 1) if "@nope" in text)
    result = compile_files({"rules/t.yaml": bad})
    assert [str(e) for e in result.errors] == [f"rules/t.yaml:{line}: unknown term set '@nope'"]
