"""DiscordChatExporter JSON: one object with `guild`, `channel` and a `messages` array.

The file is one JSON value, often hundreds of megabytes, so it is never parsed whole: a small
scanner walks the top-level object and hands each element of `messages` to the C JSON decoder
(`raw_decode`) as it comes off a 1 MiB read buffer. Memory is bounded by the buffer plus the
largest single message (capped at 64 MiB, beyond which the file is called malformed).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from bot.scan.model import ChatMessage, ExportFormatError, WarnFn
from bot.scan.textio import TextSource

SOURCE = "discord_json"

_CHUNK = 1 << 20
_MAX_VALUE = 64 << 20
_WS = re.compile(r"[ \t\n\r]*")
_SNIFF = re.compile(r'\s*\{\s*"(?:guild|channel|messages)"\s*:')
_DECODER = json.JSONDecoder()
# Message kinds people write; every other kind (joins, pins, boosts, calls, renames) is system.
_USER_KINDS = frozenset({"Default", "Reply", "ChatInputCommand", "ContextMenuCommand"})


def sniff(head: str) -> bool:
    """True for a JSON object that opens with DiscordChatExporter's top-level keys."""
    return bool(_SNIFF.match(head.lstrip("\ufeff"))) and '"messages"' in head


class _Scanner:
    """A read buffer over the file that knows the line number of any position in it."""

    def __init__(self, f: TextIO, src: TextSource) -> None:
        self.f = f
        self.src = src
        self.buf = ""
        self.pos = 0
        self.eof = False
        self._line = 1
        self._line_pos = 0

    def fill(self) -> bool:
        """Append the next chunk (dropping consumed text); False at end of file."""
        if self.eof:
            return False
        self.line_at(self.pos)
        self.buf = self.buf[self.pos :]
        self._line_pos -= self.pos
        self.pos = 0
        chunk = self.f.read(_CHUNK)
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        if self.src.fell_back:
            last_line = self._line + self.buf.count("\n", self._line_pos)
            self.src.note(f"somewhere before line {last_line}")
        return True

    def line_at(self, index: int) -> int:
        """Line number of `index`; positions must be asked for in increasing order."""
        if index > self._line_pos:
            self._line += self.buf.count("\n", self._line_pos, index)
            self._line_pos = index
        return self._line

    def error(self, reason: str, index: int | None = None) -> ExportFormatError:
        """An error naming the line of `index` (default: the current position)."""
        return ExportFormatError(
            str(self.src.path), self.line_at(self.pos if index is None else index), reason
        )

    def peek(self) -> str:
        """The next non-blank character, without consuming it ('' at end of file)."""
        while True:
            m = _WS.match(self.buf, self.pos)
            self.pos = m.end() if m else self.pos
            if self.pos < len(self.buf) or not self.fill():
                return self.buf[self.pos : self.pos + 1]

    def expect(self, char: str, what: str) -> None:
        """Consume `char` or fail naming what was expected."""
        if self.peek() != char:
            found = self.buf[self.pos : self.pos + 20] or "end of file"
            raise self.error(f"expected {what}, found {found!r}")
        self.pos += 1

    def value(self) -> tuple[Any, int]:
        """Decode the JSON value at the current position; returns it with its start index."""
        self.peek()
        while True:
            start = self.pos
            try:
                value, end = _DECODER.raw_decode(self.buf, start)
            except json.JSONDecodeError as exc:
                if len(self.buf) - start > _MAX_VALUE:
                    raise self.error("a single value over 64 MiB: malformed export") from None
                offset = exc.pos - start  # fill() moves the buffer; keep the error's place
                if self.fill():
                    continue
                raise self.error(f"invalid JSON: {exc.msg}", self.pos + offset) from None
            if end == len(self.buf) and self.fill():
                continue  # a number cut by the buffer edge may go on
            self.pos = end
            return value, start


def read(path: Path, warn: WarnFn) -> Iterator[ChatMessage]:
    """Stream the messages of a DiscordChatExporter JSON export, in file order."""
    src = TextSource(path, warn)
    header: dict[str, Any] = {}
    with src.open() as f:
        scan = _Scanner(f, src)
        scan.expect("{", "a JSON object")
        while scan.peek() != "}":
            key, _ = scan.value()
            if not isinstance(key, str):
                raise scan.error("expected a property name")
            scan.expect(":", "':'")
            if key == "messages":
                yield from _messages(scan, header, path)
            else:
                header[key], _ = scan.value()
            if scan.peek() == ",":
                scan.pos += 1
            elif scan.peek() != "}":
                raise scan.error("expected ',' or '}'")
        scan.pos += 1
    if "messages" not in header:
        raise ExportFormatError(str(path), None, "no 'messages' array in this JSON object")


def _messages(scan: _Scanner, header: dict[str, Any], path: Path) -> Iterator[ChatMessage]:
    header["messages"] = True
    channel_info = header.get("channel")
    channel = path.stem
    if isinstance(channel_info, dict) and channel_info.get("name"):
        channel = str(channel_info["name"])
    scan.expect("[", "'[' opening the messages array")
    while scan.peek() != "]":
        obj, start = scan.value()
        line = scan.line_at(start)
        if not isinstance(obj, dict):
            raise scan.error("a message must be a JSON object", start)
        yield _message(obj, channel, path, line)
        if scan.peek() == ",":
            scan.pos += 1
        elif scan.peek() != "]":
            raise scan.error("expected ',' or ']' in the messages array")
    scan.pos += 1


def parse_timestamp(text: str) -> datetime:
    """An ISO-8601 timestamp as aware UTC (a missing zone is read as UTC)."""
    when = datetime.fromisoformat(text)
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _message(obj: dict[str, Any], channel: str, path: Path, line: int) -> ChatMessage:
    try:
        author = obj["author"]
        if not isinstance(author, dict):
            raise TypeError("'author' is not an object")
        when = parse_timestamp(obj["timestamp"])
        message_id = str(obj["id"])
        author_id = str(author["id"])
    except (KeyError, TypeError, ValueError) as exc:
        reason = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
        raise ExportFormatError(
            str(path), line, f"not a DiscordChatExporter message: {reason}"
        ) from None
    kind = str(obj.get("type") or "Default")
    is_system = kind not in _USER_KINDS
    reference = obj.get("reference")
    reply_to = None
    if kind == "Reply" and isinstance(reference, dict) and reference.get("messageId"):
        reply_to = str(reference["messageId"])
    mentions = tuple(
        str(m["id"]) for m in obj.get("mentions") or () if isinstance(m, dict) and "id" in m
    )
    return ChatMessage(
        source=SOURCE,
        message_id=message_id,
        timestamp=when,
        author=str(author.get("nickname") or author.get("name") or author_id),
        author_id=author_id,
        channel=channel,
        text=str(obj.get("content") or ""),
        reply_to_id=reply_to,
        mentions=mentions,
        is_system=is_system,
        is_bot=bool(author.get("isBot")),
        attachments=len(obj.get("attachments") or ()),
        edited=bool(obj.get("timestampEdited")),
        line=line,
        origin=str(path),
    )
