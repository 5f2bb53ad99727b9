"""`upstander scan FILE...`: run the rules and the escalation policy over exported chat histories.

    upstander scan "WhatsApp Chat with Team.txt"            # Markdown summary on stdout
    upstander scan export.json --out report.html            # report.html + report.jsonl
    upstander scan slack-export.zip --format jsonl > flagged.jsonl

No token and no network: the exports are read from disk and the report is written to disk.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot.engine import RuleSet, load_rules
from bot.engine.cache import RulesCache
from bot.policy import PolicyConfig, load_policy
from bot.scan import (
    ChatMessage,
    ExportFormatError,
    WarnFn,
    detect_format,
    merge_in_time_order,
    read_export,
)
from bot.scan.analyse import DEFAULT_CONTEXT, DEFAULT_KEEP, Scanner
from bot.scan.jsonl import JsonlWriter
from bot.scan.progress import Progress
from bot.scan.report_html import write_html
from bot.scan.report_md import render_md
from bot.settings import Settings

_SUFFIX_FORMATS = {
    ".html": "html",
    ".htm": "html",
    ".md": "md",
    ".txt": "md",
    ".jsonl": "jsonl",
    ".json": "jsonl",
}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `scan` command."""
    p = sub.add_parser(
        "scan",
        help="scan exported chat histories (Discord, WhatsApp, Slack) and write a report",
        description="Read DiscordChatExporter JSON/CSV, WhatsApp 'Export chat' .txt or Slack "
        "export folders/zips; run the rules and the escalation policy over them in time order; "
        "write a report. Without --out or --format, prints a Markdown summary.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="export file, folder or zip")
    p.add_argument(
        "--out", type=Path, help="write here (.html also writes the JSONL beside it: x.jsonl)"
    )
    p.add_argument("--format", choices=("html", "md", "jsonl"), help="output format")
    p.add_argument(
        "--context",
        type=int,
        default=DEFAULT_CONTEXT,
        metavar="N",
        help=f"messages shown before and after each flagged one (default {DEFAULT_CONTEXT})",
    )
    p.add_argument(
        "--keep",
        type=int,
        default=DEFAULT_KEEP,
        metavar="N",
        help=f"flagged messages kept in full for the report (default {DEFAULT_KEEP:,}); "
        "JSONL always has all of them",
    )
    p.add_argument("--rules", type=Path, help="rules directory (default: UPSTANDER_RULES)")
    progress = p.add_mutually_exclusive_group()
    progress.add_argument(
        "--progress",
        dest="progress",
        action="store_true",
        default=None,
        help="always show progress",
    )
    progress.add_argument("--no-progress", dest="progress", action="store_false")
    p.set_defaults(handler=cmd_scan)


@dataclass(frozen=True, slots=True)
class _Plan:
    """What to write where: the main format and path (None = stdout), and the JSONL path."""

    format: str
    out: Path | None
    jsonl: Path | None


def _plan(args: argparse.Namespace) -> _Plan:
    out: Path | None = args.out
    fmt: str | None = args.format
    if fmt is None:
        fmt = _SUFFIX_FORMATS.get(out.suffix.lower(), "html") if out is not None else "md"
    jsonl = None
    if fmt == "html" and out is not None:
        jsonl = out.with_suffix(".jsonl")
    elif fmt == "jsonl":
        jsonl = out
    return _Plan(fmt, out, jsonl)


def _fail(message: str) -> int:
    print(f"upstander scan: {message}", file=sys.stderr)
    return 2


def _load(directory: Path, cache: RulesCache) -> tuple[RuleSet, PolicyConfig] | str:
    rules = load_rules(directory, cache)
    if rules.ruleset is None:
        for error in rules.errors:
            print(error, file=sys.stderr)
        return f"rules in {directory} have {len(rules.errors)} error(s)"
    policy = load_policy(directory)
    if policy.config is None:
        for text in policy.errors:
            print(text, file=sys.stderr)
        return f"policy in {directory} has {len(policy.errors)} error(s)"
    return rules.ruleset, policy.config


@contextlib.contextmanager
def _jsonl_sink(plan: _Plan) -> Iterator[JsonlWriter | None]:
    """The JSONL writer: stdout, or a `.part` file renamed into place once the scan succeeds."""
    if plan.jsonl is None:
        if plan.format == "jsonl":
            yield JsonlWriter(sys.stdout)
        else:
            yield None
        return
    part = plan.jsonl.with_name(plan.jsonl.name + ".part")
    try:
        with part.open("w", encoding="utf-8") as f:
            yield JsonlWriter(f)
        part.replace(plan.jsonl)
    finally:
        part.unlink(missing_ok=True)


def _write_report(plan: _Plan, scanner: Scanner) -> None:
    result = scanner.result
    if plan.format == "jsonl":
        return
    target: TextIO
    if plan.out is None:
        target = sys.stdout
        if plan.format == "html":
            write_html(result, target)
        else:
            target.write(render_md(result))
        return
    part = plan.out.with_name(plan.out.name + ".part")
    try:
        with part.open("w", encoding="utf-8") as target:
            if plan.format == "html":
                write_html(result, target)
            else:
                target.write(render_md(result))
        part.replace(plan.out)
    finally:
        part.unlink(missing_ok=True)


def cmd_scan(args: argparse.Namespace, settings: Settings) -> int:
    """Scan the exports and write the report; exit 2 on an unreadable export or bad rules."""
    if args.context < 0 or args.keep < 0:
        return _fail("--context and --keep must not be negative")
    plan = _plan(args)
    try:
        # Detect every format first: a wrong file is reported before any work is done.
        for name in args.files:
            detect_format(name)
    except ExportFormatError as exc:
        return _fail(str(exc))
    loaded = _load(args.rules or settings.rules, RulesCache(settings.cache_directory))
    if isinstance(loaded, str):
        return _fail(loaded)
    ruleset, policy = loaded
    enabled = sys.stderr.isatty() if args.progress is None else bool(args.progress)
    progress = Progress(enabled)
    try:
        with _jsonl_sink(plan) as jsonl:
            scanner = Scanner(
                ruleset,
                policy,
                context=args.context,
                keep=args.keep,
                on_flagged=jsonl.write if jsonl is not None else None,
            )
            scanner.result.files = [str(f) for f in args.files]
            scanner.result.rules_dir = str(args.rules or settings.rules)
            streams = [read_export(f, warn=_warner(scanner, progress)) for f in args.files]
            _run(scanner, merge_in_time_order(streams), progress)
            progress.clear()
            result = scanner.finish(progress.elapsed())
            if jsonl is not None:
                jsonl.finish(result)
    except ExportFormatError as exc:
        progress.clear()
        return _fail(str(exc))
    except OSError as exc:
        progress.clear()
        name = exc.filename if exc.filename is not None else ""
        return _fail(f"{name}: {exc.strerror or exc}")
    _write_report(plan, scanner)
    print(
        f"upstander scan: {result.messages:,} messages, {result.flagged_total:,} flagged, "
        f"in {result.seconds:,.1f} s ({result.throughput:,.0f} messages/s)"
        + (f"; report in {plan.out}" if plan.out is not None else "")
        + (f", JSONL in {plan.jsonl}" if plan.jsonl is not None and plan.format == "html" else ""),
        file=sys.stderr,
    )
    return 0


def _run(scanner: Scanner, messages: Iterator[ChatMessage], progress: Progress) -> None:
    # The hot loop: keep it to the feed and a cheap progress tick.
    feed = scanner.feed
    result = scanner.result
    tick = progress.tick
    for message in messages:
        feed(message)
        tick(result.messages, result.flagged_total)


def _warner(scanner: Scanner, progress: Progress) -> WarnFn:
    def warn(message: str) -> None:
        progress.clear()
        print(f"upstander scan: warning: {message}", file=sys.stderr)
        scanner.warn(message)

    return warn
