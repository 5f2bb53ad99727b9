"""Write synthetic chats (see `synthetic.py`) as real-looking exports in every format.

Each writer streams: it takes an iterable of `Synthetic` events and writes as it goes, so the
benchmark can produce a million-message export in constant memory. The shapes follow what the
exporters write (DiscordChatExporter's indented JSON and all-quoted CSV, WhatsApp's Android and
iOS lines with their U+200E and U+202F marks, Slack's per-day JSON files).
"""

from __future__ import annotations

import csv
import json
import zipfile
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from bot.scan.synthetic import MEMBERS, Member, Synthetic

WhatsAppVariant = Literal["android_us", "android_eu", "ios"]
CsvDateStyle = Literal["iso", "us", "gb", "legacy"]

ENCRYPTION_NOTICE = (
    "Messages and calls are end-to-end encrypted. No one outside of this chat, not even "
    "WhatsApp, can read or listen to them. Tap to learn more."
)
GROUP = "Platform Team"
_GUILD_ID = "100000000000000001"
_CHANNEL_ID = "100000000000000002"
_MESSAGE_ID_BASE = 300000000000000000
_CSV_SYSTEM = {"join": "Joined the server.", "pin": "Pinned a message."}
_DCE_SYSTEM_KIND = {"join": "GuildMemberJoin", "pin": "ChannelPinnedMessage", "add": "RecipientAdd"}


def _clock12(when: datetime, sep: str = " ") -> str:
    hour = when.hour % 12 or 12
    return f"{hour}:{when.minute:02d}{sep}{'AM' if when.hour < 12 else 'PM'}"


def whatsapp_prefix(when: datetime, variant: WhatsAppVariant) -> str:
    """The date/time part of a WhatsApp line, as the given phone writes it."""
    if variant == "android_us":
        return f"{when.month}/{when.day}/{when.year % 100:02d}, {_clock12(when, chr(0x202F))} - "
    if variant == "android_eu":
        return f"{when:%d/%m/%Y}, {when:%H:%M} - "
    return f"[{when:%d/%m/%Y}, {when:%H:%M:%S}] "


def write_whatsapp(
    path: Path,
    events: Iterable[Synthetic],
    variant: WhatsAppVariant = "android_eu",
    encoding: str = "utf-8",
) -> None:
    """A WhatsApp "Export chat" .txt; the first event becomes the encryption notice.

    `encoding="cp1252"` writes the legacy file a Windows tool leaves behind (emoji become `?`).
    """
    ios = variant == "ios"
    newline = "\r\n" if ios else "\n"
    mark = "\u200e" if ios else ""
    with path.open("w", encoding=encoding, errors="replace", newline="") as f:
        for ev in events:
            prefix = whatsapp_prefix(ev.when, variant)
            if ev.kind == "system":
                text = ENCRYPTION_NOTICE if ev.index == 0 else ev.text
                line = f"{prefix}{GROUP}: \u200e{text}" if ios else prefix + text
            elif ev.kind == "media":
                body = "\u200eimage omitted" if ios else "<Media omitted>"
                line = f"{mark}{prefix}{ev.author.name}: {body}"
            else:
                edited = f" {mark}<This message was edited>" if ev.edited else ""
                line = f"{prefix}{ev.author.name}: {ev.text}{edited}"
            f.write(line.replace("\n", newline) + newline)


def _dce_author(member: Member) -> dict[str, Any]:
    return {
        "id": member.discord_id,
        "name": member.name.lower().replace(" ", "_"),
        "discriminator": "0000",
        "nickname": member.name,
        "color": None,
        "isBot": False,
        "roles": [],
        "avatarUrl": "https://cdn.discordapp.com/embed/avatars/0.png",
    }


