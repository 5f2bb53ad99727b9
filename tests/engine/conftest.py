"""Rule sets for the engine tests: a small one that exercises every engine feature, independent
of the shipped rules, and the shipped rules themselves."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine import RuleSet, compile_files, load_rules

SHIPPED_RULES = Path(__file__).resolve().parents[2] / "rules"

FEATURE_RULES = """
termsets:
  groups:
    racism: [black people, immigrants]
    sexism: [women]
    religious_hate: ["muslim{,s}"]
  vermin: [rats, vermin, animals, "cockroach{,es}", "parasite{,s}"]
  positive: [welcome, human, equal]
rules:
  - id: test.slur
    category: discrimination
    subcategory: homophobia
    severity: high
    match:
      terms: ["fag{,s,got,gots}"]
    unless:
      terms: [fag break]
    nudge: "This word is a slur against gay people."
    examples:
      flag: ["what a f@g"]
      pass: ["going for a fag break"]
  - id: test.dehumanising
    category: discrimination
    subcategory: auto
    severity: high
    match:
      near:
        - {a: ["@groups"], b: ["@vermin"], within: 3}
    nudge: "This compares a group of people to vermin."
  - id: test.negated-positive
    category: discrimination
    subcategory: auto
    severity: medium
    match:
      near:
        - {a: ["@groups"], b: ["@positive"], within: 3, order: a_first}
    context:
      negation: require
    nudge: "This says a group of people are not welcome or equal."
  - id: test.profanity-at-you
    category: harassment
    subcategory: insult
    severity: low
    match:
      terms: [fuck, "fuck*"]
    context:
      require_target: true
    nudge: "This reads as swearing at someone."
  - id: test.regex-threat
    category: violence
    subcategory: threat
    severity: critical
    match:
      regex: ['\\bi(?:''ll| will) (?:kill|stab) (?:you|him|her)\\b']
    nudge: "This reads as a threat of violence."
  - id: test.prefix
    category: retaliation
    subcategory: intimidation
    severity: high
    match:
      terms: ["snitch*"]
    nudge: "Calling a colleague a snitch discourages reporting."
"""


@pytest.fixture(scope="session")
def ruleset() -> RuleSet:
    """The feature rule set, compiled once for the session."""
    result = compile_files({"rules/test.yaml": FEATURE_RULES})
    assert result.errors == ()
    assert result.ruleset is not None
    return result.ruleset


@pytest.fixture(scope="session")
def rules() -> RuleSet:
    """The shipped rules in rules/, compiled once for the session (a compile takes seconds)."""
    result = load_rules(SHIPPED_RULES)
    assert result.ok, [str(e) for e in result.errors]
    assert result.ruleset is not None
    return result.ruleset
