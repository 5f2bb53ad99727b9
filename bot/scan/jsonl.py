"""Machine-readable output: one JSON line per flagged message, then one summary line.

    {"time": "...", "channel": "...", "author": "...", "author_id": "...", "text": "...",
     "category": "...", "subcategory": "...", "severity": "...", "rules": [...],
     "spans": [[start, end], ...], "patterns": [...], "targets": [...], "file": "...", "line": 1}
    ...
    {"summary": {...}}

Lines are written while the scan runs, so every flagged message reaches the file however many
there are (the HTML keeps only the first few thousand in full). See docs/scan.md.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from bot.scan.results import Flagged, ScanResult


class JsonlWriter:
    """Streams flagged messages to a text file as they are found."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.lines = 0

    def write(self, item: Flagged) -> None:
        """Write one flagged message (the scanner's `on_flagged` callback)."""
        self._line(item.record())

    def finish(self, result: ScanResult) -> None:
        """Write the closing summary line."""
        self._line({"summary": result.summary()})
        self.out.flush()

    def _line(self, data: dict[str, Any]) -> None:
        # ensure_ascii=False keeps names and emoji readable; JSON escapes any control characters.
        self.out.write(json.dumps(data, ensure_ascii=False) + "\n")
        self.lines += 1
