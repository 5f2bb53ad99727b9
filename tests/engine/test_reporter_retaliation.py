"""Retaliation against colleagues who report, in the shipped rules: threats to whoever reported
in every wording (critical), contempt for reporting and "rat" after naming the report (high), and
the words themselves discussed, the lawn and the kitchen rat left alone.

The workplace set holds the fresh wordings of each family; here are the sentences of issue #15
that passed unflagged before the composed rule, and what each family must read as.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.engine import RuleSet, labels

ROOT = Path(__file__).resolve().parents[2]
WORKPLACE = ROOT / "tests" / "data" / "workplace.jsonl"


ISSUE_THREATS = [
    "whoever reported us to HR is going to get hurt",
    "whoever went to HR is going to get hurt",
    "the one who complained to HR will get hurt",
    "whoever told HR is getting a kicking",
    "if I find out who reported me they're dead",
    "whoever grassed is going to get hurt",
    # Flagged before only as labelling (high) for "grassed on", the threat neither highlighted
    # nor critical.
    "whoever grassed on us to HR is going to get hurt",
]


@pytest.mark.parametrize("text", ISSUE_THREATS)
def test_issue_threats_to_whoever_reported_are_critical(rules: RuleSet, text: str) -> None:
    verdict = rules.evaluate(text)
    assert (verdict.category, verdict.subcategory) == ("retaliation", "threat"), text
    assert verdict.severity is not None and verdict.severity.label == "critical"
    threat = next(h for h in verdict.hits if h.rule_id == "ret.reporter_threat")
    # The evidence is the whole threat: who reported and the harm, not one word of it.
    assert threat.text.lower().startswith(("whoever", "the one who", "if i find out who"))
    assert threat.text.endswith(("hurt", "kicking", "dead"))


@pytest.mark.parametrize(
    ("text", "subcategory", "severity"),
    [
        ("grassing is dirty", "norm_enforcement", "high"),
        ("I know it was you who went to the sergeant. rat.", "labelling", "high"),
        ("someone should take a bat to those grassing", "threat", "critical"),
        ("you'll regret it, whoever went to the union", "threat", "critical"),
        ("whoever spoke to compliance. watch your back", "threat", "critical"),
        ("I don't care who reported me, they'll pay for it", "threat", "critical"),
    ],
)
def test_each_family_reads_right(
    rules: RuleSet, text: str, subcategory: str, severity: str
) -> None:
    verdict = rules.evaluate(text)
    assert verdict.category == "retaliation", text
    assert verdict.subcategory == subcategory, text
    assert verdict.severity is not None and verdict.severity.label == severity


@pytest.mark.parametrize(
    "text",
    [
        # The word itself discussed.
        "the word snitch comes from thieves' cant",
        "what does snitch mean",
        "grass is slang for informer in the UK",
        "snitch is such an ugly word",
        "the word 'snitch' is loaded",
        "in the uk a grass is an informer",
        "is snitching slang?",
        # The lawn, the kitchen, the firewall, Quidditch.
        "the lawn: grass is long",
        "the grass is looking brown, someone water it",
        "there's a rat in the kitchen",
        "a snitch in harry potter is a ball",
        "Little Snitch keeps blocking the VPN client",
        # Reporting talk with the look of a threat.
        "whoever reported the bug will get a reply",
        "the one who complained to HR got a raise",
        "I complained to HR and it got dealt with in a day",
        "I reported the bug and it got sorted out",
        "whoever reported the leak, it'll get sorted out",
        "nobody is going to make them pay, the ones who reported it did right",
        "whoever reported it will not be punished and will not get sacked",
        "whoever reported me, no one will hurt you",
        # "whoever" and a harm word with no reporting act between (flagged before issue 15).
        "whoever has the keys, the van needs to be dealt with today",
        "the one who ordered pizza will pay for it",
    ],
)
def test_look_alikes_are_not_flagged(rules: RuleSet, text: str) -> None:
    verdict = rules.evaluate(text)
    assert not verdict.flagged, (text, verdict.rule_ids)


def test_workplace_retaliation_families_are_all_right(rules: RuleSet) -> None:
    rows = [json.loads(line) for line in WORKPLACE.read_text(encoding="utf-8").splitlines()]
    families = {
        "reporter_threat",
        "no_grassing_norm",
        "snitch_label",
        "homonym",
        "word_discussed",
        "reporting_talk",
    }
    checked = 0
    for row in rows:
        if row["detail"]["functionality"] not in families:
            continue
        verdict = rules.evaluate(row["text"])
        if row["label"] == "flag":
            assert verdict.category == row["category"], (row["id"], row["text"])
        else:
            assert not verdict.flagged, (row["id"], row["text"], verdict.rule_ids)
        checked += 1
    assert checked >= 90  # the families are there, not filtered away


def test_each_threat_wording_family_has_five_fresh_cases() -> None:
    rows = [json.loads(line) for line in WORKPLACE.read_text(encoding="utf-8").splitlines()]
    notes: dict[str, int] = {}
    for row in rows:
        note = row["detail"].get("note", "")
        if row["label"] == "flag" and row["category"] == "retaliation":
            notes[note] = notes.get(note, 0) + 1
    for family in (
        "who first",
        "harm first",
        "two sentences",
        "weapon wished on those grassing",
        "contempt for reporting",
        "insult after naming the report",
    ):
        count = sum(n for note, n in notes.items() if family in note)
        assert count >= 5, (family, count)


def test_check_says_in_plain_words_it_is_a_threat_against_someone_who_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("UPSTANDER_RULES", str(ROOT / "rules"))
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    assert main(["check", "whoever told HR is getting a kicking"]) == 0
    out = capsys.readouterr().out
    assert "FLAGGED: retaliation/threat (critical)" in out
    assert "what: threat against someone who reported" in out
    assert "[[whoever told HR is getting a kicking]]" in out


def test_plain_words_fall_back_to_the_code() -> None:
    assert labels.described("retaliation", "threat", "critical") == (
        "threat against someone who reported (retaliation/threat, critical)"
    )
    assert labels.described("discrimination", "racism", "high") == "discrimination/racism (high)"
