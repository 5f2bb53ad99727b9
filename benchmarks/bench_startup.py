"""Start-up with and without the compiled-rules cache: `upstander check` end to end, and the
bot's rule load (`LiveRules.load_initial`, rules and policy, as `upstander run` does it).

Each figure is a fresh process. Cold: an empty cache directory (the rules are compiled and the
cache written). Warm: the cache filled by the cold run. Prints the median and the range.

    flock /tmp/upstander-bench.lock .venv/bin/python benchmarks/bench_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UPSTANDER = Path(sys.executable).with_name("upstander")
LOAD = """
import sys, time
from pathlib import Path
started = time.perf_counter()
from bot.engine.cache import RulesCache
from bot.services import LiveRules
rules = LiveRules(Path(sys.argv[1]), RulesCache(Path(sys.argv[2])))
assert not rules.load_initial()
print(time.perf_counter() - started)
"""


def _env(cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UPSTANDER_")}
    env["UPSTANDER_CACHE_DIR"] = str(cache)
    return env


def _check(rules: Path, cache: Path) -> float:
    """Seconds for one `upstander check` process, start to exit."""
    started = time.perf_counter()
    subprocess.run(
        [str(UPSTANDER), "check", "hello team, standup in 10"],
        env={**_env(cache), "UPSTANDER_RULES": str(rules)},
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def _load(rules: Path, cache: Path) -> float:
    """Seconds the bot's rule load takes in a fresh process (imports included)."""
    done = subprocess.run(
        [sys.executable, "-c", LOAD, str(rules), str(cache)],
        env=_env(cache),
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return float(done.stdout.strip().splitlines()[-1])


def _figures(name: str, measure: object, rules: Path, runs: int) -> None:
    cold, warm = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="upstander-cache-") as scratch:
            cache = Path(scratch)
            cold.append(measure(rules, cache))  # type: ignore[operator]
            warm.append(measure(rules, cache))  # type: ignore[operator]
    for label, values in (("cold", cold), ("warm", warm)):
        print(
            f"{name:<28} {label}: median {statistics.median(values):6.2f} s "
            f"(range {min(values):.2f}-{max(values):.2f} s, {len(values)} runs)"
        )


def main() -> None:
    """Print cold and warm start-up figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rules", type=Path, default=ROOT / "rules")
    args = parser.parse_args()
    print(f"rules {args.rules}; {os.cpu_count()} CPUs; Python {sys.version.split()[0]}")
    _figures("upstander check (process)", _check, args.rules, args.runs)
    _figures("bot rule load (LiveRules)", _load, args.rules, args.runs)


if __name__ == "__main__":
    main()
