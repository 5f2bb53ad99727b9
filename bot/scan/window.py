"""Context around flagged messages, kept with bounded memory while the export streams past.

Per channel, a ring buffer holds the last N messages (the "before" context); a flagged message
that is kept in full waits in that channel's pending list until N more messages arrive (the
"after" context). Memory is N messages per channel plus the pending flagged ones, whatever the
size of the export.
"""

from __future__ import annotations

from collections import deque

from bot.scan.model import ChatMessage
from bot.scan.results import ContextLine, Flagged

CONTEXT_TEXT_LIMIT = 600
"""Characters of a context message shown; the flagged message itself is kept whole."""


def context_line(message: ChatMessage, flagged: bool = False) -> ContextLine:
    """A trimmed copy of a message for display next to a flagged one."""
    text = message.text
    if len(text) > CONTEXT_TEXT_LIMIT:
        text = text[:CONTEXT_TEXT_LIMIT] + "…"
    elif not text and message.media_omitted:
        text = "<media omitted>"
    elif not text and message.attachments:
        text = "<attachment>"
    return ContextLine(message.timestamp, message.author, text, message.is_system, flagged)


class ContextWindows:
    """The before/after context of flagged messages, channel by channel."""

    def __init__(self, size: int) -> None:
        self.size = size
        # Raw messages are kept (not ContextLine) because converting every message would cost
        # time on the hot path; only the few captured as context are converted.
        self._recent: dict[str, deque[tuple[ChatMessage, bool]]] = {}
        self._pending: dict[str, list[Flagged]] = {}

    def before(self, channel: str) -> tuple[ContextLine, ...]:
        """The last `size` messages of the channel, oldest first."""
        recent = self._recent.get(channel)
        if not recent:
            return ()
        return tuple(context_line(m, f) for m, f in recent)

    def push(self, message: ChatMessage, flagged: bool) -> None:
        """Record a message: it completes pending windows and joins the channel's recent ones."""
        if self.size <= 0:
            return
        channel = message.channel
        pending = self._pending.get(channel)
        if pending:
            line = context_line(message, flagged)
            for item in pending:
                item.after.append(line)
            if len(pending[0].after) >= self.size:
                # Windows fill in arrival order, so the complete ones are at the front.
                self._pending[channel] = [p for p in pending if len(p.after) < self.size]
        recent = self._recent.get(channel)
        if recent is None:
            recent = self._recent[channel] = deque(maxlen=self.size)
        recent.append((message, flagged))

    def wait_for_after(self, item: Flagged) -> None:
        """Collect the next `size` messages of the item's channel as its after-context."""
        if self.size > 0:
            self._pending.setdefault(item.channel, []).append(item)
