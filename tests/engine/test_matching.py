"""Matching sees through evasions, spares ordinary words, and quotes exactly what was written."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.engine import RuleSet, compile_files
from bot.engine.matcher import _RUN_RE, _collect, _collect_id, _spaced_out
from bot.engine.patterns import SKELETON_TABLE


@pytest.mark.parametrize(
    "text",
    [
        "what a fag",
        "what a FAG",
        "what a f4g",  # leetspeak digit
        "what a f@g!",  # leetspeak symbol, then punctuation
        "what a ｆａｇ",  # fullwidth
        "what a fаg",  # Cyrillic а
        "what a f\u200ba\u200dg",  # zero-width characters inside the word
        "what a f̸̢a̵g̷",  # combining marks
        "what a faaaag",  # repeated letters
        "what a ffffaaaagggg",
        "what a f a g",  # spaced out
        "what a f.a.g",
        "what a f-a-g",
        "what a f*g",  # masked letter
        "what a f*gg*t",
        "what a 𝐟𝐚𝐠",  # mathematical bold
        "what a fags",  # inflection from braces
    ],
)
def test_evasion_of_a_slur_is_flagged(ruleset: RuleSet, text: str) -> None:
    verdict = ruleset.evaluate(text)
    assert verdict.rule_ids == ["test.slur"], text


@pytest.mark.parametrize(
    "text",
    [
        "the fagus tree",  # a longer word containing the term
        "fagin is a character",
        "f***",  # too masked to pin on a term
        "going for a fag break",  # exception overlapping the match
    ],
)
def test_longer_words_and_exceptions_are_not_flagged(ruleset: RuleSet, text: str) -> None:
    assert "test.slur" not in ruleset.evaluate(text).rule_ids


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("what a f\u200ba\u200dg", "f\u200ba\u200dg"),
        ("ｗｈａｔ a ｆａｇ ok", "ｆａｇ"),
        ("so... f a g lol", "f a g"),
        ("what a faaaag", "faaaag"),
        ("😂😂 f@g 😂", "f@g"),
        ("a f̸̢a̵g̷ here", "f̸̢a̵g̷"),
    ],
)
def test_span_quotes_exactly_what_was_written(ruleset: RuleSet, text: str, quoted: str) -> None:
    hit = ruleset.evaluate(text).hits[0]
    assert text[hit.start : hit.end] == quoted
    assert hit.text == quoted


def test_wildcard_term_takes_in_the_whole_word(ruleset: RuleSet) -> None:
    verdict = ruleset.evaluate("snitches get stitches")
    assert [h.text for h in verdict.hits] == ["snitches"]


def test_exception_cancels_only_the_match_it_overlaps(ruleset: RuleSet) -> None:
    # python-discord/bot#322: an allow-listed phrase once hid real slurs elsewhere in a message.
    verdict = ruleset.evaluate("going for a fag break with the fags")
    assert [h.text for h in verdict.hits] == ["fags"]
    assert [s.reason for s in verdict.suppressed] == ["exception (fag break)"]


def test_regex_rule_matches_with_re2(ruleset: RuleSet) -> None:
    verdict = ruleset.evaluate("Honestly I'll KILL you tomorrow")
    assert verdict.rule_ids == ["test.regex-threat"]
    assert verdict.hits[0].text == "I'll KILL you"
    assert verdict.severity is not None and verdict.severity.label == "critical"


def test_near_combination_flags_slur_free_hate(ruleset: RuleSet) -> None:
    verdict = ruleset.evaluate("honestly immigrants are basically rats")
    assert verdict.rule_ids == ["test.dehumanising"]
    assert verdict.subcategory == "racism"  # 'auto' takes the tag of the group term
    assert verdict.hits[0].text == "immigrants are basically rats"


def test_near_combination_respects_the_word_window(ruleset: RuleSet) -> None:
    text = "immigrants came to the office party and then we talked about rats"
    assert not ruleset.evaluate(text).flagged


def test_ordered_near_needs_a_before_b(ruleset: RuleSet) -> None:
    assert ruleset.evaluate("muslims are not welcome").flagged
    assert not ruleset.evaluate("not welcome: muslims").flagged


def test_the_verdict_reports_the_most_serious_hit(ruleset: RuleSet) -> None:
    verdict = ruleset.evaluate("you fag, I'll kill you")
    assert verdict.category == "violence"
    assert set(verdict.rule_ids) == {"test.slur", "test.regex-threat"}
    assert verdict.explanation == "This reads as a threat of violence."
    assert verdict.spans == [[4, 7], [9, 22]]


def test_classify_record_has_the_contract_keys(ruleset: RuleSet) -> None:
    record = ruleset.evaluate("what a fag").classify_record("m1")
    assert record == {
        "id": "m1",
        "flagged": True,
        "category": "discrimination",
        "subcategory": "homophobia",
        "severity": "high",
        "rules": ["test.slur"],
        "spans": [[7, 10]],
    }
    clean = ruleset.evaluate("lunch?").classify_record(2)
    assert clean == {
        "id": 2,
        "flagged": False,
        "category": None,
        "subcategory": None,
        "severity": None,
        "rules": [],
        "spans": [],
    }


EVASION_RULES = """
rules:
  - id: gap.slur
    category: discrimination
    subcategory: racism
    severity: high
    match:
      terms: ["{nigger,niggers}~", "{faggot,faggots}", cunt, ass]
    nudge: "This is a slur."
  - id: gap.rape
    category: violence
    subcategory: sexual_violence
    severity: high
    match:
      terms: [raped]
    nudge: "This is about rape."
