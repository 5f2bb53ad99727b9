"""Engine commands: check, classify, rules lint|test|schema, eval, bench. No token, no network."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bot.engine import LoadResult, RuleSet, Verdict, load_rules
from bot.engine.compose import ComposedRule
from bot.engine.ruleset import CompiledRule
from bot.engine.schema import RuleFile
from bot.settings import Settings


def _load(directory: Path) -> RuleSet | None:
    result = load_rules(directory)
    if result.ruleset is None:
        for error in result.errors:
            print(error, file=sys.stderr)
        print(
            f"upstander: rules in {directory} have {len(result.errors)} error(s)", file=sys.stderr
        )
    return result.ruleset


def _rules_dir(args: argparse.Namespace, settings: Settings) -> Path:
    given = getattr(args, "dir", None)
    return Path(given) if given else settings.rules


def highlight(text: str, verdict: Verdict) -> str:
    """The text with every flagged span wrapped in [[ ]]."""
    out, position = [], 0
    for start, end in verdict.spans:
        if start < position:
            continue
        out += [text[position:start], "[[", text[start:end], "]]"]
        position = end
    out.append(text[position:])
    return "".join(out)


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    """Print a human-readable verdict for one message."""
    ruleset = _load(_rules_dir(args, settings))
    if ruleset is None:
        return 2
    text = args.text if args.text != "-" else sys.stdin.read()
    verdict = ruleset.evaluate(text)
    if not verdict.flagged:
        print("not flagged")
    else:
        severity = verdict.severity.label if verdict.severity else ""
        print(f"FLAGGED: {verdict.category}/{verdict.subcategory} ({severity})")
        print(f"  {highlight(text, verdict)}")
        for hit in verdict.hits:
            print(
                f"  - {hit.rule_id} [{hit.start}:{hit.end}] {hit.text!r} "
                f"{hit.category}/{hit.subcategory} {hit.severity.label}"
            )
            if hit.why:
                print(f"      {hit.why}")
        print(f"  why: {verdict.explanation}")
    for item in verdict.suppressed:
        print(f"  (not counted: {item.hit.rule_id} {item.hit.text!r}: {item.reason})")
    aim = verdict.addressee
    if aim.is_directed:
        print(
            f"  aimed at: mentions={list(aim.mentions)} reply_to={aim.reply_to} "
            f"you={aim.second_person}"
        )
    return 1 if verdict.flagged and args.exit_code else 0


def cmd_classify(args: argparse.Namespace, settings: Settings) -> int:
    """JSONL in, JSONL out, one line per input in order (a contract: see README)."""
    ruleset = _load(_rules_dir(args, settings))
    if ruleset is None:
        return 2
    out = sys.stdout
    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            row: Any = json.loads(line)
            text = row["text"]
            if not isinstance(text, str):
                raise TypeError("'text' must be a string")
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            print(f"upstander classify: stdin line {number}: {exc}", file=sys.stderr)
            return 2
        record = ruleset.evaluate(text).classify_record(row.get("id"))
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    out.flush()
    return 0


def _print_errors(result: LoadResult) -> None:
    for error in result.errors:
        print(error)


def cmd_lint(args: argparse.Namespace, settings: Settings) -> int:
    """Validate the rule files; exit 1 on any error."""
    directory = _rules_dir(args, settings)
    result = load_rules(directory)
    if result.ruleset is None:
        _print_errors(result)
        print(f"{len(result.errors)} error(s) in {directory}")
        return 1
    print(
        f"ok: {len(result.ruleset)} rules, {len(result.ruleset.matcher.atoms)} patterns, "
        f"version {result.ruleset.version}"
    )
    return 0


def run_examples(ruleset: RuleSet) -> tuple[int, list[str]]:
    """Run every rule's examples: (how many ran, the failures as "file:line: ..." lines)."""
    failures = []
    ran = 0
    every: tuple[CompiledRule | ComposedRule, ...] = (*ruleset.rules, *ruleset.composed_rules)
    for rule in every:
        for text in rule.flag_examples:
            ran += 1
            if rule.id not in ruleset.evaluate(text).rule_ids:
                failures.append(f"{rule.source}: {rule.id}: should flag: {text!r}")
        for text in rule.pass_examples:
            ran += 1
            if rule.id in ruleset.evaluate(text).rule_ids:
                failures.append(f"{rule.source}: {rule.id}: should pass: {text!r}")
    return ran, failures


