"""The policy file: the shipped defaults load, mistakes are reported with file:line."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from policy_builders import Runner, at, hit, msg, patterns

from bot.policy import PolicyConfig, load_policy, parse_policy

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "rules"


def test_shipped_policy_file_loads_without_errors() -> None:
    result = load_policy(RULES)
    assert result.errors == []
    assert result.ok and result.config is not None
    assert result.config.category("discrimination").half_life_days == 21


def test_missing_policy_file_means_the_defaults(tmp_path: Path) -> None:
    result = load_policy(tmp_path)
    assert result.ok and result.config == PolicyConfig()


# What the comments in rules/policy.yaml promise, checked against the shipped numbers.
PROMISES = [
    ("two mediums within a week escalate", [(0, "medium"), (7, "medium")], True),
    ("two mediums eight days apart do not", [(0, "medium"), (8, "medium")], False),
    ("a medium and two lows within a few days", [(0, "medium"), (1, "low"), (3, "low")], True),
    ("a high and a low the same day", [(0, "high"), (0.5, "low")], True),
    ("a second high within 30 days", [(0, "high"), (29, "high")], True),
    ("one high alone does not", [(0, "high")], False),
]


@pytest.mark.parametrize(("name", "hits", "escalates"), PROMISES, ids=[p[0] for p in PROMISES])
def test_policy_file_comments_hold(
    name: str, hits: list[tuple[float, str]], escalates: bool
) -> None:
    config = load_policy(RULES).config
    assert config is not None
    runner = Runner(config=config)
    decisions = [runner.feed(msg(i, 11, at(day), hit(sev))) for i, (day, sev) in enumerate(hits)]
    assert ("repeat_sender" in patterns(decisions[-1])) is escalates


# Each text is indented under `policy:` by `_wrap`; line numbers count that first line.
BAD = [
    (
        "unknown key",
        "version: 1\nnudge:\n  cooldown_minuts: 5\n",
        4,
        "policy.nudge.cooldown_minuts: Extra",
    ),
    ("bad severity", "nudge:\n  min_severity: huge\n", 3, "policy.nudge.min_severity"),
    ("unknown category", "categories:\n  rudeness: {}\n", 3, "policy.categories.rudeness"),
    ("negative threshold", "categories:\n  violence:\n    escalate_at: -1\n", 4, "escalate_at"),
    (
        "both decays",
        "categories:\n  harassment:\n    window_days: 9\n    half_life_days: 3\n",
        3,
        "not both",
    ),
    ("wrong version", "version: 2\n", 2, "unsupported policy version"),
    ("yaml syntax", "nudge:\n  min_severity: [low\n", 3, "list is not closed"),  # the [ line
]


def _wrap(text: str) -> str:
    return "policy:\n" + "".join(f"  {line}\n" for line in text.splitlines())


@pytest.mark.parametrize(("name", "text", "line", "message"), BAD, ids=[b[0] for b in BAD])
def test_policy_mistakes_name_file_and_line(name: str, text: str, line: int, message: str) -> None:
    result = parse_policy(_wrap(text), "rules/policy.yaml")
    assert result.config is None and not result.ok
    assert result.errors[0].startswith(f"rules/policy.yaml:{line}: "), result.errors
    assert message in result.errors[0]


def test_yaml_tags_are_not_constructed() -> None:
    text = "policy:\n  nudge: !!python/object/apply:os.system ['true']\n"
    result = parse_policy(text, "p.yaml")
    assert result.config is None and result.errors


@pytest.mark.parametrize(
    ("text", "message"),
    [("- 1\n", "expected a top-level `policy:` key"), ("policy: [1]\n", "must be a mapping")],
)
def test_policy_section_must_be_a_mapping(text: str, message: str) -> None:
    result = parse_policy(text, "p.yaml")
    assert result.errors == [f"p.yaml:1: {message}"] or message in result.errors[0]


def test_policy_found_in_any_rules_file_and_only_once(tmp_path: Path) -> None:
    (tmp_path / "words.yaml").write_text("rules: []\n", encoding="utf-8")
    assert load_policy(tmp_path).config == PolicyConfig()
    (tmp_path / "a.yaml").write_text("policy:\n  exempt_moderators: true\n", encoding="utf-8")
    loaded = load_policy(tmp_path)
    assert loaded.ok and loaded.config is not None and loaded.config.exempt_moderators
    assert loaded.source == str(tmp_path / "a.yaml")
    (tmp_path / "b.yaml").write_text("policy: {}\n", encoding="utf-8")
    twice = load_policy(tmp_path)
    assert twice.config is None and "defined twice" in twice.errors[0]


def test_a_broken_rules_file_refuses_rather_than_guessing(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("rules: [\n", encoding="utf-8")
    result = load_policy(tmp_path)
    assert result.config is None and result.errors[0].startswith(str(tmp_path / "bad.yaml"))


def test_shipped_policy_file_is_accepted_by_the_rule_loader() -> None:
    from bot.engine import load_rules

    errors = load_rules(RULES).errors
    assert not [e for e in errors if "policy.yaml" in str(e)], errors


def test_policy_package_imports_neither_discord_nor_storage() -> None:
    forbidden = {"discord", "aiosqlite", "sqlite3", "bot.store", "bot.services", "bot.gateway"}
    for path in (ROOT / "bot" / "policy").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not any(name == f or name.startswith(f + ".") for f in forbidden), (
                    path,
                    name,
                )


def test_policy_layer_never_reads_the_clock() -> None:
    for path in (ROOT / "bot" / "policy").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert ".now(" not in text and "utcnow" not in text and "time.time" not in text, path
