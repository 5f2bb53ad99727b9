"""Shared test kit: a small rules directory written to tmp_path, independent of `rules/`."""

from __future__ import annotations

from pathlib import Path

RULES = """\
rules:
  - id: test.slur
    category: discrimination
    subcategory: racism
    severity: high
    match:
      terms: [zorblax]
    nudge: Slurs hurt colleagues, even when meant as a joke.
  - id: test.insult
    category: harassment
    subcategory: bullying
    severity: medium
    match:
      terms: [gronk]
    nudge: Name-calling wears colleagues down, even as banter.
  - id: test.threat
    category: violence
    subcategory: threat
    severity: critical
    match:
      terms: [hurt you badly]
    nudge: Threats of violence are never banter.
"""

POLICY = """\
policy:
  version: 1
  nudge:
    cooldown_minutes: 0
"""

SLUR = "zorblax"  # high discrimination: one is a nudge, two escalate
INSULT = "gronk"  # medium harassment
THREAT = "hurt you badly"  # critical: escalates at once


def write_rules(directory: Path) -> Path:
    """Write the test rules and policy into `directory` (created) and return it."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "test.yaml").write_text(RULES, encoding="utf-8")
    (directory / "policy.yaml").write_text(POLICY, encoding="utf-8")
    return directory