def _dce_message(ev: Synthetic) -> dict[str, Any]:
    kind = _DCE_SYSTEM_KIND[ev.event] if ev.kind == "system" else "Default"
    if ev.reply_to is not None:
        kind = "Reply"
    stamp = ev.when.isoformat(timespec="milliseconds")
    msg: dict[str, Any] = {
        "id": str(_MESSAGE_ID_BASE + ev.index),
        "type": kind,
        "timestamp": stamp,
        "timestampEdited": stamp if ev.edited else None,
        "callEndedTimestamp": None,
        "isPinned": False,
        "content": ev.text,
        "author": _dce_author(ev.author),
        "attachments": [],
        "embeds": [],
        "stickers": [],
        "reactions": [],
        "mentions": [_dce_author(ev.mention)] if ev.mention else [],
    }
    if ev.kind == "media":
        msg["attachments"] = [
            {
                "id": str(_MESSAGE_ID_BASE + ev.index),
                "url": f"https://cdn.discordapp.com/attachments/{ev.index}/photo.jpg",
                "fileName": "photo.jpg",
                "fileSizeBytes": 48213,
            }
        ]
    if ev.reply_to is not None:
        msg["reference"] = {
            "type": "Default",
            "messageId": str(_MESSAGE_ID_BASE + ev.reply_to),
            "channelId": _CHANNEL_ID,
            "guildId": _GUILD_ID,
        }
    return msg


def write_discord_json(path: Path, events: Iterable[Synthetic], indent: int | None = 2) -> None:
    """A DiscordChatExporter JSON export of one channel, written message by message."""
    header = {
        "guild": {"id": _GUILD_ID, "name": "Acme", "iconUrl": ""},
        "channel": {
            "id": _CHANNEL_ID,
            "type": "GuildTextChat",
            "categoryId": None,
            "category": "Engineering",
            "name": "platform-team",
            "topic": None,
        },
        "dateRange": {"after": None, "before": None},
        "exportedAt": "2025-01-01T00:00:00+00:00",
    }
    count = 0
    with path.open("w", encoding="utf-8") as f:
        f.write(json.dumps(header, indent=indent, ensure_ascii=False).rstrip()[:-1].rstrip())
        f.write(',\n  "messages": [')
        for ev in events:
            body = json.dumps(_dce_message(ev), indent=indent, ensure_ascii=False)
            if indent:
                body = body.replace("\n", "\n    ")
            f.write(("," if count else "") + "\n    " + body)
            count += 1
        f.write(f'\n  ],\n  "messageCount": {count}\n}}\n')


def _csv_date(when: datetime, style: CsvDateStyle) -> str:
    if style == "iso":
        return when.isoformat(timespec="milliseconds")
    if style == "us":
        return f"{when.month}/{when.day}/{when.year} {_clock12(when)}"
    if style == "gb":
        return f"{when:%d/%m/%Y %H:%M}"
    return f"{when:%d-%b-%y} {when.hour % 12 or 12:02d}:{when.minute:02d} {when:%p}"


def write_discord_csv(
    path: Path, events: Iterable[Synthetic], date_style: CsvDateStyle = "iso"
) -> None:
    """A DiscordChatExporter CSV export (every cell quoted, as the exporter writes it)."""
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n")
        f.write(",".join(("AuthorID", "Author", "Date", "Content", "Attachments", "Reactions")))
        f.write("\n")
        for ev in events:
            content = ev.text
            if ev.kind == "system":
                added = ev.text.split(" added ", 1)[-1]
                content = _CSV_SYSTEM.get(ev.event, f"Added {added} to the group.")
            attachments = (
                f"https://cdn.discordapp.com/a/{ev.index}.jpg" if ev.kind == "media" else ""
            )
            reactions = "👍 (2)" if ev.index % 17 == 0 else ""
            date = _csv_date(ev.when, date_style)
            out.writerow(
                (ev.author.discord_id, ev.author.name, date, content, attachments, reactions)
            )


SLACK_CHANNELS = (("C01GENERAL", "general"), ("C02RANDOM", "random"))
_SLACK_SYSTEM = {"join": "channel_join", "add": "channel_join", "pin": "pinned_item"}


