"""`upstander bench`: engine throughput and latency on synthetic chat with a large rule set.

The synthetic rule set adds 10,000 generated terms and 1,000 generated regexes to the rules
directory's own files; messages are 5-40 common words, about 1% carrying a generated term.
Figures are printed, never asserted: speed targets live here, not in the test suite.
"""

from __future__ import annotations

import json
import random
import resource
import string
import time
from dataclasses import dataclass
from pathlib import Path

from bot.engine import RuleSet, compile_files
from bot.engine.loader import rule_files
from bot.engine.normalise import fold

_COMMON = (
    "the build is green again after the merge so we can ship the release this afternoon "
    "can someone review my pull request before lunch thanks standup moved to ten tomorrow "
    "coffee anyone the printer on floor two is jammed again who broke the staging deploy "
    "meeting notes are in the doc please add your updates before friday great job everyone "
    "the client loved the demo and wants a follow up next week I will be late traffic is bad "
    "does anyone know why the tests are flaky on ci let us pair on it after the retro today "
    "happy birthday have a lovely day off see you all on monday the wifi keeps dropping out"
).split()


ROUNDS = 5


def _pseudo_word(rng: random.Random) -> str:
    # Consonant-heavy words that do not occur in ordinary chat, so hits are only the planted ones.
    return "".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(rng.randint(6, 9)))


@dataclass
class BenchResult:
    """Figures printed by `upstander bench`."""

    messages: int
    seconds: float
    per_second: float
    best_per_second: float
    cpu_per_second: float  # messages per second of this process's CPU time (median round)
    steal: float | None  # share of the machine's CPU time the host took during the rounds
    p50_us: float
    p99_us: float
    raw_matcher_per_second: float
    compile_seconds: float
    rules: int
    atoms: int
    flagged: int
    rss_before_mb: float
    rss_after_mb: float

    def to_dict(self) -> dict[str, float | int]:
        """JSON-ready form."""
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in self.__dict__.items()}


def synthetic_rules(rng: random.Random, terms: int, regexes: int) -> tuple[str, list[str]]:
    """A YAML rule file with `terms` generated terms and `regexes` generated regexes (either
    may be 0: `--terms 0 --regexes 0` measures the shipped rules alone)."""
    words = sorted({_pseudo_word(rng) for _ in range(terms * 2)})[:terms]
    regex_list = [
        rf"\b{_pseudo_word(rng)[:4]}[0-9]{{2,4}}{rng.choice(string.ascii_lowercase)}\b"
        for _ in range(regexes)
    ]
    rule = ["    category: harassment", "    subcategory: insult", "    severity: low"]
    lines = ["rules: []"] if not (words or regex_list) else ["rules:"]
    if words:
        lines += ["  - id: bench.terms", *rule, "    match:", "      terms:"]
        lines += [f"        - {w}" for w in words]
        lines.append("    nudge: 'A generated benchmark term.'")
    if regex_list:
        lines += ["  - id: bench.regex", *rule, "    match:", "      regex:"]
        lines += [f"        - {json.dumps(r)}" for r in regex_list]
        lines.append("    nudge: 'A generated benchmark regex.'")
    return "\n".join(lines) + "\n", words


def synthetic_messages(
    rng: random.Random, count: int, planted: list[str], rate: float
) -> list[str]:
    """Chat-like messages of 5-40 words; `rate` of them carry one planted term."""
    out = []
    for _ in range(count):
        words = [rng.choice(_COMMON) for _ in range(rng.randint(5, 40))]
        if planted and rng.random() < rate:
            words[rng.randrange(len(words))] = rng.choice(planted)
        out.append(" ".join(words))
    return out


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_times() -> list[int] | None:
    """The machine's CPU time counters from /proc/stat (Linux), or None."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = stat.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu" or len(fields) < 9:
        return None
    return [int(value) for value in fields[1:9]]  # user nice system idle iowait irq softirq steal


def _steal_between(before: list[int] | None, after: list[int] | None) -> float | None:
    """Steal time (the hypervisor running someone else on our CPUs) as a share of all CPU time:
    a figure that explains a slow run on a shared virtual machine."""
    if before is None or after is None:
        return None
    total = sum(after) - sum(before)
    return (after[7] - before[7]) / total if total > 0 else None


def build_bench_ruleset(
    rules_dir: Path, terms: int, regexes: int, seed: int
) -> tuple[RuleSet, list[str], float]:
    """The rules directory's files plus the synthetic file, compiled; and the compile time."""
    rng = random.Random(seed)
    synthetic, planted = synthetic_rules(rng, terms, regexes)
    files = {str(p): p.read_text(encoding="utf-8") for p in rule_files(rules_dir)}
    files["<bench>"] = synthetic
    started = time.perf_counter()
    result = compile_files(files)
    compile_seconds = time.perf_counter() - started
    if result.ruleset is None:
        raise RuntimeError("bench rules failed to load: " + "; ".join(map(str, result.errors)))
    return result.ruleset, planted, compile_seconds


