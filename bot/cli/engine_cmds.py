"""Engine commands: check, classify, rules lint|test|schema, eval, bench. No token, no network."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bot.cli.explain import render_check, rules_line
from bot.engine import LoadResult, RuleSet, examples, load_rules
from bot.engine.cache import RulesCache
from bot.engine.schema import RuleFile
from bot.rules_location import INIT_HINT, copy_defaults, describe, is_packaged
from bot.settings import Settings


def _rules_dir(args: argparse.Namespace, settings: Settings) -> Path:
    given = getattr(args, "dir", None)
    return Path(given) if given else settings.rules


def load_cached(directory: Path, settings: Settings) -> LoadResult:
    """Load the rules through the on-disk cache of compiled rule sets."""
    return load_rules(directory, RulesCache(settings.cache_directory))


def _load(args: argparse.Namespace, settings: Settings) -> tuple[Path, RuleSet] | None:
    """The rules directory and its rule set, or None after printing the errors to stderr."""
    directory = _rules_dir(args, settings)
    result = load_cached(directory, settings)
    if result.ruleset is None:
        for error in result.errors:
            print(error, file=sys.stderr)
        source = " (UPSTANDER_RULES)" if "rules" in settings.model_fields_set else ""
        print(
            f"upstander: rules in {directory}{source} have {len(result.errors)} error(s)",
            file=sys.stderr,
        )
        return None
    return directory, result.ruleset


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    """Print a human-readable verdict for one message."""
    loaded = _load(args, settings)
    if loaded is None:
        return 2
    directory, ruleset = loaded
    text = args.text if args.text != "-" else sys.stdin.read()
    verdict = ruleset.evaluate(text)
    print("\n".join(render_check(text, verdict)))
    print(rules_line(directory, ruleset))
    return 1 if verdict.flagged and args.exit_code else 0


def cmd_classify(args: argparse.Namespace, settings: Settings) -> int:
    """JSONL in, JSONL out, one line per input in order (a contract: see README)."""
    loaded = _load(args, settings)
    if loaded is None:
        return 2
    directory, ruleset = loaded
    print(rules_line(directory, ruleset), file=sys.stderr)  # stdout is the JSONL contract
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
    """Validate the rule files and run their examples; exit 1 on any error or failure."""
    directory = _rules_dir(args, settings)
    result = load_cached(directory, settings)
    if result.ruleset is None:
        _print_errors(result)
        print(f"{len(result.errors)} error(s) in {describe(directory)}")
        return 1
    print(rules_line(directory, result.ruleset, result.cached))
    # The running bot refuses a reload whose examples fail, so lint refuses it too.
    ran, failures = run_examples(result.ruleset)
    for failure in failures:
        print(failure)
    if failures:
        print(f"{len(failures)} failing example(s) of {ran} in {describe(directory)}")
        return 1
    print(
        f"ok: {len(result.ruleset)} rules, {len(result.ruleset.matcher.atoms)} patterns, "
        f"{ran} examples pass, version {result.ruleset.version}"
    )
    flagged = examples.failing_must_pass(result.ruleset)
    if flagged:
        # Upheld false positives the rules still flag: to fix, but no reason to refuse a reload.
        print(f"note: {len(flagged)} must-pass example(s) still flagged; see `rules test`")
    if is_packaged(directory):
        print(INIT_HINT)
    return 0


def run_examples(ruleset: RuleSet) -> tuple[int, list[str]]:
    """Run every rule's examples: (how many ran, the failures as "file:line: ..." lines)."""
    ran, failures = examples.run_examples(ruleset)
    return ran, [str(f) for f in failures]


def cmd_test(args: argparse.Namespace, settings: Settings) -> int:
    """Run every rule's examples; exit 1 on any failure."""
    directory = _rules_dir(args, settings)
    result = load_cached(directory, settings)
    if result.ruleset is None:
        _print_errors(result)
        print(f"{len(result.errors)} error(s) in {describe(directory)}")
        return 1
    print(rules_line(directory, result.ruleset))
    ran, failures = run_examples(result.ruleset)
    # Local must-pass examples (local-examples.yaml: upheld false positives): no rule may flag.
    failures += [str(error) for _text, error in examples.failing_must_pass(result.ruleset)]
    ran += len(result.ruleset.must_pass)
    for failure in failures:
        print(failure)
    print(f"{ran - len(failures)} examples passed, {len(failures)} failed")
    return 1 if failures else 0


def cmd_init(args: argparse.Namespace, settings: Settings) -> int:
    """Copy the built-in rules into DIR for editing."""
    destination = Path(args.target)
    try:
        written = copy_defaults(destination)
    except (FileExistsError, NotADirectoryError) as exc:
        print(f"upstander rules init: {exc}; choose a new or empty directory", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"upstander rules init: cannot write {destination}: {exc.strerror}", file=sys.stderr)
        return 2
    print(f"copied the built-in rules to {destination} ({len(written)} files)")
    print(f"use them: UPSTANDER_RULES={destination} (in the environment or .env)")
    print(f"edit them: {destination / 'README.md'}; check them: upstander rules lint {destination}")
    return 0


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

    loaded = _load(args, settings)
    if loaded is None:
        return 2
    directory, ruleset = loaded
    print(rules_line(directory, ruleset), file=sys.stderr if args.json else sys.stdout)
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
    init = rules_sub.add_parser("init", help="copy the built-in rules into DIR to edit them")
    init.add_argument("target", metavar="DIR", help="a new or empty directory")
    init.set_defaults(handler=cmd_init)
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
