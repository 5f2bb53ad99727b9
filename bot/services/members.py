"""Member history, notes and warnings, statistics, export and audit verification."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.engine import Severity
from bot.engine.verdict import Category
from bot.policy import PolicyEvent
from bot.services.moderation import ModerationService
from bot.services.types import Outcome
from bot.store import Store
from bot.store.records import MemberHistory, MemberNote, NoteKind, VerifyReport


@dataclass(frozen=True, slots=True)
class Stats:
    """Incidents over a period: per category, per channel, and the trend between its halves."""

    days: int
    total: int
    by_category: tuple[tuple[str, int], ...]
    by_channel: tuple[tuple[int, int], ...]
    earlier_half: int
    later_half: int

    @property
    def trend(self) -> str:
        """'rising', 'falling' or 'steady': the later half of the period against the earlier."""
        if self.later_half > self.earlier_half:
            return "rising"
        if self.later_half < self.earlier_half:
            return "falling"
        return "steady"


class MemberService:
    """What moderators ask about members and the whole server."""

    def __init__(self, store: Store, moderation: ModerationService) -> None:
        """Bind to the store; warnings go through moderation so they count like incidents."""
        self.store = store
        self.moderation = moderation

    async def history(self, guild_id: int, member_id: int) -> MemberHistory:
        """Everything on record about a member (reporters stay hidden)."""
        return await self.store.members.history(guild_id, member_id)

    async def note(
        self,
        guild_id: int,
        channel_id: int,
        member_id: int,
        author_id: int,
        text: str,
        *,
        category: Category | None = None,
        severity: Severity = Severity.MEDIUM,
        member_is_moderator: bool = False,
    ) -> tuple[MemberNote, Outcome]:
        """A note; with a category it is a warning that counts towards the thresholds."""
        kind: NoteKind = "warning" if category is not None else "note"
        note = await self.store.members.add_note(guild_id, member_id, author_id, text, kind=kind)
        if category is None:
            return note, Outcome()
        event = PolicyEvent.manual_note(
            note_id=note.id,
            guild_id=guild_id,
            channel_id=channel_id,
            member_id=member_id,
            at=note.created_at,
            category=category,
            severity=severity,
            reason=f"warning by <@{author_id}>",
            member_is_moderator=member_is_moderator,
        )
        return note, await self.moderation.apply(event, None)

    async def stats(self, guild_id: int, days: int, now: datetime | None = None) -> Stats:
        """Counts per category and channel over `days`, and whether they are rising."""
        now = now or self.moderation.book.clock()
        rows = await self.store.members.stats(guild_id, days, now=now)
        by_category: Counter[str] = Counter()
        by_channel: Counter[int] = Counter()
        middle = (now - timedelta(days=days / 2)).date()
        earlier = later = 0
        for row in rows:
            by_category[row.category or "unknown"] += row.count
            by_channel[row.channel_id] += row.count
            if datetime.fromisoformat(row.day).date() < middle:
                earlier += row.count
            else:
                later += row.count
        return Stats(
            days=days,
            total=sum(by_category.values()),
            by_category=tuple(by_category.most_common()),
            by_channel=tuple(by_channel.most_common()),
            earlier_half=earlier,
            later_half=later,
        )

    async def export(self, since: datetime | None = None) -> bytes:
        """The audit log from `since` as JSON lines (a file for moderators to download)."""
        lines = [
            json.dumps(entry.to_dict(), ensure_ascii=False, sort_keys=True)
            async for entry in self.store.audit.entries(since)
        ]
        return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""

    async def verify(self) -> VerifyReport:
        """Walk the audit chain."""
        return await self.store.audit.verify()
