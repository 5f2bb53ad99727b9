"""Slack workspace exports: a folder or .zip of `users.json`, `channels.json` and one folder
per conversation holding `YYYY-MM-DD.json` arrays of messages.

Conversations are read side by side and merged into one time-ordered stream; memory is bounded
by one day file per conversation. Slack markup is turned back into text (`<@U123>` becomes
`@Display Name` and a mention, `<https://x|label>` becomes `label (https://x)`), and
join/leave/topic/pin subtypes are system messages.
"""

from __future__ import annotations

import heapq
import html
import json
import re
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

from bot.scan.model import ChatMessage, ExportFormatError, WarnFn
from bot.scan.textio import decode_bytes

SOURCE = "slack"

_DAY_FILE = re.compile(r"\d{4}-\d{2}-\d{2}\.json")
_MARKUP = re.compile(r"<([^<>]*)>")
_INDEXES = ("channels.json", "groups.json", "mpims.json", "dms.json")
_SYSTEM_SUBTYPES = frozenset(
    {"pinned_item", "unpinned_item", "bot_add", "bot_remove", "tombstone", "reminder_add"}
)
_SYSTEM_SUFFIXES = ("_join", "_leave", "_topic", "_purpose", "_name", "_archive", "_unarchive")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class _Tree:
    """The files of an export, whether a folder or a zip, as POSIX paths under its root."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        if path.is_dir():
            names = [p.relative_to(path).as_posix() for p in path.rglob("*.json") if p.is_file()]
        else:
            self._zip = zipfile.ZipFile(path)
            names = [n for n in self._zip.namelist() if n.endswith(".json")]
        indexes = [n for n in names if PurePosixPath(n).name in ("users.json", *_INDEXES)]
        anchor = min(indexes, key=lambda n: n.count("/"), default=None)
        self.root = str(PurePosixPath(anchor).parent) if anchor else ""
        self.root = "" if self.root == "." else self.root
        self.names = set(names)

    def key(self, name: str) -> str:
        """The path of `name` (relative to the export root) inside the folder or zip."""
        return f"{self.root}/{name}" if self.root else name

    def read(self, name: str) -> bytes | None:
        """Bytes of a file under the root, or None when it is absent."""
        key = self.key(name)
        if key not in self.names:
            return None
        if self._zip is not None:
            return self._zip.read(key)
        return (self.path / key).read_bytes()

    def conversations(self) -> dict[str, list[str]]:
        """Folder name -> its day files (relative to the root), oldest first."""
        out: dict[str, list[str]] = {}
        prefix = f"{self.root}/" if self.root else ""
        for name in self.names:
            if not name.startswith(prefix):
                continue
            parts = name[len(prefix) :].split("/")
            if len(parts) == 2 and _DAY_FILE.fullmatch(parts[1]):
                out.setdefault(parts[0], []).append(parts[1])
        return {folder: sorted(days) for folder, days in sorted(out.items())}

    def close(self) -> None:
        """Release the zip file, if any."""
        if self._zip is not None:
            self._zip.close()


def looks_like_export(path: Path) -> bool:
    """True for a folder or zip holding Slack's `users.json`/`channels.json` or day files."""
    try:
        tree = _Tree(path)
    except (OSError, zipfile.BadZipFile):
        return False
    try:
        has_index = any(tree.key(n) in tree.names for n in ("users.json", *_INDEXES))
        return has_index or bool(tree.conversations())
    finally:
        tree.close()


def _load(tree: _Tree, name: str, warn: WarnFn) -> Any:
    data = tree.read(name)
    if data is None:
        return None
    label = f"{tree.path}/{tree.key(name)}"
    try:
        return json.loads(decode_bytes(data, label, warn))
    except json.JSONDecodeError as exc:
        raise ExportFormatError(label, exc.lineno, f"invalid JSON: {exc.msg}") from None


def _users(tree: _Tree, warn: WarnFn) -> dict[str, str]:
    users: dict[str, str] = {}
    for user in _load(tree, "users.json", warn) or ():
        if isinstance(user, dict) and "id" in user:
            profile = user.get("profile") or {}
            users[str(user["id"])] = str(
                profile.get("display_name")
                or profile.get("real_name")
                or user.get("real_name")
                or user.get("name")
                or user["id"]
            )
    return users


