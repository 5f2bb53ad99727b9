"""WhatsApp "Export chat" text files, Android and iOS line formats.

Android: `31/12/2023, 21:41 - Name: text` (or `12/31/23, 9:41 PM - ...`); iOS:
`[31/12/2023, 21:41:05] Name: text`, often with U+200E marks. A line that does not start with a
date continues the previous message. Timestamps carry no zone and are read as UTC. The file is
read twice, line by line: once to settle its day/month order (usually stopping early), once to
parse; memory stays bounded by the longest message.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from bot.scan.dates import CLOCK, NUMERIC_DATE, DateOrderVote, parse_clock, parse_date, utc_datetime
from bot.scan.mentions import NameMentions
from bot.scan.model import ChatMessage, ExportFormatError, WarnFn, derive_author_id
from bot.scan.textio import TextSource

SOURCE = "whatsapp"

ANDROID = re.compile(rf"(?P<date>{NUMERIC_DATE}),? (?P<clock>{CLOCK}) [-–] (?P<rest>.*)")
IOS = re.compile(rf"[\u200e\u200f]?\[(?P<date>{NUMERIC_DATE}),? (?P<clock>{CLOCK})\] (?P<rest>.*)")

_BIDI = dict.fromkeys(
    map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"),
)
_MEDIA_OMITTED = re.compile(
    r"<Media omitted>|(?:image|video|audio|sticker|GIF|document|Contact card|media) omitted"
    r"|.+ (?:document|file) omitted",
    re.IGNORECASE,
)
_ATTACHED = re.compile(r"<attached: [^>]+>|.+ \(file attached\)")
_EDITED = "<This message was edited>"
_ENCRYPTED = "end-to-end encrypted"
_CHANNEL_FROM_NAME = re.compile(r"WhatsApp Chat (?:with|-) (?P<name>.+)", re.IGNORECASE)
_MAX_NAME = 80


def sniff(head: str) -> bool:
    """True when the first non-blank line is a WhatsApp message line."""
    for line in head.splitlines():
        line = line.lstrip("\ufeff")
        if line.strip():
            return bool(ANDROID.match(line) or IOS.match(line))
    return False


def channel_name(path: Path) -> str:
    """The chat's name from `WhatsApp Chat with Team.txt` (or an iOS `_chat.txt` folder)."""
    stem = path.stem if path.stem != "_chat" else path.parent.name
    m = _CHANNEL_FROM_NAME.fullmatch(stem)
    return m.group("name") if m else stem


def _pick_pattern(src: TextSource) -> tuple[re.Pattern[str], DateOrderVote]:
    """First pass: which line format, and the day/month evidence."""
    pattern: re.Pattern[str] | None = None
    vote = DateOrderVote()
    with contextlib.closing(src.lines()) as lines:
        for lineno, line in lines:
            if pattern is None:
                stripped = line.rstrip("\r\n")
                if not stripped.strip():
                    continue
                for candidate in (ANDROID, IOS):
                    if candidate.match(stripped):
                        pattern = candidate
                        break
                else:
                    raise ExportFormatError(
                        str(src.path),
                        lineno,
                        "not a WhatsApp message line (expected e.g. "
                        "'31/12/2023, 21:41 - Name: text' or '[31/12/2023, 21:41:05] Name: text')",
                    )
            m = pattern.match(line)
            if m is not None:
                vote.add(m.group("date"), lineno, m.group("clock"))
                if vote.decided:
                    break
    if pattern is None:
        raise ExportFormatError(str(src.path), None, "empty WhatsApp export")
    return pattern, vote


def read(path: Path, warn: WarnFn) -> Iterator[ChatMessage]:
    """Stream the messages of a WhatsApp export, in file (= time) order."""
    src = TextSource(path, warn)
    pattern, vote = _pick_pattern(src)
    order = vote.resolve()
    if not vote.decided:
        warn(f"{path}: no date settles day/month order; reading {order.value}")
    ctx = _Context(path)
    dates: dict[str, tuple[int, int, int]] = {}
    clocks: dict[str, tuple[int, int, int]] = {}
    pending: tuple[int, re.Match[str], datetime] | None = None
    extra: list[str] = []
    with contextlib.closing(src.lines()) as lines:
        for lineno, raw in lines:
            line = raw.rstrip("\r\n")
            m = pattern.match(line)
            if m is None:
                if pending is None:
                    if not line.strip():
                        continue
                    raise ExportFormatError(str(path), lineno, "text before the first message")
                extra.append(line)
                continue
            if pending is not None:
                yield _message(pending, extra, ctx)
                extra = []
            date_text, clock_text = m.group("date", "clock")
            try:
                ymd = dates.get(date_text)
                if ymd is None:
                    ymd = dates[date_text] = parse_date(date_text, order)
                hms = clocks.get(clock_text)
                if hms is None:
                    hms = clocks[clock_text] = parse_clock(clock_text)
            except ValueError as exc:
                reason = f"bad date or time: {exc} (read {order.value}, {vote.settled_by()})"
                raise ExportFormatError(str(path), lineno, reason) from None
            pending = (lineno, m, utc_datetime(ymd, hms))
    if pending is not None:
        yield _message(pending, extra, ctx)


class _Context:
    """Per-file state for building messages: names already cleaned, mentions seen."""

    def __init__(self, path: Path) -> None:
        self.origin = str(path)
        self.channel = channel_name(path)
        self.mentions = NameMentions()
        self.authors: dict[str, tuple[str, str]] = {}

    def author(self, raw: str) -> tuple[str, str]:
        """(display name without bidi marks, derived id), cached: names repeat constantly."""
        known = self.authors.get(raw)
        if known is None:
            name = raw.translate(_BIDI).strip()
            known = self.authors[raw] = (name, derive_author_id(name))
            self.mentions.see(*known)
        return known


def _message(
    pending: tuple[int, re.Match[str], datetime], extra: list[str], ctx: _Context
) -> ChatMessage:
    lineno, m, when = pending
    rest = m.group("rest")
    name, sep, first = rest.partition(": ")
    is_system = not sep or '"' in name or len(name) > _MAX_NAME
    if is_system:
        name, first = "", rest
    marked = first.startswith(("\u200e", "\u200f"))
    if marked:
        first = first.lstrip("\u200e\u200f")
    text = "\n".join([first, *extra]) if extra else first
    edited = text.endswith(_EDITED)
    if edited:
        text = text[: -len(_EDITED)].rstrip(" \u200e")
    attachments, omitted = 0, False
    if first.endswith(("omitted", "omitted>")) and _MEDIA_OMITTED.fullmatch(first.strip()):
        attachments, omitted = 1, True
        text = "\n".join(extra)
    elif first.endswith((">", ")")) and _ATTACHED.fullmatch(first.strip()):
        attachments = 1
        text = "\n".join(extra)
    elif marked or _ENCRYPTED in first:
        # iOS writes system events (joins, the encryption notice) as a U+200E-marked message
        # from the chat itself.
        is_system = True
    author, author_id = ("", "") if is_system else ctx.author(name)
    return ChatMessage(
        source=SOURCE,
        message_id=str(lineno),
        timestamp=when,
        author=author,
        author_id=author_id,
        channel=ctx.channel,
        text=text,
        mentions=() if is_system else ctx.mentions.find(text),
        is_system=is_system,
        attachments=attachments,
        media_omitted=omitted,
        edited=edited,
        line=lineno,
        origin=ctx.origin,
    )
