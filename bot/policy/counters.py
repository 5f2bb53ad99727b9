"""Decaying counters over the recent hit records, keyed by author, channel or target.

Counters are computed from the records rather than kept as running sums: a changed policy file
(new weights or half-lives) then applies to history at once, and the state stays plain data.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from bot.engine.verdict import CATEGORIES, Category, Severity
from bot.policy.config import PolicyConfig
from bot.policy.state import HitRecord

# Notes count towards a member's thresholds; only what was said in a channel counts for patterns.
_SPOKEN = ("message", "automod")


def by_member(
    records: Iterable[HitRecord], member_id: int, since: datetime | None = None
) -> list[HitRecord]:
    """Records of one member (messages, AutoMod blocks and moderator notes)."""
    return [r for r in records if r.author_id == member_id and _after(r, since)]


def member_points(
    records: Iterable[HitRecord], category: Category, config: PolicyConfig, now: datetime
) -> float:
    """Decayed points in one category: each record counts once, by its worst hit there."""
    policy = config.category(category)
    total = 0.0
    for r in records:
        severity = r.severity_in(category)
        if severity is not None:
            total += policy.points.of(severity) * policy.weight(now - r.at)
    return total


def member_total(records: list[HitRecord], config: PolicyConfig, now: datetime) -> float:
    """Decayed points over all categories, each with its own weights and decay."""
    return sum(member_points(records, c, config, now) for c in CATEGORIES)


def high_count(
    records: Iterable[HitRecord], category: Category, config: PolicyConfig, now: datetime
) -> int:
    """How many records hit `category` at high severity or worse within its high window."""
    window = timedelta(days=config.category(category).high_window_days)
    return sum(
        1
        for r in records
        if (s := r.severity_in(category)) is not None and s >= Severity.HIGH and now - r.at < window
    )


def in_channel(
    records: Iterable[HitRecord],
    channel_id: int,
    window: timedelta,
    now: datetime,
    since: datetime | None = None,
) -> list[HitRecord]:
    """Flagged messages in one channel within the window."""
    return [
        r
        for r in records
        if r.kind in _SPOKEN
        and r.channel_id == channel_id
        and now - r.at < window
        and _after(r, since)
    ]


def aimed_at(
    records: Iterable[HitRecord],
    target_id: int,
    window: timedelta,
    now: datetime,
    since: datetime | None = None,
) -> list[HitRecord]:
    """Flagged messages that mention or reply to one member, from anyone else, within the window."""
    return [
        r
        for r in records
        if r.kind in _SPOKEN
        and target_id in r.targets
        and r.author_id != target_id
        and now - r.at < window
        and _after(r, since)
    ]


def distinct_authors(records: Iterable[HitRecord]) -> list[int]:
    """Authors in order of first appearance."""
    return list(dict.fromkeys(r.author_id for r in records))


def _after(record: HitRecord, since: datetime | None) -> bool:
    # After a case is resolved only newer hits may reopen it: the old ones were dealt with.
    return since is None or record.at > since