def _conversation_ids(tree: _Tree, warn: WarnFn) -> dict[str, tuple[str, str]]:
    """Folder name -> (conversation id, display name), from every index file present."""
    out: dict[str, tuple[str, str]] = {}
    for index in _INDEXES:
        for conv in _load(tree, index, warn) or ():
            if isinstance(conv, dict) and "id" in conv:
                cid = str(conv["id"])
                name = str(conv.get("name") or cid)
                out[name] = out[cid] = (cid, name)
    return out


def read(path: Path, warn: WarnFn) -> Iterator[ChatMessage]:
    """Stream every conversation of a Slack export, merged in time order."""
    tree = _Tree(path)
    try:
        users = _users(tree, warn)
        ids = _conversation_ids(tree, warn)
        streams = [
            _conversation(tree, folder, days, ids.get(folder, (folder, folder)), users, warn)
            for folder, days in tree.conversations().items()
        ]
        if not streams:
            raise ExportFormatError(str(path), None, "no conversation folders in Slack export")
        yield from heapq.merge(*streams, key=lambda m: m.timestamp)
    finally:
        tree.close()


def _conversation(
    tree: _Tree,
    folder: str,
    days: list[str],
    conv: tuple[str, str],
    users: dict[str, str],
    warn: WarnFn,
) -> Iterator[ChatMessage]:
    for day in days:
        name = f"{folder}/{day}"
        origin = f"{tree.path}/{tree.key(name)}"
        messages = _load(tree, name, warn)
        if not isinstance(messages, list):
            raise ExportFormatError(origin, 1, "a Slack day file must be a JSON array")
        rows = []
        for index, msg in enumerate(messages, 1):
            if not isinstance(msg, dict) or "ts" not in msg:
                raise ExportFormatError(origin, None, f"message {index} has no 'ts'")
            try:
                when = parse_ts(str(msg["ts"]))
            except ValueError:
                raise ExportFormatError(origin, None, f"message {index}: bad ts") from None
            rows.append((when, index, msg))
        rows.sort(key=lambda row: (row[0], row[1]))
        for when, index, msg in rows:
            yield _message(msg, when, conv, users, origin, index)


def parse_ts(ts: str) -> datetime:
    """A Slack `ts` ("1703968865.123456", seconds since the epoch) as aware UTC."""
    seconds, _, fraction = ts.partition(".")
    micros = int((fraction + "000000")[:6]) if fraction else 0
    return _EPOCH + timedelta(seconds=int(seconds), microseconds=micros)


def render_text(text: str, users: dict[str, str]) -> tuple[str, tuple[str, ...]]:
    """Slack markup back to readable text, with the user ids it mentions."""
    mentions: list[str] = []

    def replace(m: re.Match[str]) -> str:
        target, _, label = m.group(1).partition("|")
        if target.startswith("@"):
            uid = target[1:]
            if uid not in mentions:
                mentions.append(uid)
            return "@" + (users.get(uid) or label or uid)
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            return label or "@" + target[1:].split("^")[0]
        return f"{label} ({target})" if label and label != target else target

    rendered = _MARKUP.sub(replace, text) if "<" in text else text
    return html.unescape(rendered), tuple(mentions)


def _message(
    msg: dict[str, Any],
    when: datetime,
    conv: tuple[str, str],
    users: dict[str, str],
    origin: str,
    index: int,
) -> ChatMessage:
    cid, channel = conv
    subtype = str(msg.get("subtype") or "")
    user = str(msg.get("user") or msg.get("bot_id") or "")
    profile = msg.get("user_profile") or {}
    author = (
        users.get(user)
        or profile.get("display_name")
        or profile.get("real_name")
        or msg.get("username")
        or user
    )
    text, mentions = render_text(str(msg.get("text") or ""), users)
    ts, thread_ts = str(msg["ts"]), msg.get("thread_ts")
    return ChatMessage(
        source=SOURCE,
        message_id=f"{cid}:{ts}",
        timestamp=when,
        author=str(author),
        author_id=user,
        channel=channel,
        text=text,
        reply_to_id=f"{cid}:{thread_ts}" if thread_ts and str(thread_ts) != ts else None,
        mentions=mentions,
        is_system=subtype in _SYSTEM_SUBTYPES or subtype.endswith(_SYSTEM_SUFFIXES),
        is_bot=subtype == "bot_message" or ("bot_id" in msg and not msg.get("user")),
        attachments=len(msg.get("files") or ()),
        edited="edited" in msg,
        line=index,
        origin=origin,
    )
