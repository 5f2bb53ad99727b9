"""`upstander run` with timing probes, for `bench_load.py` (never used by the bot itself).

The probes wrap, in this process only, the points where a decision exists and where it is
committed, and write one line per handled event to $UPSTANDER_BENCH_PROBES:

    kind message_id verdict_ns decided_ns stored_ns done_ns     (CLOCK_MONOTONIC, 0 = n/a)

* verdict: the engine's verdict is known (for a clean message that *is* the decision);
* decided: the escalation policy has decided (flagged messages);
* stored:  the transaction holding the incident and its audit entry has committed;
* done:    the service call returned (before the DM is sent).

CLOCK_MONOTONIC is system-wide on Linux, so the benchmark compares these with the times it
sent the events. Wrapping, not editing, the services keeps measuring code out of the bot; if a
wrapped name disappears this fails loudly instead of measuring nothing.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import contextvars
import functools
import inspect
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.services import moderation
from bot.store.incidents import SqliteIncidents

VERDICT, DECIDED, STORED, DONE = 2, 3, 4, 5
FLUSH_EVERY = int(os.environ.get("UPSTANDER_BENCH_FLUSH_EVERY", "4096"))

_current: contextvars.ContextVar[list[Any] | None] = contextvars.ContextVar("probe", default=None)
_lines: list[str] = []
_out = open(os.environ["UPSTANDER_BENCH_PROBES"], "w", encoding="ascii")  # noqa: SIM115


def _flush() -> None:
    if _lines:
        _out.write("\n".join(_lines) + "\n")
        _lines.clear()
    _out.flush()


def _stamp(slot: int) -> None:
    record = _current.get()
    if record is not None and not record[slot]:
        record[slot] = time.monotonic_ns()


def _handler(kind: str, name: str) -> None:
    """Wrap ModerationService.<name>: one probe record per call, in its own context."""
    original = getattr(moderation.ModerationService, name)

    @functools.wraps(original)
    async def probed(self: Any, event: Any) -> Any:
        record: list[Any] = [kind, event.message_id, 0, 0, 0, 0]
        token = _current.set(record)
        try:
            return await original(self, event)
        finally:
            record[DONE] = time.monotonic_ns()
            _current.reset(token)
            if _growth is not None:
                _growth.count()
            _lines.append(" ".join(map(str, record)))
            if len(_lines) >= FLUSH_EVERY:
                _flush()

    setattr(moderation.ModerationService, name, probed)


def _after(owner: Any, name: str, slot: int, wrote: Callable[[Any], bool]) -> None:
    """Stamp `slot` when owner.<name> returns (and, for store calls, wrote something)."""
    original = getattr(owner, name)
    if inspect.iscoroutinefunction(original):

        @functools.wraps(original)
        async def probed_async(*args: Any, **kwargs: Any) -> Any:
            result = await original(*args, **kwargs)
            if wrote(result):
                _stamp(slot)
            return result

        setattr(owner, name, probed_async)
    else:

        @functools.wraps(original)
        def probed(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            _stamp(slot)
            return result

        setattr(owner, name, probed)


def install() -> None:
    """Wrap the services' decision points and the store's commits."""
    _handler("create", "handle_message")
    _handler("edit", "handle_edit")
    _handler("delete", "handle_delete")
    _after(moderation.ModerationService, "evaluate", VERDICT, bool)
    _after(moderation, "decide", DECIDED, bool)  # the policy, as imported by the service
    _after(SqliteIncidents, "record_detection", STORED, lambda r: bool(r.created))
    _after(SqliteIncidents, "record_edit", STORED, lambda r: r is not None)
    _after(SqliteIncidents, "record_deletion", STORED, bool)


class Stalls:
    """Where the event loop stood still: garbage-collector pauses and loop lag (opt-in).

    With UPSTANDER_BENCH_STALLS set, every GC pass over 1 ms and every 10 ms loop tick that ran
    over 2 ms late are written as `# gc gen ms at_ns` / `# lag ms` lines, to explain latency
    tails (`at_ns`: CLOCK_MONOTONIC at the end of the pass, so start-up passes can be told
    apart), and `# gc-frozen n m` says how many objects `upstander run` froze after start-up
    and how many the collector still tracks at exit.
    With UPSTANDER_BENCH_GC_FREEZE also set, the bot's start-up objects are moved out of the
    collector's reach (`gc.freeze()`) once it handles its first message: an experiment for
    what the same call in `upstander run`'s start-up would gain.
    """

    TICK = 0.010  # coarse enough not to load the loop it measures

    def __init__(self) -> None:
        self.gc_started = 0
        self.gc_ms: list[tuple[int, float, int]] = []
        self.lag_ms: list[float] = []

    def on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self.gc_started = time.perf_counter_ns()
            return
        ms = (time.perf_counter_ns() - self.gc_started) / 1e6
        if ms > 1.0:
            self.gc_ms.append((info["generation"], ms, time.monotonic_ns()))

    async def watch_loop(self) -> None:
        import asyncio

        while True:
            before = time.perf_counter()
            await asyncio.sleep(self.TICK)
            late = (time.perf_counter() - before - self.TICK) * 1000
            if late > 2.0:
                self.lag_ms.append(late)

    def lines(self) -> list[str]:
        import gc

        out = [f"# gc {gen} {ms:.2f} {at}" for gen, ms, at in self.gc_ms]
        tracked = gc.get_objects()
        out.append(f"# gc-frozen {gc.get_freeze_count()} {len(tracked)}")
        kinds = collections.Counter(type(o).__qualname__ for o in tracked).most_common(8)
        out.append("# gc-types " + " ".join(f"{name}:{n}" for name, n in kinds))
        out += [f"# lag {ms:.2f}" for ms in self.lag_ms]
        slow = collections.Counter(name for name, *_ in _slow_callbacks)
        worst: dict[str, float] = collections.defaultdict(float)
        cpu: dict[str, float] = collections.defaultdict(float)
        for name, ms, cpu_ms in _slow_callbacks:
            worst[name] = max(worst[name], ms)
            cpu[name] = max(cpu[name], cpu_ms)
        return out + [
            f"# slow {n} {worst[name]:.2f} {cpu[name]:.2f} {name}"
            for name, n in slow.most_common(12)
        ]


# (what ran, wall ms, CPU ms of the loop's thread): wall ≫ CPU means the thread was not running
# (preempted by the OS, or waiting for the GIL), not that the callback had that much work.
_slow_callbacks: list[tuple[str, float, float]] = []
SLOW_MS = 3.0


def _time_callbacks() -> None:
    """Record every event-loop callback that ran longer than SLOW_MS, by what it ran.

    Loop lag says *that* the loop stood still; this says *which* callback held it (a task's
    coroutine name, or the callback's own name), to tell our code from discord.py's.
    """
    import asyncio.events

    original = asyncio.events.Handle._run

    def timed(handle: Any) -> None:
        start, start_cpu = time.perf_counter(), time.thread_time()
        original(handle)
        ms = (time.perf_counter() - start) * 1000
        if ms > SLOW_MS:
            cpu_ms = (time.thread_time() - start_cpu) * 1000
            _slow_callbacks.append((_callback_name(handle), ms, cpu_ms))

    asyncio.events.Handle._run = timed  # type: ignore[method-assign]


def _callback_name(handle: Any) -> str:
    callback = getattr(handle, "_callback", None)
    task = getattr(callback, "__self__", None)
    coro = getattr(task, "get_coro", None)
    if coro is not None:
        running = coro()
        code = getattr(running, "cr_code", None)
        where = f"{Path(code.co_filename).name}:" if code is not None else ""
        name = getattr(running, "__qualname__", repr(running)).replace(" ", "_")
        frame = getattr(running, "cr_frame", None)
        event = frame.f_locals.get("event_name") if frame is not None else None
        return where + name + (f"[{event}]" if event else "")
    return getattr(callback, "__qualname__", repr(callback)).replace(" ", "_")


_stalls: Stalls | None = None


def _install_stalls() -> None:
    """Record GC pauses, and start the lag watcher once the bot's loop runs."""
    import gc

    global _stalls
    _stalls = stalls = Stalls()
    gc.callbacks.append(stalls.on_gc)
    _time_callbacks()
    original = moderation.ModerationService.__init__

    @functools.wraps(original)
    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        import asyncio

        with contextlib.suppress(RuntimeError):  # built outside a loop: no watcher
            _watchers.append(asyncio.get_running_loop().create_task(stalls.watch_loop()))
        if os.environ.get("UPSTANDER_BENCH_GC_FREEZE"):
            _freeze_on_first_message()

    moderation.ModerationService.__init__ = init  # type: ignore[method-assign]


_watchers: list[Any] = []


def _freeze_on_first_message() -> None:
    import gc

    original = moderation.ModerationService.handle_message

    @functools.wraps(original)
    async def first(self: Any, message: Any) -> Any:
        moderation.ModerationService.handle_message = original  # type: ignore[method-assign]
        gc.collect()
        gc.freeze()
        return await original(self, message)

    moderation.ModerationService.handle_message = first  # type: ignore[method-assign]


class Growth:
    """What the bot allocated and kept during the load (opt-in: UPSTANDER_BENCH_TRACEMALLOC).

    A baseline snapshot after the first BASELINE handled events (past the warm-up), another
    every EVERY events after it; at exit the last one is compared with the baseline, by the
    line that allocated, to tell memory kept by design from memory that leaks.
    """

    BASELINE, EVERY = 2_000, 5_000

    def __init__(self) -> None:
        import tracemalloc

        tracemalloc.start(1)
        value = os.environ.get("UPSTANDER_BENCH_TRACEMALLOC", "")
        self.BASELINE = int(value) if value.isdigit() and int(value) > 1 else Growth.BASELINE
        self.handled = 0
        self.baseline: Any = None
        self.last: Any = None

    def count(self) -> None:
        import tracemalloc

        self.handled += 1
        if self.handled == self.BASELINE:
            self.baseline = tracemalloc.take_snapshot()
        elif self.handled > self.BASELINE and self.handled % self.EVERY == 0:
            self.last = tracemalloc.take_snapshot()

    def lines(self) -> list[str]:
        if self.baseline is None or self.last is None:
            return []
        stats = self.last.compare_to(self.baseline, "lineno")
        total = sum(s.size_diff for s in stats)
        out = [f"# grew {total / 1024:.0f} KiB from event {self.BASELINE:,} to {self.handled:,}"]
        for stat in stats[:12]:
            where = stat.traceback[0]
            name = "/".join(Path(where.filename).parts[-2:])
            out.append(
                f"# grew {stat.size_diff / 1024:.0f} KiB {stat.count_diff:+d} {name}:{where.lineno}"
            )
        return out


_growth: Growth | None = None


def _at_exit() -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    _lines.append(
        f"# rusage user={usage.ru_utime:.3f} sys={usage.ru_stime:.3f} maxrss_kib={usage.ru_maxrss}"
    )
    if _stalls is not None:
        _lines.extend(_stalls.lines())
    if _growth is not None:
        _lines.extend(_growth.lines())
    _flush()
    _out.close()


def _default_gc() -> None:
    """Undo `upstander run`'s GC tuning (thresholds, freeze once ready): the control run."""
    import gc

    from bot.cli import run_cmd

    def no_freeze() -> None:
        return None

    run_cmd.GC_THRESHOLDS = gc.get_threshold()  # type: ignore[assignment]
    run_cmd._freeze_survivors = no_freeze


if __name__ == "__main__":
    if os.environ.get("UPSTANDER_BENCH_GC_DEFAULT"):
        _default_gc()
    if os.environ.get("UPSTANDER_BENCH_GC_THRESHOLDS"):  # e.g. "10000,10,10"
        from bot.cli import run_cmd

        limits = os.environ["UPSTANDER_BENCH_GC_THRESHOLDS"].split(",")
        run_cmd.GC_THRESHOLDS = tuple(int(x) for x in limits)  # type: ignore[assignment]
    if os.environ.get("UPSTANDER_BENCH_SWITCH"):
        sys.setswitchinterval(float(os.environ["UPSTANDER_BENCH_SWITCH"]))
    install()
    if os.environ.get("UPSTANDER_BENCH_TRACEMALLOC"):
        _growth = Growth()
    if os.environ.get("UPSTANDER_BENCH_STALLS"):
        _install_stalls()
    atexit.register(_at_exit)
    from bot.cli import main

    profile_to = os.environ.get("UPSTANDER_BENCH_PROFILE")  # a cProfile dump, for digging
    if profile_to:
        import cProfile

        profiler = cProfile.Profile()
        atexit.register(profiler.dump_stats, profile_to)
        sys.exit(profiler.runcall(main, ["run"]))
    sys.exit(main(["run"]))
