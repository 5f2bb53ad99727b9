"""Which export is this? Decided from the content, never the file name, then read it."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator
from os import PathLike
from pathlib import Path

from bot.scan.formats import discord_csv, discord_json, slack, whatsapp
from bot.scan.model import ChatMessage, ExportFormatError, WarnFn, log_warning
from bot.scan.textio import TextSource

Reader = Callable[[Path, WarnFn], Iterator[ChatMessage]]

READERS: dict[str, Reader] = {
    discord_json.SOURCE: discord_json.read,
    discord_csv.SOURCE: discord_csv.read,
    whatsapp.SOURCE: whatsapp.read,
    slack.SOURCE: slack.read,
}
"""Format name -> streaming reader; the names are also `ChatMessage.source`."""

# Text formats, most specific first: a CSV header or a JSON object cannot be a WhatsApp line.
_TEXT_SNIFFERS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    (discord_json.SOURCE, discord_json.sniff),
    (discord_csv.SOURCE, discord_csv.sniff),
    (whatsapp.SOURCE, whatsapp.sniff),
)
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_SUPPORTED = (
    "DiscordChatExporter JSON or CSV, WhatsApp 'Export chat' .txt, Slack export folder or .zip"
)


def _quiet(_message: str) -> None:
    """Detection reads a sample only; the reader itself warns about encoding."""


def detect_format(path: str | PathLike[str]) -> str:
    """The format name of an export, from its content; ExportFormatError when unknown."""
    path = Path(path)
    if not path.exists():
        raise ExportFormatError(str(path), None, "no such file or folder")
    if path.is_dir():
        if slack.looks_like_export(path):
            return slack.SOURCE
        raise ExportFormatError(str(path), None, f"a folder, but not a Slack export ({_SUPPORTED})")
    with path.open("rb") as f:
        magic = f.read(4)
    if magic.startswith(_ZIP_MAGIC):
        if slack.looks_like_export(path):
            return slack.SOURCE
        raise ExportFormatError(str(path), None, f"a zip, but not a Slack export ({_SUPPORTED})")
    head = TextSource(path, _quiet).head()
    if "\x00" in head:
        raise ExportFormatError(str(path), None, f"a binary file, not a chat export ({_SUPPORTED})")
    for name, sniff in _TEXT_SNIFFERS:
        if sniff(head):
            return name
    lineno, first = next(
        ((i, line) for i, line in enumerate(head.splitlines(), 1) if line.strip()), (1, "")
    )
    shown = first.lstrip("\ufeff")[:60] or "(empty file)"
    raise ExportFormatError(
        str(path), lineno, f"unknown export format; this line reads {shown!r} ({_SUPPORTED})"
    )


def read_export(
    path: str | PathLike[str],
    *,
    warn: WarnFn = log_warning,
    source: str | None = None,
) -> Iterator[ChatMessage]:
    """Stream the messages of one export; the format is detected unless `source` names it.

    Detection happens now (so an unknown file fails at the call); malformed content fails
    while iterating, with an ExportFormatError naming the file and line.
    """
    path = Path(path)
    name = source or detect_format(path)
    if name not in READERS:
        raise ExportFormatError(str(path), None, f"unknown format name {name!r}")
    return READERS[name](path, warn)


def merge_in_time_order(streams: Iterable[Iterable[ChatMessage]]) -> Iterator[ChatMessage]:
    """Merge several time-ordered streams (one per export file) into one, lazily."""
    return heapq.merge(*streams, key=lambda m: m.timestamp)
