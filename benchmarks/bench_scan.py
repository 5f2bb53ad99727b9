"""Time `upstander scan` end to end on a generated export (default: 1M WhatsApp messages).

    .venv/bin/python benchmarks/bench_scan.py                    # 1M messages, WhatsApp
    .venv/bin/python benchmarks/bench_scan.py --format discord_json -n 200000
    .venv/bin/python benchmarks/bench_scan.py --rules rules      # the shipped rules instead

Writes the export with the project's generator, then runs the real command (read + engine +
policy + JSONL + HTML report) in a fresh child process, so the peak RSS printed is the scan's
own and not the generator's. Prints wall time, CPU time, messages/s and peak RSS.
A benchmark prints figures; tests assert behaviour.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from bot.scan import fixtures as fx
from bot.scan.synthetic import Synthetic, synthetic_chat

Writer = Callable[[Path, Iterable[Synthetic]], None]

WRITERS: dict[str, tuple[str, Writer]] = {
    "whatsapp": ("WhatsApp Chat with Team.txt", lambda p, e: fx.write_whatsapp(p, e, "android_us")),
    "discord_json": ("export.json", fx.write_discord_json),
    "discord_csv": ("export.csv", lambda p, e: fx.write_discord_csv(p, e, "us")),
    "slack": ("slack-export.zip", lambda p, e: fx.write_slack(p, e, as_zip=True)),
}

# A small rule set aimed at the generator's hostile lines, so a realistic share is flagged
# (about 0.5%) and the slow path and the policy are exercised, not only the fast scan.
BENCH_RULES = """\
rules:
  - id: bench.exclusion
    category: harassment
    subcategory: exclusion
    severity: medium
    match: {terms: ["nobody wants you", "just quit", "should not be allowed to work here"]}
    nudge: "Telling a colleague to leave the team is a personal attack."
  - id: bench.insult
    category: harassment
    subcategory: insult
    severity: low
    match: {terms: ["you are useless", "shut up", "idiot", "moron", "pathetic"]}
    nudge: "Name-calling a colleague lands harder than it sounds."
  - id: bench.grass
    category: retaliation
    subcategory: intimidation
    severity: medium
    match: {terms: ["grass", "snitch", "rat on"]}
    nudge: "Calling someone a grass for raising a concern discourages people from speaking up."
  - id: bench.threat
    category: violence
    subcategory: threat
    severity: critical
    match: {terms: ["break your legs", "i will hurt you", "watch your back"]}
    nudge: "Threats of violence are never acceptable, whatever the intent."
"""


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def _child_scan(export: Path, rules: Path, out: Path) -> dict[str, float]:
    """Run the scan in a child process; its wall time, CPU time and peak RSS."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bot", "scan", str(export), "--out", str(out), "--no-progress"],
        check=True,
        env={**os.environ, "UPSTANDER_RULES": str(rules)},
        cwd=out.parent,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # ru_maxrss of children is the largest child so far: the scan is the first and only one.
    return {"wall": wall, "cpu": cpu, "peak_rss_mib": after.ru_maxrss / 1024}


def _baseline_rss() -> float:
    """Peak RSS of a process that only imports the CLI and its commands (MiB)."""
    code = (
        "import resource; from bot.cli import build_parser; build_parser(); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout) / 1024


def main() -> None:
    """Generate the export, run the scan in a child process, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--format", choices=sorted(WRITERS), default="whatsapp")
    parser.add_argument("-n", type=int, default=1_000_000)
    parser.add_argument("--rules", type=Path, help="rules directory (default: the bench rules)")
    parser.add_argument("--keep", type=Path, help="copy the report and JSONL into this folder")
    args = parser.parse_args()
    name, write = WRITERS[args.format]
    with tempfile.TemporaryDirectory(prefix="upstander-bench-scan-") as tmp:
        folder = Path(tmp)
        rules = args.rules
        if rules is None:
            rules = folder / "rules"
            rules.mkdir()
            (rules / "bench.yaml").write_text(BENCH_RULES, encoding="utf-8")
        export = folder / name
        t0 = time.perf_counter()
        write(export, synthetic_chat(args.n))
        generated = time.perf_counter() - t0
        size_mb = _size(export) / 1e6
        report = folder / "report.html"
        figures = _child_scan(export, rules.resolve(), report)
        jsonl = report.with_suffix(".jsonl")
        summary = json.loads(jsonl.read_text(encoding="utf-8").splitlines()[-1])["summary"]
        html_mb = report.stat().st_size / 1e6
        jsonl_mb = jsonl.stat().st_size / 1e6
        if args.keep is not None:
            args.keep.mkdir(parents=True, exist_ok=True)
            for produced in (report, jsonl):
                produced.replace(args.keep / produced.name)
    messages = int(summary["messages"])
    print(f"format            {args.format}")
    print(f"messages          {messages:,} (asked {args.n:,}), export {size_mb:,.1f} MB")
    print(f"                  (generated in {generated:.1f} s)")
    print(f"flagged           {summary['flagged']:,}; cases {sum(summary['patterns'].values())}")
    print(f"wall time         {figures['wall']:.1f} s (child process, start-up included)")
    print(f"cpu time          {figures['cpu']:.1f} s")
    print(
        f"throughput        {messages / figures['wall']:,.0f} msg/s wall, "
        f"{messages / figures['cpu']:,.0f} msg/s per CPU second; "
        f"scan loop alone {summary['messages_per_second']:,.0f} msg/s"
    )
    print(
        f"peak RSS          {figures['peak_rss_mib']:.1f} MiB "
        f"(interpreter + imports alone: {_baseline_rss():.1f} MiB)"
    )
    print(f"outputs           report.html {html_mb:.1f} MB, report.jsonl {jsonl_mb:.1f} MB")


if __name__ == "__main__":
    main()
