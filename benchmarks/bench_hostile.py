"""Time the engine on hostile messages with the shipped rules: the worst case per kind.

    .venv/bin/python benchmarks/bench_hostile.py [--rounds 50] [--rules rules]

Each kind (4,000-character messages, 10k zero-width characters, zalgo, mixed RTL, lone
surrogates, 150 mentions, one-letter words...) carries a flagged payload, so both the clean and
the flagged paths do their full work. Prints median and worst milliseconds per kind, and the
same for an ordinary one-line message for scale. A benchmark prints figures; tests assert.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.engine import load_rules
from tests.reliability.hostile import catalogue


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--rules", type=Path, default=Path("rules"))
    args = parser.parse_args()

    loaded = load_rules(args.rules)
    if loaded.ruleset is None:
        sys.exit("\n".join(map(str, loaded.errors)))
    ruleset = loaded.ruleset
    payload = next(e for rule in ruleset.rules for e in rule.flag_examples)
    texts = {"ordinary": "can someone review my PR before standup?"}
    texts |= catalogue(payload, [123456789012345678, 223456789012345678])
    ruleset.evaluate("warm up")

    print(f"{len(ruleset.rules)} rules from {args.rules}, {args.rounds} rounds per kind")
    print(f"{'kind':<18} {'chars':>6} {'median ms':>10} {'worst ms':>9} {'flagged':>8}")
    worst_of_all = ("", 0.0)
    for kind, text in texts.items():
        times = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            verdict = ruleset.evaluate(text)
            times.append(time.perf_counter() - start)
        worst = max(times)
        if worst > worst_of_all[1]:
            worst_of_all = (kind, worst)
        print(
            f"{kind:<18} {len(text):>6} {statistics.median(times) * 1000:>10.3f} "
            f"{worst * 1000:>9.3f} {verdict.flagged!s:>8}"
        )
    print(f"worst case: {worst_of_all[0]} {worst_of_all[1] * 1000:.2f} ms")


if __name__ == "__main__":
    main()
