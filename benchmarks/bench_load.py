"""Load benchmark: `upstander run` in its own process, driven by fakediscord over a websocket.

Run: .venv/bin/python benchmarks/bench_load.py [--rate 1000] [--seconds 60] [--seed 1]
(the default is a 5-second smoke run). Prints figures; asserts nothing, except that it says
plainly when a flagged message does not have exactly one incident and one audit entry.

What is measured, and from where:
* "sent": fakediscord (this process) has written the event to the bot's websocket;
* "decision" / "stored": probes in the bot process (see load_probe.py) — the engine's or the
  policy's decision, and the commit of the incident with its audit entry;
  both ends read CLOCK_MONOTONIC, which is system-wide, so event → decision is one subtraction.
* CPU and RSS of the bot process from /proc; backlog = events sent − events handled.
The DMs the bot sends and every other REST call are answered by the same fake server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import discord

from benchmarks.load_stats import (
    backlog_series,
    cpu_seconds,
    percentiles,
    read_probes,
    rss_kib,
    stall_summary,
)
from tests.fakediscord import FakeChannel, FakeDiscord, FakeUser

HERE = Path(__file__).resolve().parent
SLUR, INSULT = "zorblax", "gronk"  # invented words: the benchmark ships no real slurs
RULES = f"""\
rules:
  - id: bench.slur
    category: discrimination
    subcategory: racism
    severity: high
    match:
      terms: [{SLUR}]
    nudge: Slurs hurt colleagues, even when meant as a joke.
  - id: bench.insult
    category: harassment
    subcategory: bullying
    severity: medium
    match:
      terms: [{INSULT}]
    nudge: Name-calling wears colleagues down, even as banter.
