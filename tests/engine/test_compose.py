"""The compositional layer: who a sentence is about x what it says of them (rules/compose.yaml).

Sentences here were written for these tests: each row is one phenomenon in a wording that no
phrase rule lists, or its look-alike that must pass.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from bot.engine import RuleSet, compile_files
from bot.engine.lexicons import Lexicons
from bot.engine.phrases import Words, inflections, phrase_of

ROOT = Path(__file__).resolve().parents[2]


def _composed(ruleset: RuleSet, text: str) -> list[str]:
    return [h.rule_id for h in ruleset.evaluate(text).hits if ".compose." in h.rule_id]


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        # a plain negative word (vader / Empath) about a group
        ("the hindu lads in logistics are so obnoxious", "disc.compose.derogation"),
        ("lesbian coworkers are grotesque", "disc.compose.derogation"),
        # dehumanisation, by an Empath animal word and by a listed metaphor
        ("afghan refugees are basically baboons", "disc.compose.dehumanisation"),
        ("disabled staff are a scourge on this department", "disc.compose.dehumanisation"),
        # denial of rights and roles, removal
        ("nonbinary folks should not be allowed to teach", "disc.compose.denied_rights"),
        ("female managers are unfit to run anything", "disc.compose.denied_rights"),
        ("somali neighbours ought to be locked away", "disc.compose.removal"),
        # threats and wished harm with no listed threat phrase
        ("we should just torch those catholic families", "viol.compose.group_threat"),
        ("i hope every bisexual on the team gets stabbed", "viol.compose.wished_harm"),
        ("transgender people deserve to be crucified", "viol.compose.group_harm"),
        ("touch my mug again and i will throttle you", "viol.compose.threat"),
        # the group named earlier, picked up by a pronoun
        ("we onboarded some arab contractors. they are repulsive", "disc.compose.derogation"),
        ("if you are a gay engineer then you are probably a freak", "disc.compose.derogation"),
        # question and opinion wrappers
        ("why are black engineers so arrogant?", "disc.compose.derogation"),
        ("no offence but imo mexican drivers are dreadful lol", "disc.compose.derogation"),
        # an adjective before any person noun, and before an agentive noun
        ("deaf accountants are useless", "disc.compose.derogation"),
        # feelings and conduct
        ("honestly i despise jewish landlords", "disc.compose.hatred"),
        ("immigrants wreck everything they touch", "disc.compose.conduct"),
        ("such whiny feminists in this thread", "disc.compose.slur_attribute"),
        ("muslims are not trustworthy", "disc.compose.denied_worth"),
        # exclusion, whatever the place; a world wished without the group
        ("kurdish families do not belong on our estate", "disc.compose.exclusion"),
        ("the canteen would be nicer without all the hindus", "disc.compose.better_without"),
        # held feelings, impersonal calls, causatives
        ("the loathing i feel for bisexuals is hard to hide", "disc.compose.hatred"),
        ("it is our duty to lynch those gypsies", "viol.compose.group_threat"),
        ("i am going to make those lesbians bleed", "viol.compose.group_threat"),
        # a pronoun named by a later "they are [group]"; a rhetorical negated question
        ("obviously they are repulsive. they are sikhs after all", "disc.compose.derogation"),
        ("don't you think nigerians are all dishonest?", "disc.compose.derogation"),
    ],
)
def test_composed_rule_catches_a_new_wording(rules: RuleSet, text: str, rule: str) -> None:
    assert rule in _composed(rules, text)


@pytest.mark.parametrize(
    "text",
    [
        # negation
        "lesbian coworkers are not grotesque at all",
        "i dont think deaf accountants are useless",
        # neutral and positive identity statements, reclaimed self-reference
        "i am a gay man and i run the data team",
        "muslims celebrate eid next week",
        "as a disabled engineer i am exhausted today",
        # plight: negative valence said in sympathy
        "refugees are frightened and need our help",
        "trans colleagues are vulnerable right now",
        # counter-speech and reported speech
        "saying immigrants are parasites is vile",
        # objects are not targets
        "kill the build and rerun it",
        "i will shoot you an email with the notes",
        "lets beat the deadline",
        "i am going to kill that process",
        "the chinese takeaway is awful today",
        "stoned, you can",
        # advice, not a right denied; a world better without a thing
        "the women shouldnt vote for that pension change",
        "the canteen would be nicer without the broken fridge",
        # self-harm urged is its own rule, not a threat
        "i will not kill you, relax",
    ],
)
def test_look_alikes_pass_the_layer(rules: RuleSet, text: str) -> None:
    assert _composed(rules, text) == []


def test_hit_names_the_rule_and_explains_itself(rules: RuleSet) -> None:
    text = "lesbian coworkers are grotesque"
    verdict = rules.evaluate(text)
    hit = next(h for h in verdict.hits if h.rule_id == "disc.compose.derogation")
    assert (hit.category, hit.subcategory) == ("discrimination", "homophobia")
    assert hit.text == text  # the span covers the group and the predicate
    assert hit.why == (
        "group: lesbian coworkers — predicate: 'grotesque' (negative, empath ugliness) — derogation"
    )
    record = verdict.classify_record("x")
    keys = ["id", "flagged", "category", "subcategory", "severity", "rules", "spans"]
    assert list(record) == keys


def test_a_hit_with_no_predicate_slot_explains_itself_by_its_words(rules: RuleSet) -> None:
    """A sequence of the `feel` shape with no predicate slot ("the contempt we have for X"):
    its line once read "predicate: '' (claim of inability, listed)"."""
    text = "the contempt we have for muslims is justified"
    hit = next(h for h in rules.evaluate(text).hits if h.rule_id == "disc.compose.hatred")
    assert hit.why == (
        "group: muslims — predicate: 'contempt we have for' (wording of the shape) — hatred"
    )


def test_pronoun_hit_spans_from_the_group_to_the_predicate(rules: RuleSet) -> None:
    text = "we onboarded some arab contractors. they are repulsive"
    hit = next(h for h in rules.evaluate(text).hits if h.rule_id == "disc.compose.derogation")
    assert hit.text == "arab contractors. they are repulsive"
    assert "they (= arab contractors)" in hit.why


def test_composed_examples_run_with_the_rules(rules: RuleSet) -> None:
    assert len(rules.composed_rules) >= 10
    for rule in rules.composed_rules:
        assert rule.flag_examples and rule.pass_examples, rule.id
        assert rule.source.startswith(str(ROOT / "rules" / "compose.yaml") + ":")


def test_compiled_rule_set_pickles(rules: RuleSet) -> None:
    composer = rules.composer
    assert composer is not None
    copy = pickle.loads(pickle.dumps(composer))
    assert copy.rules == composer.rules


_MINIMAL = """
termsets:
  groups:
    sexism: ["{women}"]
