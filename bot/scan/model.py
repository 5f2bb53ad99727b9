"""The one message shape every export reader yields, and the error they raise.

Readers never carry format-specific objects past this boundary: the scan pipeline (engine,
policy, report) sees only `ChatMessage`, so adding a format never touches the report.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

log = logging.getLogger(__name__)

WarnFn = Callable[[str], None]
"""Called with a human-readable sentence when a reader recovers from something odd."""


def log_warning(message: str) -> None:
    """The default warning callback: send the sentence to the module logger."""
    log.warning("%s", message)


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One message from an exported chat history, in a format-neutral shape.

    `timestamp` is always timezone-aware. Formats without a zone (WhatsApp, DiscordChatExporter
    CSV with a locale date) are read as UTC: the export carries the exporting phone's or PC's
    local time and nothing says which zone that was, so UTC is the honest, stable choice and
    relative order and gaps are unaffected.
    """

    source: str
    """Format name: `discord_json`, `discord_csv`, `whatsapp` or `slack`."""
    message_id: str
    """The export's id when it has one, else one derived from the position in the file."""
    timestamp: datetime
    author: str
    """Display name as the export shows it."""
    author_id: str
    """The platform id when the export has one, else `derive_author_id(author)`."""
    channel: str
    text: str
    """Message text; empty for a media-only message."""
    reply_to_id: str | None = None
    mentions: tuple[str, ...] = ()
    """Author ids of mentioned members (same id space as `author_id`)."""
    is_system: bool = False
    """Joins, leaves, pins, topic changes, WhatsApp's encryption notice and the like."""
    is_bot: bool = False
    attachments: int = 0
    media_omitted: bool = False
    """The export dropped the media and left a placeholder (WhatsApp `<Media omitted>`)."""
    edited: bool = False
    line: int = 0
    """1-based line in `origin` where the message starts (Slack: position in its day file)."""
    origin: str = ""
    """The file the message came from (for Slack, the day file inside the export)."""


class ExportFormatError(ValueError):
    """An export that cannot be read: unknown format or malformed content at a known place."""

    def __init__(self, path: str, line: int | None, reason: str) -> None:
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason


@lru_cache(maxsize=65536)
def derive_author_id(name: str) -> str:
    """A stable id for a display name, for formats that carry names only.

    Case and surrounding whitespace are ignored so `Alice` and `alice ` are one member; a hash
    keeps the id short and fixed-length whatever the name.
    """
    key = " ".join(name.split()).casefold().encode("utf-8")
    return "name:" + hashlib.blake2b(key, digest_size=8).hexdigest()