"""


@pytest.fixture(scope="module")
def gaps() -> RuleSet:
    """A rule set for evasions beyond the feature set: runs, separators, letter swaps."""
    result = compile_files({"rules/gaps.yaml": EVASION_RULES})
    assert result.errors == ()
    assert result.ruleset is not None
    return result.ruleset


@pytest.mark.parametrize(
    "text",
    [
        "niggggerrrr",  # two runs: one must become two letters, the other one
        "faaaggggot",
        "what a fffaaaggggotttt",
        "n1ggggerrr",  # runs and leetspeak together
        "faaaggggots everywhere",
        "niggggerrrr " * 5,  # ten runs: each word's runs choose by their place in the word
        "you faaaggggot and niggggerrrr lol",
    ],
)
def test_every_run_of_a_repeated_letter_collapses_on_its_own(gaps: RuleSet, text: str) -> None:
    assert gaps.evaluate(text).rule_ids == ["gap.slur"], text


@pytest.mark.parametrize(
    "text",
    ["f_a_g_g_o_t", "n|i|g|g|e|r", "n+i+g+g+e+r", "you f|a|g|g|o|t", "n_i_g_g_e_r_s out"],
)
def test_underscores_bars_and_pluses_separate_letters(gaps: RuleSet, text: str) -> None:
    assert gaps.evaluate(text).rule_ids == ["gap.slur"], text


@pytest.mark.parametrize("text", ["f_a_g", "f|a|g", "so, f+a+g"])
def test_separated_letters_of_a_short_slur(ruleset: RuleSet, text: str) -> None:
    assert ruleset.evaluate(text).rule_ids == ["test.slur"], text


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("I a m a f a g g o t", "gap.slur"),
        ("u r a f a g g o t", "gap.slur"),
        ("y o u r a c u n t", "gap.slur"),
        ("you r a p e d her", "gap.rape"),
        ("i think u r a p e d her", "gap.rape"),
    ],
)
def test_spaced_term_after_one_letter_words(gaps: RuleSet, text: str, rule: str) -> None:
    assert gaps.evaluate(text).rule_ids == [rule], text


@pytest.mark.parametrize(
    "text",
    [
        "s c u n t h o r p e",  # a term inside a longer spelled-out word
        "c l a s s",
        "g r a s s h o p p e r",
        "a s s u m e nothing",
        "I a m a f a n",
        "is it a b c or a d",
        "I a m here",
        "pick a|b|c",
        "1+2+3",
        "rate_a_b_c",
        "Niger and Nigeria",  # a dropped double letter is not a typo variant
        "class, assist, passes",
    ],
)
def test_spaced_and_separated_letters_do_not_make_false_hits(gaps: RuleSet, text: str) -> None:
    assert not gaps.evaluate(text).flagged, text


@pytest.mark.parametrize("text", ["ngiger", "nigegr", "ngigers"])
def test_typo_variants_catch_swapped_letters(gaps: RuleSet, text: str) -> None:
    # `~` on a term adds two-letter swaps (never the first letter), so rules catch these.
    assert gaps.evaluate(text).rule_ids == ["gap.slur"], text


PHRASAL_PAIR = """
rules:
  - id: gap.incitement
    category: violence
    subcategory: threat
    severity: high
    match:
      near:
        - {a: ["{someone,we,anyone}"], b: ["{teach him a lesson,teach her a lesson}"], within: 3}
    nudge: "This calls on others to hurt someone."
"""


def test_pair_with_a_phrase_side_needs_both_sides() -> None:
    # The first pass looks only for the phrase side of this pair; the exact pass still
    # requires both sides within the window.
    result = compile_files({"rules/pair.yaml": PHRASAL_PAIR})
    assert result.ruleset is not None
    ruleset = result.ruleset
    assert ruleset.evaluate("someone should teach him a lesson").rule_ids == ["gap.incitement"]
    assert not ruleset.evaluate("my dad used to teach him a lesson in chess").flagged
    assert not ruleset.evaluate("anyone free on friday? we could go").flagged


WORD_PAIR = """
rules:
  - id: gap.threat
    category: violence
    subcategory: threat
    severity: high
    match:
      near:
        - {a: ["{i'll,ill,id,i will}"], b: ["{kill you,hurt you}"], within: 2}
    nudge: "This reads as a threat."