def run_bench(
    rules_dir: Path,
    messages: int = 200_000,
    terms: int = 10_000,
    regexes: int = 1_000,
    hit_rate: float = 0.01,
    seed: int = 7,
) -> BenchResult:
    """Compile, then time `evaluate` over synthetic messages (throughput, then latency)."""
    rss_before = _rss_mb()
    ruleset, planted, compile_seconds = build_bench_ruleset(rules_dir, terms, regexes, seed)
    texts = synthetic_messages(random.Random(seed + 1), messages, planted, hit_rate)
    evaluate = ruleset.evaluate
    for text in texts[:2000]:  # warm the folding cache and allocator
        evaluate(text)
    # Shared machines are noisy: time several rounds, report the median and the best, and the
    # CPU time, which leaves out the time the host gave our CPU to someone else.
    rounds = []
    cpu_rounds = []
    flagged = 0
    cpu_before = _cpu_times()
    for _ in range(ROUNDS):
        flagged = 0
        started, cpu_started = time.perf_counter(), time.process_time()
        for text in texts:  # a plain loop: a generator would add its own cost per message
            if evaluate(text).flagged:
                flagged += 1
        rounds.append(time.perf_counter() - started)
        cpu_rounds.append(time.process_time() - cpu_started)
    steal = _steal_between(cpu_before, _cpu_times())
    rounds.sort()
    cpu_rounds.sort()
    seconds = rounds[len(rounds) // 2]
    sample = texts[: min(len(texts), 50_000)]
    latencies = []
    clock = time.perf_counter_ns
    for text in sample:
        t0 = clock()
        evaluate(text)
        latencies.append(clock() - t0)
    latencies.sort()
    scan = ruleset.matcher.raw_scan
    raw = [fold(t).encode("utf-8") for t in texts]
    raw_started = time.perf_counter()
    for data in raw:
        scan(data)
    raw_seconds = time.perf_counter() - raw_started
    return BenchResult(
        messages=len(texts),
        seconds=seconds,
        per_second=len(texts) / seconds,
        best_per_second=len(texts) / rounds[0],
        cpu_per_second=len(texts) / cpu_rounds[len(cpu_rounds) // 2],
        steal=steal,
        p50_us=latencies[len(latencies) // 2] / 1000,
        p99_us=latencies[int(len(latencies) * 0.99)] / 1000,
        raw_matcher_per_second=len(raw) / raw_seconds,
        compile_seconds=compile_seconds,
        rules=len(ruleset),
        atoms=len(ruleset.matcher.atoms),
        flagged=flagged,
        rss_before_mb=rss_before,
        rss_after_mb=_rss_mb(),
    )


def format_bench(result: BenchResult) -> str:
    """Human-readable figures."""
    ratio = result.per_second / result.raw_matcher_per_second
    return "\n".join(
        [
            f"rules {result.rules}, patterns {result.atoms} "
            f"(compiled in {result.compile_seconds:.2f} s)",
            f"messages {result.messages}, flagged {result.flagged}",
            f"throughput {result.per_second:,.0f} msg/s on one core, median of {ROUNDS} rounds "
            f"({result.seconds:.2f} s for {result.messages} messages); "
            f"best round {result.best_per_second:,.0f} msg/s",
            f"per CPU second {result.cpu_per_second:,.0f} msg/s (median round, process CPU time); "
            + (
                f"host steal during the rounds {result.steal:.1%} of the machine's CPU time"
                if result.steal is not None
                else "host steal unknown (no /proc/stat)"
            ),
            f"latency p50 {result.p50_us:.1f} us, p99 {result.p99_us:.1f} us per message",
            f"raw matcher alone (prepared folded bytes, one first-pass Hyperscan scan): "
            f"{result.raw_matcher_per_second:,.0f} msg/s; full verdict is {ratio:.2f}x of it",
            f"peak RSS {result.rss_before_mb:.0f} MB before compile, "
            f"{result.rss_after_mb:.0f} MB after",
        ]
    )