compose:
  targets:
    groups: ["@groups"]
  words:
    be: {terms: ["{are}"]}
    fillers: {terms: ["{so}"]}
    negators: {terms: ["{not}"]}
    post_modifiers: {terms: ["{in}"]}
    bad:
      vader: {max: -2.0}
      terms: ["{meh}"]
      minus: ["{evil}"]
  rules:
    - id: t.compose
      shape: describe
      category: discrimination
      subcategory: auto
      severity: low
      predicate: [bad]
      nudge: a test nudge for this rule
"""


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("women are so vile", True),  # vader -3.1
        ("women are meh", True),  # listed
        ("women are evil", False),  # taken out by minus
        ("women are weird", False),  # vader -0.7: above the threshold
        ("women are not vile", False),
    ],
)
def test_word_set_from_vader_terms_and_minus(text: str, flagged: bool) -> None:
    result = compile_files({"r.yaml": _MINIMAL})
    assert result.ruleset is not None, [str(e) for e in result.errors]
    assert result.ruleset.evaluate(text).flagged is flagged


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        ("predicate: [bad]", 23, "unknown word set 'nosuch'"),
        ("shape: describe", 19, "shape: Input should be"),
        ("vader: {max: -2.0}", 13, "unknown Empath category 'nosuch'"),
        ('be: {terms: ["{are}"]}', 18, "needs the word set 'be'"),
    ],
)
def test_compose_errors_name_file_and_line(change: str, line: int, message: str) -> None:
    broken = {
        "predicate: [bad]": "predicate: [nosuch]",
        "shape: describe": "shape: nosuch",
        "vader: {max: -2.0}": "empath: [nosuch]",
        'be: {terms: ["{are}"]}': 'bee: {terms: ["{are}"]}',
    }[change]
    result = compile_files({"r.yaml": _MINIMAL.replace(change, broken)})
    assert result.ruleset is None
    assert any(e.file == "r.yaml" and message in e.message for e in result.errors), result.errors
    assert any(e.line == line for e in result.errors), [str(e) for e in result.errors]


def test_lexicons_ship_inside_their_packages() -> None:
    lexicons = Lexicons()
    assert "vile" in lexicons.vader_range(None, -3.0)
    assert "rat" in lexicons.empath_category("animal")


@pytest.mark.parametrize(
    ("word", "forms"),
    [
        ("kill", {"kills", "killed", "killing"}),
        ("stab", {"stabbed", "stabbing"}),
        ("bury", {"buried", "buries"}),
        ("hang", {"hangs", "hanging"}),
        ("choke", {"choked", "choking"}),
    ],
)
def test_inflections(word: str, forms: set[str]) -> None:
    assert forms <= inflections(word)


def test_inflect_makes_real_forms_of_the_listed_words_only() -> None:
    """`inflect` on a set that lists inflected forms, or takes in another inflected set, once
    made "stabbeding", "killeded" and "thing rope" (of "the rope"): over a thousand phrases
    that no message holds, all in the first pass's threat cue regexes."""
    harm = 'harm: {inflect: true, terms: ["{stab,stabbed,kill,the rope,lock up}"]}'
    again = "harm_again: {inflect: true, sets: [harm]}"
    source = _MINIMAL.replace("    bad:\n", f"    {harm}\n    {again}\n    bad:\n")
    result = compile_files({"r.yaml": source})
    assert result.ruleset is not None, [str(e) for e in result.errors]
    composer = result.ruleset.composer
    assert composer is not None
    for name in ("harm", "harm_again"):
        forms = {" ".join(phrase) for phrase in composer.sets[name].source}
        assert forms == {
            *("stab", "stabs", "stabbed", "stabbing", "kill", "kills", "killed", "killing"),
            *("lock up", "locks up", "locked up", "locking up", "the rope"),
        }


def test_words_split_contractions_and_mark_sentence_breaks() -> None:
    words = Words.of("they're vile. women can't help being rude, ok")
    assert words.words[:3] == ("they", "are", "vile")
    assert words.words[4:7] == ("can", "not", "help")
    assert 3 in words.breaks  # between "vile" and "women"
    assert phrase_of("can't stand") == ("can", "not", "stand")