"""


def _count_exact_passes(ruleset: RuleSet, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    exact = ruleset.matcher._exact

    def counting(folded: str, *args: Any) -> Any:
        calls.append(folded)
        return exact(folded, *args)

    monkeypatch.setattr(ruleset.matcher, "_exact", counting)
    return calls


def test_pair_with_a_two_word_phrase_side_looks_only_for_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Everyday words ("ill", "id") on the other side cost neither a callback nor an exact pass.
    result = compile_files({"rules/pair.yaml": WORD_PAIR})
    assert result.ruleset is not None
    ruleset = result.ruleset
    assert ruleset.matcher.raw_scan(b"id say ill be late, i will call") == 0
    calls = _count_exact_passes(ruleset, monkeypatch)
    assert not ruleset.evaluate("id say ill be late, i will call").flagged
    assert calls == []
    assert ruleset.evaluate("i'll kill you").rule_ids == ["gap.threat"]
    assert len(calls) == 1
    assert not ruleset.evaluate("the boss will kill you for that lol").flagged


def test_repeated_letters_alone_do_not_cost_the_rewrites(
    gaps: RuleSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "sooo" trips the repeated-letter detector; the collapsed text holds no term, so the
    # exact pass stops before rewriting the runs.
    resolved: list[bytes] = []
    resolve = gaps.matcher._resolve

    def counting(data: bytes, *args: Any) -> Any:
        resolved.append(data)
        return resolve(data, *args)

    monkeypatch.setattr(gaps.matcher, "_resolve", counting)
    assert gaps.matcher.find("sooo cooool, see you tomorrowwww") == {}
    assert resolved == []
    assert gaps.evaluate("a niggggerrrr, sooo rude").rule_ids == ["gap.slur"]
    assert len(resolved) == 1


def test_stretched_sides_of_a_pair_still_complete_it() -> None:
    result = compile_files({"rules/pair.yaml": PHRASAL_PAIR})
    assert result.ruleset is not None
    ruleset = result.ruleset
    assert ruleset.evaluate("someoneee should teeeach himmm a lesson").rule_ids == [
        "gap.incitement"
    ]
    assert not ruleset.evaluate("sooo who wants to teeeach him a lesson").flagged


_EVASION_PIECES = st.sampled_from(["a", "b", "f", "g", "fa", "aaa", "ooo", "zzzz", "xy", "u"])
_EVASION_GLUE = st.sampled_from(
    ["", " ", "  ", ".", "-", ". ", "_", "|", "+", "*", "1", "@", "!", ",", "é", "\n"]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(_EVASION_PIECES, _EVASION_GLUE), max_size=9))
def test_detectors_fire_wherever_the_slow_checks_would_find_an_evasion(
    gaps: RuleSet, parts: list[tuple[str, str]]
) -> None:
    """The exact pass skips its Python checks for spaced letters and repeated letters when no
    Hyperscan detector fired: each detector must fire whenever the check it stands for would
    find something."""
    matcher = gaps.matcher
    data = "".join(piece + glue for piece, glue in parts).encode()
    seen: set[int] = set()
    matcher._first.scan(data, _collect_id, 0, seen)  # the first pass, over the folded text
    skeleton = data.translate(SKELETON_TABLE)
    events: list[tuple[int, int]] = []
    matcher._skeleton_db.scan(skeleton, _collect, 0, events)  # the exact pass's scan
    detected = {atom for atom, _ in events}
    runs = any(atom in matcher._run_ids for atom in detected)
    assert runs is (_RUN_RE.search(skeleton) is not None)
    if _spaced_out(data):
        assert matcher._spaced_id in detected or b"|" in data or b"+" in data
        assert matcher._spaced_id in seen or skeleton != data


EXCEPTION_REGEXES = """
rules:
  - id: gap.slur
    category: discrimination
    subcategory: homophobia
    severity: high
    match:
      terms: ["fag{,s}"]
    unless:
      regex: [{regexes}]
    nudge: "This word is a slur against gay people."
"""


@pytest.mark.parametrize(
    "regexes",
    [
        r'"fag break", "(?:smoko)?"',  # one Hyperscan compiles, one it refuses (empty match)
        r'"(?:fag break)?"',  # Hyperscan compiles none of them: RE2 runs them
        r'"fag\\s+break"',
    ],
)
def test_exception_regexes_work_whether_or_not_hyperscan_compiles_them(regexes: str) -> None:
    result = compile_files({"rules/x.yaml": EXCEPTION_REGEXES.replace("{regexes}", regexes)})
    assert result.ruleset is not None, result.errors
    ruleset = result.ruleset
    assert not ruleset.evaluate("off for a fag break").flagged
    assert ruleset.evaluate("what a fag, off for a fag break").rule_ids == ["gap.slur"]
    assert ruleset.evaluate("what a fag").rule_ids == ["gap.slur"]
