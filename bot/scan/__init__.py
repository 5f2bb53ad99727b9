"""Reading exported chat histories (Discord, WhatsApp, Slack) for `upstander scan`.

Pure: no discord, no aiosqlite. Every reader streams `ChatMessage`s so a million-message export
is read with bounded memory:

    from bot.scan import read_export
    for message in read_export("WhatsApp Chat with Team.txt", warn=print):
        ...
"""

from bot.scan.detect import READERS, detect_format, merge_in_time_order, read_export
from bot.scan.model import ChatMessage, ExportFormatError, WarnFn, derive_author_id

__all__ = [
    "READERS",
    "ChatMessage",
    "ExportFormatError",
    "WarnFn",
    "derive_author_id",
    "detect_format",
    "merge_in_time_order",
    "read_export",
]