"""
POLICY = "policy:\n  version: 1\n  nudge:\n    cooldown_minutes: 0\n"
ORDINARY = [
    "morning all, standup in five",
    "can someone review my pull request when they have a minute?",
    "the build is green again, thanks for the quick fix",
    "lunch at the usual place?",
    "I'll be out this afternoon, ping me by email if it's urgent",
    "great demo today, the customer loved the new dashboard",
    "does anyone know why the staging deploy is stuck?",
    "reminder: retro notes are in the shared folder",
    "that bug was a real monster, glad it's gone",
    "please update the ticket when you pick it up",
    "coffee machine on the third floor is fixed",
    "who's on call this weekend?",
]


class Traffic:
    """A seeded mix of creates (2% flagged), edits and deletes over recent messages."""

    def __init__(self, seed: int, flagged: float, edits: float, deletes: float) -> None:
        self.rng = random.Random(seed)
        self.flagged, self.edits, self.deletes = flagged, edits, deletes
        self.recent: deque[tuple[dict[str, Any], bool]] = deque(maxlen=5000)
        self.expected: set[tuple[int, int]] = set()  # (message id, version) to be incidents

    def text(self, flagged: bool) -> str:
        """An ordinary sentence, with an offending word in it when `flagged`."""
        line = f"{self.rng.choice(ORDINARY)} #{self.rng.randrange(10_000)}"
        return f"{line} {self.rng.choice((SLUR, INSULT))}" if flagged else line

    def next(self) -> tuple[str, dict[str, Any] | None, str | None, bool]:
        """(kind, message to act on or None for a create, new text, flagged)."""
        roll = self.rng.random()
        if self.recent and roll < self.edits:
            message, was_flagged = self.recent.popleft()  # each message is edited at most once
            flagged = was_flagged or self.rng.random() < 0.1  # some edits make it offensive
            if flagged and not was_flagged:
                self.expected.add((int(message["id"]), 1))
            return "edit", message, self.text(flagged), flagged
        if self.recent and roll < self.edits + self.deletes:
            message, was_flagged = self.recent.pop()
            return "delete", message, None, was_flagged
        flagged = self.rng.random() < self.flagged
        return "create", None, self.text(flagged), flagged


async def inject(
    server: FakeDiscord,
    channels: list[FakeChannel],
    members: list[FakeUser],
    traffic: Traffic,
    rate: float,
    seconds: float,
) -> dict[tuple[str, int], int]:
    """Send events at `rate`/s for `seconds`; returns when each was written to the socket."""
    sent: dict[tuple[str, int], int] = {}
    total, start, rng = int(rate * seconds), time.monotonic(), traffic.rng
    for i in range(total):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)  # behind schedule: send at once, do not sleep
        kind, message, text, flagged = traffic.next()
        if kind == "create":
            assert text is not None
            channel, author = rng.choice(channels), rng.choice(members)
            message = await server.post_message(channel, author, text)
            traffic.recent.append((message, flagged))
            if flagged:
                traffic.expected.add((int(message["id"]), 0))
        elif kind == "edit":
            assert message is not None and text is not None
            await server.edit_message(message, text)
        else:
            assert message is not None
            await server.delete_message(message)
        sent[(kind, int(message["id"]))] = time.monotonic_ns()
    return sent


def _environment(
    server: FakeDiscord,
    work: Path,
    guild_id: int,
    mod: int,
    mods: int,
    profile: bool,
    stalls: bool,
    gc_freeze: bool,
    gc_default: bool,
    gc_thresholds: str,
) -> dict[str, str]:
    rules = work / "rules"
    rules.mkdir()
    (rules / "bench.yaml").write_text(RULES, encoding="utf-8")
    policy = POLICY
    if os.environ.get("BENCH_MAX_RECORDS"):
        policy += f"  alerts:\n    max_records: {int(os.environ['BENCH_MAX_RECORDS'])}\n"
    (rules / "policy.yaml").write_text(policy, encoding="utf-8")
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(work),
        "PYTHONPATH": str(HERE.parent),
        "DISCORD_TOKEN": server.token,
        "UPSTANDER_DISCORD_API_BASE": server.api_base,
        "UPSTANDER_DISCORD_GATEWAY": server.gateway_url,
        "UPSTANDER_RULES": str(rules),
        "UPSTANDER_DATABASE": str(work / "upstander.db"),
        "UPSTANDER_GUILD_IDS": str(guild_id),
        "UPSTANDER_MODERATOR_USER_ID": str(mod),
        "UPSTANDER_MODERATOR_CHANNEL_ID": str(mods),
        "UPSTANDER_LOG_LEVEL": "WARNING",
        "UPSTANDER_BENCH_PROBES": str(work / "probes.txt"),
        **({"UPSTANDER_BENCH_PROFILE": str(work / "bot.prof")} if profile else {}),
        **({"UPSTANDER_BENCH_STALLS": "1"} if stalls else {}),
        **({"UPSTANDER_BENCH_GC_FREEZE": "1"} if gc_freeze else {}),
        **({"UPSTANDER_BENCH_GC_DEFAULT": "1"} if gc_default else {}),
        **({"UPSTANDER_BENCH_GC_THRESHOLDS": gc_thresholds} if gc_thresholds else {}),
        **(
            {"UPSTANDER_BENCH_TRACEMALLOC": os.environ["BENCH_TRACEMALLOC"]}
            if os.environ.get("BENCH_TRACEMALLOC")
            else {}
        ),
        # Experiments with the bot's environment: BENCH_ENV_MALLOC_ARENA_MAX=2 → MALLOC_ARENA_MAX=2.
        **{
            k.removeprefix("BENCH_ENV_"): v
            for k, v in os.environ.items()
            if k.startswith("BENCH_ENV_")
        },
        **(
            {"UPSTANDER_BENCH_SWITCH": os.environ["BENCH_SWITCH"]}
            if os.environ.get("BENCH_SWITCH")
            else {}
        ),
    }


async def run(args: argparse.Namespace, work: Path) -> None:
    """Start everything, drive the load, stop the bot cleanly, print the figures."""
    async with FakeDiscord(token="bench-token") as server:
        guild = server.add_guild("Workplace")
        channels = [server.add_text_channel(guild, f"team-{n}") for n in range(args.channels)]
        mods_channel = server.add_text_channel(guild, "moderators")
        role = server.add_role(
            guild, "Mods", permissions=discord.Permissions(moderate_members=True).value
        )
        mod = server.add_member(guild, "mod", roles=[role])
        members = [server.add_member(guild, f"member{n}") for n in range(args.members)]
        sentinel = server.add_member(guild, "last-word")
        env = _environment(
            server,
            work,
            guild.id,
            mod.id,
            mods_channel.id,
            args.profile,
            args.stalls,
            args.gc_freeze,
            args.gc_default,
            args.gc_thresholds,
        )
        log = (work / "bot.log").open("wb")
        bot = subprocess.Popen(
            [sys.executable, str(HERE / "load_probe.py")],
            env=env,
            cwd=work,
            stdout=log,
            stderr=log,
        )
        try:
            await server.wait_until_identified(timeout=60)
            await asyncio.sleep(1.0)  # let start-up work (command sync, first GC) settle
            traffic = Traffic(args.seed, args.flagged, args.edits, args.deletes)
            before = (rss_kib(bot.pid), cpu_seconds(bot.pid), time.monotonic_ns())
            samples: list[tuple[float, int]] = []

            async def sample() -> None:
                while True:
                    await asyncio.sleep(1.0)
                    samples.append(((time.monotonic_ns() - before[2]) / 1e9, rss_kib(bot.pid)))

            sampler = asyncio.create_task(sample())
            sent = await inject(server, channels, members, traffic, args.rate, args.seconds)
            injected_ns = time.monotonic_ns()
            # A last flagged message: its nudge arriving means the queue ahead of it is through.
            await server.post_message(channels[0], sentinel, f"last one {SLUR}")
            await server.wait_for_dm(sentinel, timeout=120)
            drained_ns = time.monotonic_ns()
            sampler.cancel()
            after = (rss_kib(bot.pid), cpu_seconds(bot.pid), time.monotonic_ns())
            bot.send_signal(signal.SIGTERM)
            code = await asyncio.to_thread(bot.wait, 60)
        finally:
            if bot.poll() is None:
                bot.kill()
            log.close()
        report(
            args, work, server, traffic, sent, before, after, samples, injected_ns, drained_ns, code
        )


def report(
    args: argparse.Namespace,
    work: Path,
    server: FakeDiscord,
    traffic: Traffic,
    sent: dict[tuple[str, int], int],
    before: tuple[int, float, int],
    after: tuple[int, float, int],
    samples: list[tuple[float, int]],
    injected_ns: int,
    drained_ns: int,
    code: int,
) -> None:
    """Print the figures and the consistency check."""
    with (work / "sent.txt").open("w", encoding="ascii") as out:  # for later analysis
        out.writelines(f"{k} {m} {t}\n" for (k, m), t in sent.items())
    probes, rusage = read_probes(work / "probes.txt")
    by_key = {(p.kind, p.message_id): p for p in probes}
    matched = [(k, t, by_key[k]) for k, t in sent.items() if k in by_key]
    wall = (after[2] - before[2]) / 1e9
    kinds = {k: sum(1 for (kind, _) in sent if kind == k) for k in ("create", "edit", "delete")}
    print(
        f"load: {len(sent)} events in {(injected_ns - before[2]) / 1e9:.1f} s "
        f"(target {args.rate:g}/s × {args.seconds:g} s): {kinds}"
    )
    print(
        f"handled by the bot: {len(matched)} of {len(sent)} "
        f"({len(probes)} probe records incl. the sentinel); bot exit code {code}"
    )
    print(
        f"drain after the last event: {(drained_ns - injected_ns) / 1e6:.0f} ms "
        "(sentinel message → its nudge DM received)"
    )
    print("\nlatency, event sent → decision:")
    for kind in ("create", "edit", "delete"):
        rows = [p.decision - t for (k, _), t, p in matched if k == kind]
        print(f"  {kind:<7} {percentiles(rows)}")
    print(f"  all     {percentiles([p.decision - t for _, t, p in matched])}")
    flagged = [(t, p) for (k, _), t, p in matched if k == "create" and p.decided]
    print("\nflagged messages (creates), event sent →")
    print(f"  decision        {percentiles([p.decided - t for t, p in flagged])}")
    print(f"  stored incident {percentiles([p.stored - t for t, p in flagged if p.stored])}")
    later = [p.stored - t for (k, _), t, p in matched if k != "create" and p.stored]
    print("  (incident + its audit entry: one transaction)")
    print(f"edits/deletions of flagged messages, sent → stored: {percentiles(later)}")
    print(
        f"\nbot CPU: {after[1] - before[1]:.2f} s over {wall:.1f} s "
        f"= {100 * (after[1] - before[1]) / wall:.0f}% of one core; {rusage}"
    )
    bench = resource.getrusage(resource.RUSAGE_SELF)
    print(f"this process (fake Discord + injector): {bench.ru_utime + bench.ru_stime:.1f} s CPU")
    print(
        f"bot RSS: before {before[0] / 1024:.1f} MiB, after {after[0] / 1024:.1f} MiB "
        f"(Δ {(after[0] - before[0]) / 1024:+.1f} MiB)"
    )
    half = [kib for t, kib in samples if t >= wall / 2]
    if half:
        print(
            f"  second half of the run: min {min(half) / 1024:.1f} / max {max(half) / 1024:.1f} MiB"
        )
    step = max(1.0, args.seconds / 12)
    marks = [(t, kib) for t, kib in samples if int(t / step) != int((t - 1.0) / step)]
    print(
        f"  RSS every ~{step:g} s: " + ", ".join(f"{t:.0f}s:{kib / 1024:.1f}" for t, kib in marks)
    )
    series = backlog_series(sent.values(), [p.done for *_, p in matched], before[2], step)
    print(
        f"\nbacklog (sent − handled) every {step:g} s: "
        + ", ".join(f"{t:.0f}s:{s - h}" for t, s, h in series)
    )
    stalls = stall_summary(work / "probes.txt", before[2], after[2])
    if stalls:
        print(f"\n{stalls}")
    grew = [
        line[2:]
        for line in (work / "probes.txt").read_text().splitlines()
        if line.startswith("# grew")
    ]
    if grew:
        print("\nallocations kept during the load (tracemalloc, by line):\n  " + "\n  ".join(grew))
    check(work, traffic, server)


def check(work: Path, traffic: Traffic, server: FakeDiscord) -> None:
    """Exactly one incident and one detection audit entry per flagged message; audit verify."""
    with sqlite3.connect(work / "upstander.db") as conn:
        incidents = conn.execute("SELECT message_id, version FROM incidents").fetchall()
        detections = conn.execute(
            "SELECT details FROM audit_log WHERE action = 'detection'"
        ).fetchall()
    audited = [json.loads(d) for (d,) in detections]
    audited_keys = [(int(d["message"]), int(d["version"])) for d in audited]
    expected = traffic.expected
    found = [tuple(r) for r in incidents]
    extra = set(found) - expected
    print(
        f"\nflagged messages: {len(expected)}; incidents: {len(found)} "
        f"(one sentinel expected extra: {len(extra)})"
    )
    missing = expected - set(found)
    doubled = len(found) - len(set(found))
    audit_doubled = len(audited_keys) - len(set(audited_keys))
    audit_missing = expected - set(audited_keys)
    ok = not missing and not doubled and not audit_doubled and not audit_missing and len(extra) == 1
    print(
        f"  missing incidents {len(missing)}, duplicated {doubled}; detection audit entries "
        f"{len(audited_keys)}, missing {len(audit_missing)}, duplicated {audit_doubled}"
        f" → {'OK: exactly one each' if ok else 'NOT OK'}"
    )
    env = {**os.environ, "UPSTANDER_DATABASE": str(work / "upstander.db")}
    verify = subprocess.run(
        [sys.executable, "-m", "bot", "audit", "verify"],
        env=env,
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
    )
    print(f"  upstander audit verify: exit {verify.returncode}: {verify.stdout.strip()[:200]}")
    print(f"  nudge DMs sent: {sum(1 for m in server.sent if 'guild_id' not in m)}")


def main() -> None:
    """Parse arguments and run in a temporary directory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=1000.0, help="events per second")
    parser.add_argument("--seconds", type=float, default=5.0, help="60 for the full run")
    parser.add_argument("--flagged", type=float, default=0.02, help="share of flagged posts")
    parser.add_argument("--edits", type=float, default=0.05, help="share of events that edit")
    parser.add_argument("--deletes", type=float, default=0.03, help="share that delete")
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--channels", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="cProfile the bot (slower)")
    parser.add_argument(
        "--stalls", action="store_true", help="record GC pauses and event-loop lag in the bot"
    )
    parser.add_argument(
        "--gc-freeze",
        action="store_true",
        help="experiment: another gc.freeze() at the first message (run freezes once ready)",
    )
    parser.add_argument(
        "--gc-default",
        action="store_true",
        help="control run: the interpreter's default GC, without `upstander run`'s tuning",
    )
    parser.add_argument(
        "--gc-thresholds",
        default="",
        help="experiment: run's GC thresholds instead, e.g. 10000,10,10",
    )
    parser.add_argument(
        "--tracemalloc",
        type=int,
        nargs="?",
        const=2000,
        default=0,
        metavar="FROM_EVENT",
        help="trace the bot's allocations and print what it kept from this event on (slower)",
    )
    parser.add_argument(
        "--max-records",
        type=int,
        default=0,
        help="the policy's cap on remembered flagged messages (default 20,000): a small cap "
        "shows memory once the policy's by-design growth has stopped",
    )
    parser.add_argument(
        "--switch-interval",
        type=float,
        default=0.0,
        help="experiment: the bot's sys.setswitchinterval (GIL hand-over; default 0.005 s)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    if args.tracemalloc:
        os.environ["BENCH_TRACEMALLOC"] = str(args.tracemalloc)
    if args.max_records:
        os.environ["BENCH_MAX_RECORDS"] = str(args.max_records)
    if args.switch_interval:
        os.environ["BENCH_SWITCH"] = str(args.switch_interval)
    work = Path(tempfile.mkdtemp(prefix="upstander-load-"))
    asyncio.run(run(args, work))
    if args.keep:
        print(f"\nwork directory kept: {work}")
    else:
        import shutil

        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
