"""Shared pieces for the scan report and CLI tests: a small rule set, a scripted chat with known
incidents, and one writer per supported export format (the project's own generators)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.engine import RuleSet, load_rules
from bot.scan import fixtures as fx
from bot.scan.synthetic import MEMBERS, Member, Synthetic

# The default rules/ are being rewritten elsewhere: these tests bring their own, written for
# the scripted chat below, so the expected figures do not move with the shipped word lists.
RULES_YAML = """\
rules:
  - id: test.exclusion
    category: harassment
    subcategory: exclusion
    severity: medium
    match: {terms: ["nobody wants you", "just quit"]}
    nudge: "Telling a colleague to leave the team is a personal attack."
  - id: test.insult
    category: harassment
    subcategory: insult
    severity: low
    match: {terms: ["you are useless", "shut up"]}
    nudge: "Name-calling a colleague lands harder than it sounds."
  - id: test.grass
    category: retaliation
    subcategory: intimidation
    severity: medium
    match: {terms: ["grass", "snitch"]}
    nudge: "Calling someone a grass for raising a concern discourages people from speaking up."
  - id: test.threat
    category: violence
    subcategory: threat
    severity: critical
    match: {terms: ["break your legs"]}
    nudge: "Threats of violence are never acceptable, whatever the intent."
"""


def write_rules(directory: Path) -> Path:
    """The test rules in `directory/rules` (the policy falls back to its defaults)."""
    rules = directory / "rules"
    rules.mkdir(parents=True, exist_ok=True)
    (rules / "rules.yaml").write_text(RULES_YAML, encoding="utf-8")
    return rules


def ruleset(directory: Path) -> RuleSet:
    """The compiled test rules."""
    loaded = load_rules(write_rules(directory))
    assert loaded.ruleset is not None, loaded.errors
    return loaded.ruleset


ALICE, BOB, ZOE, DAN, PRIYA, PHONE, EMILE = MEMBERS
START = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)
SCRIPT_TEXT = "<script>alert('x')</script> shut up"


def scripted_chat() -> list[Synthetic]:
    """The scripted chat; index 0 is a system event (WhatsApp writes its encryption notice).

    Rows are (author, kind, text, mention, system event): an hour of chat with one of each
    awkward case and each pattern: a "grass" remark and then retaliation, a pile-on, a targeted
    colleague, a threat, and a message that tries to inject a script into the report.
    """
    rows: list[tuple[Member, str, str, Member | None, str]] = [
        (ALICE, "system", f"{ALICE.name} added {BOB.name}", None, "add"),
        (BOB, "text", "morning all", None, ""),
        (ALICE, "text", "café run, who wants something", None, ""),
        (ZOE, "emoji", "nice work 🎉", None, ""),
        (DAN, "media", "", None, ""),
        (ALICE, "hostile", f"@{BOB.name} you grass", BOB, ""),
        (PRIYA, "multi", "notes from the retro:\n- more tests\n\nthanks all", None, ""),
        (EMILE, "multi", "ok fine\nnobody wants you on this team, just quit", None, ""),
        (ZOE, "system", f"{ZOE.name} pinned a message", None, "pin"),
        (DAN, "hostile", SCRIPT_TEXT, None, ""),
        (ALICE, "hostile", f"@{BOB.name} shut up, you are useless 😂", BOB, ""),
        (ZOE, "text", "lunch?", None, ""),
        (PHONE, "hostile", f"@{DAN.name} you are useless", DAN, ""),
        (ZOE, "hostile", f"@{DAN.name} shut up", DAN, ""),
        (ALICE, "hostile", f"@{DAN.name} just quit", DAN, ""),
        (PRIYA, "text", "that is not ok", None, ""),
        (EMILE, "hostile", "I will break your legs", None, ""),
        (BOB, "text", "see the doc, section 2", None, ""),
    ]
    events = []
    for index, (author, kind, text, mention, event) in enumerate(rows):
        when = START + timedelta(minutes=7 * index)
        events.append(Synthetic(index, when, author, kind, text, mention=mention, event=event))
    return events


Writer = Callable[[Path, list[Synthetic]], Path]


def _file(name: str, write: Callable[[Path, list[Synthetic]], None]) -> Writer:
    def make(directory: Path, events: list[Synthetic]) -> Path:
        path = directory / name
        write(path, events)
        return path

    return make


WRITERS: dict[str, Writer] = {
    "whatsapp-android-us": _file(
        "WhatsApp Chat with Team.txt", lambda p, e: fx.write_whatsapp(p, e, "android_us")
    ),
    "whatsapp-android-eu": _file("chat.txt", lambda p, e: fx.write_whatsapp(p, e, "android_eu")),
    "whatsapp-ios": _file("_chat.txt", lambda p, e: fx.write_whatsapp(p, e, "ios")),
    "whatsapp-cp1252": _file(
        "legacy.txt", lambda p, e: fx.write_whatsapp(p, e, "android_eu", encoding="cp1252")
    ),
    "discord-json": _file("export.json", lambda p, e: fx.write_discord_json(p, e)),
    "discord-csv-iso": _file("export.csv", lambda p, e: fx.write_discord_csv(p, e, "iso")),
    "discord-csv-us": _file("export-us.csv", lambda p, e: fx.write_discord_csv(p, e, "us")),
    "slack-folder": _file("slack-export", lambda p, e: fx.write_slack(p, e)),
    "slack-zip": _file("slack-export.zip", lambda p, e: fx.write_slack(p, e, as_zip=True)),
}
