"""A one-line progress display on stderr: messages read, messages per second, flagged.

Hand-written rather than a dependency: it redraws one line with `\\r`, at most a few times a
second, and only when asked to (by default only when stderr is a terminal, so logs and pipes
stay clean).
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

REDRAW_EVERY = 0.25
"""Seconds between redraws; checking the clock is itself rationed by `CHECK_MASK`."""
CHECK_MASK = 0x3FF
"""Look at the clock once every 1,024 messages: cheap enough for the hot loop."""


class Progress:
    """Shows how far a scan has got; `tick` is cheap enough to call for every message."""

    def __init__(self, enabled: bool, out: TextIO | None = None) -> None:
        self.out = out if out is not None else sys.stderr
        self.enabled = enabled
        self.start = time.perf_counter()
        self._last = self.start
        self._drawn = False

    def tick(self, messages: int, flagged: int) -> None:
        """Maybe redraw: call after each message with the running counts."""
        if not self.enabled or messages & CHECK_MASK:
            return
        now = time.perf_counter()
        if now - self._last >= REDRAW_EVERY:
            self._last = now
            self._draw(messages, flagged, now)

    def _draw(self, messages: int, flagged: int, now: float) -> None:
        rate = messages / max(now - self.start, 1e-9)
        self.out.write(f"\r  {messages:>12,} messages  {rate:>10,.0f} msg/s  {flagged:>8,} flagged")
        self.out.flush()
        self._drawn = True

    def clear(self) -> None:
        """Remove the progress line (before printing anything else to stderr)."""
        if self._drawn:
            self.out.write("\r" + " " * 64 + "\r")
            self.out.flush()
            self._drawn = False

    def elapsed(self) -> float:
        """Seconds since the progress display was created."""
        return time.perf_counter() - self.start
