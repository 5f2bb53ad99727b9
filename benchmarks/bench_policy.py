"""Micro-benchmark of the policy's `decide` (and the store diff after it) by remembered records.

    .venv/bin/python benchmarks/bench_policy.py                 # 1,600 and 20,000 records
    .venv/bin/python benchmarks/bench_policy.py --records 20000 --events 2000 --days 5

For each size, a state holding that many flagged records (spread over the last `--days` days,
`--members` authors in `--channels` channels, a tenth naming another member) takes `--events`
new flagged messages in a row, one second apart, through `decide` with the real policy file:
"plain" prunes and counts over every record (`decide(..., indexed=False)`, the code before the
index), "indexed" is what the bot runs. Each decision's state is the next one's, so the record cap
drops the oldest record at every step at 20,000, as it would in a full guild.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.engine.verdict import Addressee, Hit, Severity, Verdict
from bot.policy import PolicyConfig, PolicyEvent, PolicyState, Routing, decide
from bot.policy.persist import diff
from bot.policy.state import HitRecord, Offence

HERE = Path(__file__).resolve().parent
ROUTING = Routing(moderator_user_id=1, moderator_channel_id=2, reviewer_user_id=3)
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
GUILD = 10


def _hit(rng: random.Random) -> Hit:
    severity = rng.choice(("low", "medium", "medium", "high"))
    return Hit(
        rule_id=f"bench.insult.{severity}",
        category="harassment",
        subcategory="insult",
        severity=Severity.parse(severity),
        start=0,
        end=4,
        text="xxxx",
        nudge="Please keep it civil.",
    )


def base_state(records: int, args: argparse.Namespace, rng: random.Random) -> PolicyState:
    """A state remembering `records` flagged messages over the last `args.days` days."""
    span = timedelta(days=args.days).total_seconds()
    out: list[HitRecord] = []
    for n in range(records):
        at = NOW - timedelta(seconds=span * (records - n) / records)
        author = 1000 + rng.randrange(args.members)
        targets = (1000 + rng.randrange(args.members),) if rng.random() < 0.1 else ()
        hit = _hit(rng)
        out.append(
            HitRecord(
                key=f"message:{n}:0",
                kind="message",
                message_id=n,
                guild_id=GUILD,
                channel_id=100 + rng.randrange(args.channels),
                author_id=author,
                at=at,
                offences=(Offence(hit.category, hit.subcategory, hit.severity, hit.rule_id),),
                targets=tuple(t for t in targets if t != author),
            )
        )
    seen = {r.key: r.at for r in out}
    return PolicyState(records=tuple(out), seen=seen)


def events(count: int, args: argparse.Namespace, rng: random.Random) -> list[PolicyEvent]:
    """`count` new flagged messages, one second apart from NOW."""
    out = []
    for n in range(count):
        author = 1000 + rng.randrange(args.members)
        mentions = (1000 + rng.randrange(args.members),) if rng.random() < 0.1 else ()
        verdict = Verdict(hits=(_hit(rng),), addressee=Addressee(mentions=mentions))
        out.append(
            PolicyEvent.from_verdict(
                message_id=10_000_000 + n,
                guild_id=GUILD,
                channel_id=100 + rng.randrange(args.channels),
                author_id=author,
                at=NOW + timedelta(seconds=n + 1),
                verdict=verdict,
            )
        )
    return out


def measure(
    state: PolicyState, todo: list[PolicyEvent], config: PolicyConfig, indexed: bool
) -> tuple[list[float], list[float]]:
    """Milliseconds per `decide` and per `diff` after it, chaining the states."""
    decide_ms: list[float] = []
    diff_ms: list[float] = []
    for event in todo:
        start = time.perf_counter_ns()
        new, _ = decide(state, event, config, event.at, routing=ROUTING, indexed=indexed)
        middle = time.perf_counter_ns()
        diff(state, new)
        end = time.perf_counter_ns()
        decide_ms.append((middle - start) / 1e6)
        diff_ms.append((end - middle) / 1e6)
        state = new
    return decide_ms, diff_ms


def _pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000)[int(q * 1000) - 1] if len(values) > 1 else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, nargs="+", default=[1600, 20000])
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--days", type=float, default=30.0, help="span of the remembered records")
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--channels", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    from bot.policy import load_policy

    config = load_policy(HERE.parent / "rules").config
    assert config is not None, "rules/policy.yaml did not load"
    print(
        f"decide (and the store diff after it) per flagged message, {args.events} in a row; "
        f"records over {args.days:g} days, {args.members} members, {args.channels} channels"
    )
    for size in args.records:
        for label, indexed in (("plain", False), ("indexed", True)):
            rng = random.Random(args.seed)
            state = base_state(size, args, rng)
            todo = events(args.events, args, rng)
            # The first decision builds the index, as the bot's first one after loading does.
            state, _ = decide(state, todo[0], config, todo[0].at, routing=ROUTING, indexed=indexed)
            gc.collect()
            decide_ms, diff_ms = measure(state, todo[1:], config, indexed)
            decide_p50, diff_p50 = statistics.median(decide_ms), statistics.median(diff_ms)
            print(
                f"  {size:>6} records  {label:<8} decide p50 {decide_p50:7.3f} ms"
                f"  p99 {_pct(decide_ms, 0.99):7.3f} ms   diff p50 {diff_p50:6.3f} ms"
                f"  p99 {_pct(diff_ms, 0.99):6.3f} ms"
            )


if __name__ == "__main__":
    main()
