"""Figures for `bench_load.py`: matching sent events with the bot's probes, percentiles,
backlog over time, and /proc readings of the bot process."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Probe:
    """One handled event as the bot's probes saw it (ns, CLOCK_MONOTONIC; 0 = not reached)."""

    kind: str
    message_id: int
    verdict: int
    decided: int
    stored: int
    done: int

    @property
    def decision(self) -> int:
        """When the decision existed: the policy's for flagged messages, else the verdict's."""
        return self.decided or self.verdict or self.done


def read_probes(path: Path) -> tuple[list[Probe], str]:
    """The probe records and the bot's closing rusage line."""
    probes, rusage = [], ""
    for line in path.read_text(encoding="ascii").splitlines():
        if line.startswith("# rusage"):
            rusage = line[1:].strip()
            continue
        if line.startswith("#"):
            continue  # stall lines: see stall_summary()
        kind, mid, *times = line.split()
        probes.append(Probe(kind, int(mid), *(int(t) for t in times)))
    return probes, rusage


def percentiles(values_ns: Sequence[int]) -> str:
    """'n=… p50 … p99 … p99.9 … max …' in milliseconds."""
    if not values_ns:
        return "n=0"
    ordered = sorted(values_ns)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1e6

    return (
        f"n={len(ordered):>6}  p50 {at(0.50):7.3f} ms  p99 {at(0.99):7.3f} ms  "
        f"p99.9 {at(0.999):7.3f} ms  max {ordered[-1] / 1e6:7.3f} ms"
    )


def backlog_series(
    sent_ns: Iterable[int], done_ns: Iterable[int], start_ns: int, step_s: float
) -> list[tuple[float, int, int]]:
    """(seconds since start, events sent so far, events handled so far) every `step_s`."""
    sent, done = sorted(sent_ns), sorted(done_ns)
    if not sent:
        return []
    end = max(sent[-1], done[-1] if done else 0)
    out, i, j, t = [], 0, 0, float(step_s)
    while True:
        edge = start_ns + int(t * 1e9)
        while i < len(sent) and sent[i] <= edge:
            i += 1
        while j < len(done) and done[j] <= edge:
            j += 1
        out.append((t, i, j))
        if edge >= end:
            return out
        t += step_s


def rss_kib(pid: int) -> int:
    """Resident set size of a process (VmRSS), KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (the same counters getrusage reads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def stall_summary(path: Path, load_from_ns: int = 0, load_to_ns: int | None = None) -> str:
    """GC pauses and loop lag recorded by the probe (UPSTANDER_BENCH_STALLS), or "".

    GC passes that ended before `load_from_ns` or after `load_to_ns` (CLOCK_MONOTONIC: start-up,
    shut-down) are counted apart.
    """
    gc: list[tuple[int, float]] = []
    startup: list[float] = []
    shutdown: list[float] = []
    frozen = kinds = ""
    lag: list[float] = []
    slow: list[str] = []
    for line in path.read_text(encoding="ascii").splitlines():
        parts = line.split()
        if line.startswith("# gc "):
            if len(parts) > 4 and int(parts[4]) < load_from_ns:
                startup.append(float(parts[3]))
            elif len(parts) > 4 and load_to_ns is not None and int(parts[4]) > load_to_ns:
                shutdown.append(float(parts[3]))
            else:
                gc.append((int(parts[2]), float(parts[3])))
        elif line.startswith("# gc-types "):
            kinds = line.removeprefix("# gc-types ")
        elif line.startswith("# gc-frozen "):
            frozen = f"; {int(parts[2]):,} start-up objects frozen"
            if len(parts) > 3:
                frozen += f", {int(parts[3]):,} tracked at exit"
        elif line.startswith("# lag "):
            lag.append(float(parts[2]))
        elif line.startswith("# slow "):
            slow.append(f"  {parts[2]:>5} × worst {parts[3]} ms (CPU {parts[4]} ms) {parts[5]}")
    if not gc and not lag and not startup:
        return ""
    by_gen = {g: [ms for gen, ms in gc if gen == g] for g in (0, 1, 2)}
    gcs = ", ".join(
        f"gen{g}: {len(v)} × >1 ms (max {max(v):.1f} ms, total {sum(v):.0f} ms)"
        for g, v in by_gen.items()
        if v
    )
    worst = sorted(lag)[-5:]
    before = (
        f" (start-up: {len(startup)}, {sum(startup):.0f} ms{frozen}; "
        f"shut-down: {len(shutdown)}, {sum(shutdown):.0f} ms)"
    )
    return (
        f"GC pauses over 1 ms during the load: {gcs or 'none'}{before}\n"
        f"event-loop lag over 2 ms: {len(lag)} times, total {sum(lag):.0f} ms, "
        f"worst {', '.join(f'{x:.0f}' for x in worst)} ms"
        + (f"\nmost tracked types at exit: {kinds}" if kinds else "")
        + (
            "\nloop callbacks over 3 ms (incl. start-up), by what ran"
            " (CPU: the most CPU time one of them took):\n" + "\n".join(slow)
        )
        * bool(slow)
    )
