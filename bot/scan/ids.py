"""Identity bookkeeping for a scan: the export's string ids as the integers engine and policy
use, the names to show for them, and who wrote recent messages (to resolve replies)."""

from __future__ import annotations

import re

_MENTION = re.compile(r"<([@#])(\d+)>")
_SNOWFLAKE = re.compile(r"\d{15,22}")


class Ids:
    """Maps the export's string ids to the integer ids the engine and policy use, and back."""

    def __init__(self) -> None:
        self.members: dict[str, int] = {}
        self.channels: dict[str, int] = {}
        self.member_names: dict[int, str] = {}
        self.raw: dict[int, str] = {}
        self.channel_names: dict[int, str] = {}
        self._next = 1

    def member(self, author_id: str, name: str) -> int:
        """The integer id of a member (Discord snowflakes keep their own value)."""
        found = self.members.get(author_id)
        if found is None:
            # Snowflakes stay themselves so `<@id>` written in a message finds the same member.
            found = int(author_id) if _SNOWFLAKE.fullmatch(author_id) else self._take()
            self.members[author_id] = found
            self.raw[found] = author_id
        if name or found not in self.member_names:
            self.member_names[found] = name or author_id
        return found

    def channel(self, name: str) -> int:
        """The integer id of a channel, by name."""
        found = self.channels.get(name)
        if found is None:
            found = self.channels[name] = self._take()
            self.channel_names[found] = name
        return found

    def _take(self) -> int:
        self._next += 1
        return self._next

    def name(self, member_id: int) -> str:
        """The display name for a member id, or a neutral placeholder for an unknown one."""
        return self.member_names.get(member_id, f"member {member_id}")

    def fill(self, text: str) -> str:
        """Policy text with `<@id>` and `<#id>` replaced by names."""

        def replace(m: re.Match[str]) -> str:
            number = int(m.group(2))
            if m.group(1) == "#":
                return "#" + self.channel_names.get(number, str(number))
            return self.name(number)

        return _MENTION.sub(replace, text)


class RecentAuthors:
    """Message id -> author id for roughly the last `size` messages, to resolve replies.

    Two generations of plain dicts: when the young one fills, the old one is dropped. Cheaper
    per message than an LRU, and it still remembers at least `size / 2` messages.
    """

    def __init__(self, size: int) -> None:
        self.half = max(size // 2, 1)
        self.young: dict[str, int] = {}
        self.old: dict[str, int] = {}

    def remember(self, message_id: str, author: int) -> None:
        """Note who wrote a message."""
        self.young[message_id] = author
        if len(self.young) >= self.half:
            self.old, self.young = self.young, {}

    def get(self, message_id: str) -> int | None:
        """Who wrote a recent message, or None when it is unknown or too old."""
        found = self.young.get(message_id)
        return found if found is not None else self.old.get(message_id)