def slack_channel(ev: Synthetic) -> tuple[str, str]:
    """(id, name) of the Slack channel an event is written to (every third in #random)."""
    return SLACK_CHANNELS[1] if ev.index % 3 == 2 else SLACK_CHANNELS[0]


def slack_ts(ev: Synthetic) -> str:
    """The event's Slack `ts`; the fraction keeps ids unique within a second."""
    return f"{int(ev.when.timestamp())}.{ev.index % 1_000_000:06d}"


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_message(ev: Synthetic, thread_ts: str | None) -> dict[str, Any]:
    text = _slack_escape(ev.text)
    if ev.mention is not None:
        text = text.replace(f"@{_slack_escape(ev.mention.name)}", f"<@{ev.mention.slack_id}>", 1)
    msg: dict[str, Any] = {
        "type": "message",
        "user": ev.author.slack_id,
        "text": text,
        "ts": slack_ts(ev),
        "user_profile": {"display_name": ev.author.name, "real_name": ev.author.name},
    }
    if ev.kind == "system":
        msg["subtype"] = _SLACK_SYSTEM[ev.event]
        msg["text"] = f"<@{ev.author.slack_id}> has joined the channel"
    if ev.kind == "media":
        msg["files"] = [{"id": f"F{ev.index}", "name": "photo.jpg", "mimetype": "image/jpeg"}]
    if thread_ts is not None:
        msg["thread_ts"] = thread_ts
    if ev.edited:
        msg["edited"] = {"user": ev.author.slack_id, "ts": slack_ts(ev)}
    return msg


class _SlackSink:
    """Writes day files into a folder or a zip, one pending day per channel."""

    def __init__(self, path: Path, as_zip: bool) -> None:
        self.path = path
        self.zip = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) if as_zip else None
        self.days: dict[str, tuple[str, list[dict[str, Any]]]] = {}

    def put(self, name: str, data: Any) -> None:
        text = json.dumps(data, indent=4, ensure_ascii=False)
        if self.zip is not None:
            self.zip.writestr(name, text)
        else:
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")

    def add(self, channel: str, day: str, msg: dict[str, Any]) -> None:
        current = self.days.get(channel)
        if current is not None and current[0] != day:
            self.put(f"{channel}/{current[0]}.json", current[1])
            current = None
        if current is None:
            current = self.days[channel] = (day, [])
        current[1].append(msg)

    def close(self) -> None:
        for channel, (day, messages) in self.days.items():
            self.put(f"{channel}/{day}.json", messages)
        if self.zip is not None:
            self.zip.close()


def write_slack(path: Path, events: Iterable[Synthetic], as_zip: bool = False) -> None:
    """A Slack workspace export (folder, or .zip when `as_zip`) with two public channels."""
    if not as_zip:
        path.mkdir(parents=True, exist_ok=True)
    sink = _SlackSink(path, as_zip)
    sink.put(
        "users.json",
        [
            {
                "id": m.slack_id,
                "name": m.name.lower().replace(" ", "."),
                "real_name": m.name,
                "profile": {"display_name": m.name, "real_name": m.name},
            }
            for m in MEMBERS
        ],
    )
    sink.put(
        "channels.json",
        [
            {"id": cid, "name": name, "created": 1704067200, "members": []}
            for cid, name in SLACK_CHANNELS
        ],
    )
    recent: dict[int, tuple[str, str]] = {}
    for ev in events:
        cid, channel = slack_channel(ev)
        thread = recent.get(ev.reply_to) if ev.reply_to is not None else None
        thread_ts = thread[1] if thread is not None and thread[0] == cid else None
        sink.add(channel, f"{ev.when:%Y-%m-%d}", _slack_message(ev, thread_ts))
        recent[ev.index] = (cid, slack_ts(ev))
        recent.pop(ev.index - 10, None)
    sink.close()
