"""Run every rule's own `examples` and say where each failing one is written (file:line).

The hot reload refuses a rule set whose examples fail, as it refuses a schema error, and
`upstander rules lint|test` report the same failures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from bot.engine.compose import ComposedRule
from bot.engine.loader import RuleError, safe_yaml
from bot.engine.ruleset import CompiledRule, RuleSet

Reader = Callable[[str], str]


def _read(name: str) -> str:
    return Path(name).read_text(encoding="utf-8")


def run_examples(ruleset: RuleSet, read: Reader = _read) -> tuple[int, list[RuleError]]:
    """(how many examples ran, the failures with the example's own file and line).

    A rule the server's options switch off (a policy switch, a disabled category, a higher
    sensitivity) cannot flag, so only its `pass` examples run.
    """
    failures: list[tuple[CompiledRule | ComposedRule, str, str]] = []
    ran = 0
    every: tuple[CompiledRule | ComposedRule, ...] = (*ruleset.rules, *ruleset.composed_rules)
    for rule in every:
        enabled = ruleset.is_enabled(rule)
        for text in rule.flag_examples if enabled else ():
            ran += 1
            if rule.id not in ruleset.evaluate(text).rule_ids:
                failures.append((rule, "flag", text))
        for text in rule.pass_examples:
            ran += 1
            if rule.id in ruleset.evaluate(text).rule_ids:
                failures.append((rule, "pass", text))
    return ran, _locate(failures, read)


def failing_must_pass(ruleset: RuleSet) -> list[tuple[str, RuleError]]:
    """(text, error) of the local must-pass examples (upheld false positives) still flagged."""
    failures: list[tuple[str, RuleError]] = []
    for text, source in ruleset.must_pass:
        verdict = ruleset.evaluate(text)
        if verdict.flagged:
            name, _, line = source.rpartition(":")
            rules = ", ".join(verdict.rule_ids)
            error = RuleError(name, int(line), f"must pass, flagged by {rules}: {text!r}")
            failures.append((text, error))
    return failures


def _locate(
    failures: Iterable[tuple[CompiledRule | ComposedRule, str, str]], read: Reader
) -> list[RuleError]:
    trees: dict[str, Any] = {}
    out: list[RuleError] = []
    for rule, kind, text in failures:
        name, _, line = rule.source.rpartition(":")
        if name not in trees:
            trees[name] = _tree(name, read)
        where = _example_line(trees[name], rule.id, kind, text) or int(line or 0)
        verb = "should flag" if kind == "flag" else "should pass"
        out.append(RuleError(name, where, f"{rule.id}: {verb}: {text!r}"))
    return out


def _tree(name: str, read: Reader) -> Any:
    try:
        loaded = safe_yaml(name, read(name))
    except (OSError, UnicodeDecodeError):
        return None
    return None if isinstance(loaded, RuleError) else loaded[0]


def _example_line(tree: Any, rule_id: str, kind: str, text: str) -> int | None:
    """The 1-based line of one example in a rule file's YAML tree, if it can be found."""
    rules = tree.get("rules") if isinstance(tree, CommentedMap) else None
    compose = tree.get("compose") if isinstance(tree, CommentedMap) else None
    if isinstance(compose, CommentedMap) and not isinstance(rules, CommentedSeq):
        rules = compose.get("rules")  # the composed rules of rules/compose.yaml
    if not isinstance(rules, CommentedSeq):
        return None
    for rule in rules:
        if not isinstance(rule, CommentedMap) or rule.get("id") != rule_id:
            continue
        examples = rule.get("examples")
        listed = examples.get(kind) if isinstance(examples, CommentedMap) else None
        if isinstance(listed, CommentedSeq):
            for index, item in enumerate(listed):
                if item == text:
                    return int(listed.lc.item(index)[0]) + 1
    return None
