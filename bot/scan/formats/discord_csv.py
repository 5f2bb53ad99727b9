"""DiscordChatExporter CSV: `AuthorID,Author,Date,Content,Attachments,Reactions`.

The CSV has no message ids, channel or message kind. Ids come from the line number, the channel
from the exporter's file name (`Guild - category - channel [id].csv`), and system messages from
the fallback sentences the exporter writes for them ("Joined the server." ...). Dates are ISO,
`01-Jan-20 01:33 AM` (older default), or the exporting machine's locale (`1/15/2024 10:30 AM`,
`15/01/2024 10:30`); locale dates have no zone (read as UTC) and their day/month order is
settled per file like WhatsApp's, with a first pass that stops as soon as a date decides it.
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from bot.scan.dates import (
    CLOCK,
    NUMERIC_DATE,
    DateOrder,
    DateOrderVote,
    parse_clock,
    parse_date,
    utc_datetime,
)
from bot.scan.mentions import NameMentions
from bot.scan.model import ChatMessage, ExportFormatError, WarnFn
from bot.scan.textio import TextSource

SOURCE = "discord_csv"
HEADER = ("AuthorID", "Author", "Date", "Content", "Attachments", "Reactions")

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # long messages must not abort the read

_NUMERIC = re.compile(rf"(?P<date>{NUMERIC_DATE}),? (?P<clock>{CLOCK})")
_NAMED_MONTH = re.compile(
    rf"(?P<day>\d{{1,2}})-(?P<month>[A-Za-z]{{3}})-(?P<year>\d{{2,4}}) (?P<clock>{CLOCK})"
)
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}
_CHANNEL = re.compile(r".* - (?P<channel>[^-]+?) \[\d+\]")
_SYSTEM = re.compile(
    r"Joined the server\.|Pinned a message\.|Started a thread\.|Left the group\."
    r"|Added .+ to the group\.|Removed .+ from the group\.|Changed the channel (?:name|icon)\b.*"
    r"|Started a call(?: that lasted .+)?\.?"
)


def sniff(head: str) -> bool:
    """True when the first line is the DiscordChatExporter CSV header."""
    first = head.lstrip("\ufeff").partition("\n")[0].strip()
    return tuple(cell.strip('"') for cell in first.split(",")) == HEADER


def channel_name(path: Path) -> str:
    """The channel from `Guild - category - channel [id].csv`, else the file's stem."""
    m = _CHANNEL.fullmatch(path.stem)
    return m.group("channel") if m else path.stem


def _rows(src: TextSource) -> Iterator[tuple[int, list[str]]]:
    """(first line of the row, cells) for each data row, checking the header and width."""
    lines = src.lines()
    reader = csv.reader(_text(lines))
    header = next(reader, None)
    if header is None or tuple(header) != HEADER:
        raise ExportFormatError(str(src.path), 1, "not a DiscordChatExporter CSV header")
    start = reader.line_num + 1
    for row in reader:
        if not row:
            start = reader.line_num + 1
            continue
        if len(row) != len(HEADER):
            raise ExportFormatError(
                str(src.path), start, f"expected {len(HEADER)} columns, found {len(row)}"
            )
        yield start, row
        start = reader.line_num + 1


def _text(lines: Iterable[tuple[int, str]]) -> Iterator[str]:
    for _, line in lines:
        yield line


def _vote(src: TextSource) -> DateOrderVote:
    vote = DateOrderVote()
    for line, row in _rows(src):
        m = _NUMERIC.fullmatch(row[2].strip())
        if m is None:
            break  # ISO or month-name dates are unambiguous
        vote.add(m.group("date"), line, m.group("clock"))
        if vote.decided:
            break
    return vote


def parse_csv_date(text: str, order: DateOrder) -> datetime:
    """A DiscordChatExporter CSV date (ISO, `01-Jan-20 01:33 AM` or locale) as aware UTC."""
    text = text.strip()
    m = _NUMERIC.fullmatch(text)
    if m is not None:
        return utc_datetime(parse_date(m.group("date"), order), parse_clock(m.group("clock")))
    m = _NAMED_MONTH.fullmatch(text)
    if m is not None:
        month = _MONTHS.get(m.group("month").lower())
        if month is None:
            raise ValueError(f"unknown month {m.group('month')!r}")
        year = int(m.group("year"))
        ymd = (year + 2000 if year < 100 else year, month, int(m.group("day")))
        datetime(*ymd)
        return utc_datetime(ymd, parse_clock(m.group("clock")))
    when = datetime.fromisoformat(text)
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def read(path: Path, warn: WarnFn) -> Iterator[ChatMessage]:
    """Stream the messages of a DiscordChatExporter CSV export, in file order."""
    src = TextSource(path, warn)
    vote = _vote(src)
    order = vote.resolve()
    channel = channel_name(path)
    mentions = NameMentions()
    for line, (author_id, author, date, content, attachments, _reactions) in _rows(src):
        try:
            when = parse_csv_date(date, order)
        except ValueError as exc:
            reason = f"bad date {date!r}: {exc} (read {order.value}, {vote.settled_by()})"
            raise ExportFormatError(str(path), line, reason) from None
        is_system = bool(_SYSTEM.fullmatch(content))
        if not is_system:
            mentions.see(author, author_id)
        yield ChatMessage(
            source=SOURCE,
            message_id=str(line),
            timestamp=when,
            author=author,
            author_id=author_id,
            channel=channel,
            text=content,
            mentions=() if is_system else mentions.find(content),
            is_system=is_system,
            attachments=len([url for url in attachments.split(",") if url.strip()]),
            line=line,
            origin=str(path),
        )
