"""The shipped rules in `rules/`: they load, their examples pass, the project's own labelled set
stays above its floor, every listed trap passes and every evasion is caught.

Only `rules/` and `tests/data/workplace.jsonl` are read: nothing here depends on `../shared`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli.engine_cmds import run_examples
from bot.engine import RuleSet, compile_files
from bot.engine.loader import rule_files
from bot.evaluation import evaluate_rows, expected_categories, read_rows

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "rules"
WORKPLACE = ROOT / "tests" / "data" / "workplace.jsonl"


@pytest.fixture(scope="module")
def rules_with_policies() -> RuleSet:
    """The shipped rules with both server policy switches turned on."""
    files = {str(p): p.read_text(encoding="utf-8") for p in rule_files(RULES)}
    options = str(RULES / "options.yaml")
    files[options] = (
        files[options]
        .replace("non_protected_threats: false", "non_protected_threats: true")
        .replace("directed_profanity: false", "directed_profanity: true")
    )
    result = compile_files(files)
    assert result.ruleset is not None, [str(e) for e in result.errors]
    return result.ruleset


def test_default_rules_load_without_errors(rules: RuleSet) -> None:
    assert len(rules) >= 30


def test_every_rule_has_examples_and_they_pass(rules: RuleSet) -> None:
    ran, failures = run_examples(rules)
    assert failures == []
    assert ran >= 150
    for rule in rules.rules:
        assert rule.flag_examples or rule.policy, f"{rule.id} has no flag examples"
        assert rule.pass_examples, f"{rule.id} has no pass examples"


def test_workplace_set_stays_above_its_floor(rules: RuleSet) -> None:
    report = evaluate_rows(rules, read_rows(WORKPLACE))
    # Achieved: see the figures printed by `upstander eval` (693 rows).
    assert report.recall >= 0.95
    assert report.pass_rate >= 0.96
    assert report.precision >= 0.97
    assert report.category_accuracy >= 0.97
    assert report.policy_total == 26
    assert report.policy_flagged == 0  # policy switches are off by default


def test_policy_rows_flag_when_switches_are_on(rules_with_policies: RuleSet) -> None:
    report = evaluate_rows(rules_with_policies, read_rows(WORKPLACE))
    assert report.policy_flagged / report.policy_total >= 0.5


# --- must not flag ----------------------------------------------------------------------------

MUST_NOT_FLAG = [
    # counter-speech and condemning quotes
    "he called her a 'paki' and that's not OK",
    "someone wrote 'tranny' on her locker, facilities are removing it",
    "saying women can't code is just wrong",
    "> go back to where you came from\nthis is straight up racist, reported to HR",
    'I have no respect for people who post things like "immigrants are vermin"',
    "you can't seriously believe that all disabled people are stupid",
    # reporting and policy talk
    "reporting it was the right call",
    "the rape investigation team moved to the third floor",
    "our charity raised money for the rape crisis centre",
    "if something's wrong, report it to HR, that's what they're for",
    # neutral and positive mentions of groups
    "the Muslim staff network meets on Thursday",
    "I'm gay and proud",
    "the women's network is hiring mentors",
    "we sponsored two refugees who start on monday",
    "trans people are welcome at every social",
    # negated hate
    "immigrants are not animals",
    "we should not let disabled people suffer",
    "we must never condone the killing of any muslim",
    # everyday violence idioms and tech talk
    "kill the build and restart it",
    "this bug is killing me",
    "kill -9 the worker",
    "the master/slave replication lag is back",
    "that went through the backlog like a knife through butter",
    "you smashed the presentation",
    "i'll shoot you an email with the notes",
    "murder a pizza after this sprint",
    # place names, words containing slurs, homonyms
    "Scunthorpe office is closed on Friday",
    "the therapist is in room 2",
    "the fire retardant delivery is late",
    "nipping out for a fag break",
    "faggots and mushy peas at the carvery",
    "we walked Offa's Dyke last weekend",
    "found a chink in the armour of the release process",
    "the grass needs cutting before the summer party",
    "there's a rat in the bin store again",
    "Little Snitch keeps blocking the VPN",
    "what happens in vegas stays in vegas",
    # reclaimed in-group use
    "I'm a proud dyke and I'll wear what I like",
    "we call ourselves fags all the time, it's our word",
    # plain profanity that insults no one
    "this fucking build is broken again",
    "typical monday, the build is shit",
    # nicknames addressed at the start of a line are names, not insults
    "Spaz_Dynamic, the patch is merged",
    "Lardarse: they are enabled by default",
    # idioms near a group word
    "it's killing me to see the disabled bays full of visitors again",
    "i'd rather die than sit through another all-hands",
    "my best friend is muslim and the best man at our wedding",
    "the chinese chap from the supplier is in at 10",
    "please don't ever kill yourself over a deadline",
    # "they" picked up later but not hostile
    "the refugees we sponsored start monday. they are so excited",
]


@pytest.mark.parametrize("text", MUST_NOT_FLAG)
def test_trap_is_not_flagged(rules: RuleSet, text: str) -> None:
    verdict = rules.evaluate(text)
    assert not verdict.flagged, verdict.rule_ids


# --- must flag --------------------------------------------------------------------------------

MUST_FLAG = [
    ("tell the paki in IT to fix my laptop", "discrimination"),
    ("immigrants are parasites", "discrimination"),
    ("typical woman, cried in the retro", "discrimination"),
    ("go back to your own country mate", "discrimination"),
    ("she only got the job because she's a woman", "discrimination"),
    ("hitler had the right idea tbh", "discrimination"),
    ("women are not human", "discrimination"),
    ("muslims should all be shot", "violence"),
    ("i'm going to stab you on monday, not joking", "violence"),
    ("hope someone stabs you on the way home", "violence"),
    ("she's asking to get raped dressed like that", "violence"),
    ("bring the chloroform to the xmas party", "violence"),
    ("gave the missus a slap last night, she'll learn", "violence"),
    ("nobody wants you on this team, just quit", "harassment"),
    ("you're a worthless waste of oxygen", "harassment"),
    ("kys <@123456789012345678>", "harassment"),
    ("<@123456789012345678> is a grass, dont tell him anything", "retaliation"),
    ("whoever went to HR is done here", "retaliation"),
    ("rule one on this team: no grassing", "retaliation"),
    ("keep your mouth shut about friday or else", "retaliation"),
    # a group named, then picked up by "they"/"them" a clause or sentence later
    ("the new lot are immigrants. they're all thieves, lock your drawers", "discrimination"),
    ("muslims moved in next door. i'm going to make them suffer", "violence"),
    ("gay people are nothing like us and that's why they deserve to die", "violence"),
    ("these women, thinking i won't kill every one of them", "violence"),
    # being one of them, or near them, as worse than death
    ("i'd rather die than work under a woman", "discrimination"),
    ("if i woke up as a trans person i'd kill myself", "discrimination"),
    ("sharing a desk with an immigrant is worse than death", "discrimination"),
    # supremacy and sexist roles
    ("whites are the superior race, simple as", "discrimination"),
    ("women are only good for making the tea", "discrimination"),
]


@pytest.mark.parametrize(("text", "category"), MUST_FLAG)
def test_phenomenon_is_flagged_with_its_category(rules: RuleSet, text: str, category: str) -> None:
    verdict = rules.evaluate(text)
    assert verdict.flagged
    assert verdict.category == category


EVASIONS = [
    ("leetspeak", "what a f4gg0t"),
    ("leetspeak", "sn1tch3s get st1tch3s"),
    ("homoglyph cyrillic", "the n\u0456gg\u0435r from dispatch"),
    ("homoglyph fullwidth", "stop crying you \uff46\uff41\uff47\uff47\uff4f\uff54"),
    (
        "homoglyph math bold",
        "<@123456789012345678> is a \U0001d420\U0001d42b\U0001d41a\U0001d42c\U0001d42c",
    ),
    ("zero width", "dont be a fa\u200bgg\u200bot about it"),
    ("zero width joiner", "the tra\u200dnny in marketing"),
    ("spacing", "what a f a g g o t"),
    ("dots", "look at this n.i.g.g.e.r"),
    ("repeats", "shut up faaaaaggot"),
    ("repeats", "omg ur so retaaaaarddd"),
    ("asterisk", "what a f*ggot"),
    ("asterisk", "who's the r*tard that cc'd the client"),
    ("combining marks", "shut it f\u0336\u0301a\u0317\u0360g\u0325\u034ag\u0353\u0308o\u0301t"),
    ("dropped vowel", "muslims are a cancr"),
    ("swapped letters", "deaht to all immigrants"),
    ("run together", "gay people like you deserve todie"),
    ("glued to the word before", "too manytrannies on this site"),
    ("glued to the word before", "look at all thosefaggots"),
    ("glued multi-word slur", "bunch of camelfuckers"),
    ("swapped letters", "i'd love to see those immigrants suffre"),
    ("swapped letters", "id rather have cancre than sit near a muslim"),
]


@pytest.mark.parametrize(("kind", "text"), EVASIONS)
def test_evasion_is_flagged(rules: RuleSet, kind: str, text: str) -> None:
    assert rules.evaluate(text).flagged, kind


@pytest.mark.parametrize(
    ("text", "rule_id"),
    [
        ("ill kill him if he's late again", "viol.threat_third_person"),
        ("<@123456789012345678> you absolute muppet", "harass.directed_insult"),
    ],
)
def test_policy_rules_flag_only_when_switched_on(
    rules: RuleSet, rules_with_policies: RuleSet, text: str, rule_id: str
) -> None:
    assert rule_id not in rules.evaluate(text).rule_ids
    assert rule_id in rules_with_policies.evaluate(text).rule_ids


def test_a_nick_is_spared_but_a_slur_later_in_the_line_is_not(rules: RuleSet) -> None:
    assert not rules.evaluate("Spaz_Dynamic, ok").flagged
    assert rules.evaluate("Spaz_Dynamic, you retard").flagged
    assert rules.evaluate("retard, you broke the build").flagged  # a vocative is not a nick


def test_glued_slurs_leave_words_that_end_in_them_alone(rules: RuleSet) -> None:
    assert not rules.evaluate("he sniggers every time the demo crashes").flagged


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"category": "discrimination"}, {"discrimination"}),
        ({"category": "violence+discrimination"}, {"violence", "discrimination"}),
        (
            {"category": "violence", "detail": {"tags": ["violence", "religious_hate"]}},
            {"violence", "discrimination"},
        ),
        ({"category": "discrimination", "detail": {"tags": ["sexism"]}}, {"discrimination"}),
        ({"category": "none"}, set()),
    ],
)
def test_eval_takes_the_categories_a_row_names(row: dict[str, object], expected: set[str]) -> None:
    assert expected_categories(row) == expected