def cmd_test(args: argparse.Namespace, settings: Settings) -> int:
    """Run every rule's examples; exit 1 on any failure."""
    directory = _rules_dir(args, settings)
    result = load_rules(directory)
    if result.ruleset is None:
        _print_errors(result)
        return 1
    ran, failures = run_examples(result.ruleset)
    for failure in failures:
        print(failure)
    print(f"{ran - len(failures)} examples passed, {len(failures)} failed")
    return 1 if failures else 0


def cmd_schema(args: argparse.Namespace, settings: Settings) -> int:
    """Print the JSON Schema of a rule file."""
    schema = RuleFile.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Upstander rule file"
    print(json.dumps(schema, indent=2, sort_keys=True))
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    """Precision, recall, F1 and per-functionality accuracy on labelled JSONL files."""
    from bot.evaluation import evaluate_rows, format_report, read_rows

    ruleset = _load(_rules_dir(args, settings))
    if ruleset is None:
        return 2
    for name in args.files:
        try:
            report = evaluate_rows(ruleset, read_rows(Path(name)))
        except (OSError, ValueError) as exc:
            print(f"upstander eval: {exc}", file=sys.stderr)
            return 2
        if args.json:
            print(json.dumps({"file": name, **report.to_dict()}))
        else:
            print(format_report(name, report))
        if args.show_errors:
            for row in report.misses:
                print(f"  MISS {row.get('id')}: {row['text']!r}")
            for row in report.false_alarms:
                print(f"  FALSE {row.get('id')} {row.get('rules')}: {row['text']!r}")
    return 0


def cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    """Print engine throughput and latency figures."""
    from bot.enginebench import format_bench, run_bench

    result = run_bench(
        _rules_dir(args, settings), messages=args.messages, terms=args.terms, regexes=args.regexes
    )
    print(json.dumps(result.to_dict()) if args.json else format_bench(result))
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the engine commands."""
    check = sub.add_parser("check", help="show the verdict for one message")
    check.add_argument("text", help="the message ('-' reads stdin)")
    check.add_argument("--exit-code", action="store_true", help="exit 1 when flagged")
    check.set_defaults(handler=cmd_check)

    classify = sub.add_parser("classify", help="JSONL {id, text} on stdin -> verdicts on stdout")
    classify.set_defaults(handler=cmd_classify)

    rules = sub.add_parser("rules", help="lint, test or describe rule files")
    rules_sub = rules.add_subparsers(dest="rules_command", metavar="ACTION")
    rules_sub.required = True
    for name, handler, text in (
        ("lint", cmd_lint, "validate the rule files"),
        ("test", cmd_test, "run every rule's examples"),
    ):
        parser = rules_sub.add_parser(name, help=text)
        parser.add_argument("dir", nargs="?", help="rules directory (default UPSTANDER_RULES)")
        parser.set_defaults(handler=handler)
    schema = rules_sub.add_parser("schema", help="print the JSON Schema of a rule file")
    schema.set_defaults(handler=cmd_schema)

    evaluate = sub.add_parser("eval", help="detection quality on labelled JSONL files")
    evaluate.add_argument("files", nargs="+", metavar="FILE.jsonl")
    evaluate.add_argument("--json", action="store_true", help="one JSON summary per file")
    evaluate.add_argument("--show-errors", action="store_true", help="list misses and false alarms")
    evaluate.set_defaults(handler=cmd_eval)

    bench = sub.add_parser("bench", help="engine throughput and latency figures")
    bench.add_argument("--messages", type=int, default=200_000)
    bench.add_argument("--terms", type=int, default=10_000)
    bench.add_argument("--regexes", type=int, default=1_000)
    bench.add_argument("--json", action="store_true")
    bench.set_defaults(handler=cmd_bench)
