"""Which hit speaks for a verdict: severity, then a specific category over a generic insult."""

from __future__ import annotations

from bot.engine.verdict import Category, Hit, Severity, Verdict


def _hit(category: Category, severity: Severity, start: int) -> Hit:
    return Hit(f"r.{category}", category, "x", severity, start, start + 3, "abc", "nudge")


def test_more_severe_hit_wins_whatever_its_category() -> None:
    verdict = Verdict(
        (_hit("discrimination", Severity.MEDIUM, 0), _hit("harassment", Severity.HIGH, 9))
    )
    assert verdict.category == "harassment"


def test_on_equal_severity_a_specific_category_beats_a_generic_insult() -> None:
    insult_first = (_hit("harassment", Severity.HIGH, 0), _hit("discrimination", Severity.HIGH, 9))
    assert Verdict(insult_first).category == "discrimination"
    assert Verdict(insult_first[::-1]).category == "discrimination"


def test_on_a_full_tie_the_first_hit_wins() -> None:
    hits = (_hit("violence", Severity.HIGH, 4), _hit("discrimination", Severity.HIGH, 1))
    assert Verdict(hits).top == hits[1]
