"""Warm `classify` throughput over a JSONL file of real chat (the IRC dev set by default).

    flock /tmp/upstander-bench.lock .venv/bin/python benchmarks/bench_classify.py

Compiles the rules in `rules/` once, evaluates every text once to warm the caches, then times
5 rounds over all texts and prints the median round in messages per wall second and per second
of process CPU time, with the host's steal during the rounds. Run it from the checkout whose
engine you want to measure; compare two versions in the same sitting, alternating.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from bot.engine import load_rules
from bot.enginebench import _cpu_times, _steal_between


def main() -> None:
    """Print the figures for one file."""
    parser = argparse.ArgumentParser()
    parser.add_argument("file", nargs="?", default="../shared/data/irc.jsonl")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    result = load_rules(Path("rules"))
    assert result.ruleset is not None, [str(e) for e in result.errors]
    ruleset = result.ruleset
    with open(args.file, encoding="utf-8") as handle:
        texts = [json.loads(line)["text"] for line in handle if line.strip()]
    flagged = sum(ruleset.evaluate(text).flagged for text in texts)
    rounds = []
    cpu_before = _cpu_times()
    for _ in range(args.rounds):
        wall, cpu = time.perf_counter(), time.process_time()
        for text in texts:
            ruleset.evaluate(text)
        rounds.append((time.perf_counter() - wall, time.process_time() - cpu))
    steal = _steal_between(cpu_before, _cpu_times())
    wall = statistics.median(r[0] for r in rounds)
    cpu = statistics.median(r[1] for r in rounds)
    print(
        f"{args.file}: {len(texts)} messages, {flagged} flagged; "
        f"{len(texts) / wall:,.0f} msg/s (median of {args.rounds}), "
        f"{len(texts) / cpu:,.0f} per CPU second; steal "
        + (f"{steal:.1%}" if steal is not None else "unknown")
    )


if __name__ == "__main__":
    main()
