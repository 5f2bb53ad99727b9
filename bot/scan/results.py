"""What a scan keeps: bounded aggregates, the flagged messages it holds in full, and the summary.

Everything here is sized by the number of members, channels, weeks, rules and cases, never by
the number of messages, so a million-message export costs the same memory as a thousand. The
only list that grows with the flagged messages (`flagged`) is capped by the scanner.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot.engine.verdict import CATEGORIES, Category, Hit, Severity

SEVERITIES: tuple[str, ...] = tuple(s.label for s in Severity)
PATTERNS: tuple[str, ...] = (
    "critical",
    "retaliation",
    "repeat_sender",
    "pile_on",
    "targeted_colleague",
)
PATTERN_TITLES: dict[str, str] = {
    "critical": "Immediate (critical or retaliation hit)",
    "retaliation": "Retaliation after a report",
    "repeat_sender": "Repeat sender",
    "pile_on": "Pile-on in a channel",
    "targeted_colleague": "Targeted colleague",
}


@dataclass(frozen=True, slots=True)
class ContextLine:
    """A message shown around a flagged one; the text is trimmed so context stays small."""

    time: datetime
    author: str
    text: str
    system: bool = False
    flagged: bool = False


@dataclass(slots=True)
class Flagged:
    """One flagged message with its verdict, the patterns it set off, and its context."""

    seq: int
    """Position of the message in the merged stream (1-based)."""
    time: datetime
    channel: str
    author: str
    author_id: str
    text: str
    category: Category
    subcategory: str
    severity: Severity
    rules: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]
    hits: tuple[Hit, ...]
    targets: tuple[str, ...]
    """Display names of the members the message was aimed at (mention, reply, name)."""
    patterns: tuple[str, ...]
    """Policy patterns whose case this message opened or added to."""
    origin: str
    line: int
    before: tuple[ContextLine, ...] = ()
    after: list[ContextLine] = field(default_factory=list)

    def record(self) -> dict[str, Any]:
        """The JSONL line for this message (see docs/scan.md for the format)."""
        return {
            "time": self.time.isoformat(),
            "channel": self.channel,
            "author": self.author,
            "author_id": self.author_id,
            "text": self.text,
            "category": self.category,
            "subcategory": self.subcategory,
            "severity": self.severity.label,
            "rules": list(self.rules),
            "spans": [list(s) for s in self.spans],
            "patterns": list(self.patterns),
            "targets": list(self.targets),
            "file": self.origin,
            "line": self.line,
        }


@dataclass(slots=True)
class MemberStats:
    """Everything the report says about one member."""

    author_id: str
    name: str
    messages: int = 0
    flagged: int = 0
    targeted: int = 0
    """Flagged messages from others aimed at this member."""
    by_category: Counter[str] = field(default_factory=Counter)
    by_severity: Counter[str] = field(default_factory=Counter)
    rules: Counter[str] = field(default_factory=Counter)
    patterns: Counter[str] = field(default_factory=Counter)
    """Policy patterns this member's messages opened a case for."""
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    first_flagged: datetime | None = None
    last_flagged: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form for the summary line."""
        return {
            "author": self.name,
            "author_id": self.author_id,
            "messages": self.messages,
            "flagged": self.flagged,
            "targeted": self.targeted,
            "by_category": dict(self.by_category),
            "by_severity": dict(self.by_severity),
            "rules": dict(self.rules),
            "patterns": dict(self.patterns),
            "first_seen": _iso(self.first_seen),
            "last_seen": _iso(self.last_seen),
            "first_flagged": _iso(self.first_flagged),
            "last_flagged": _iso(self.last_flagged),
        }


@dataclass(slots=True)
class CaseInfo:
    """One policy case (pattern + subject) as it developed over the export."""

    key: str
    pattern: str
    subject: str
    """Member or channel name."""
    subject_kind: str
    opened: int = 0
    """Times the case was opened (it can close by going stale and reopen later)."""
    incidents: int = 0
    first_at: datetime | None = None
    last_at: datetime | None = None
    offenders: list[str] = field(default_factory=list)
    summary: str = ""
    """The policy's reason when the case was last opened, with names filled in."""

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form for the summary line."""
        return {
            "pattern": self.pattern,
            "subject": self.subject,
            "subject_kind": self.subject_kind,
            "opened": self.opened,
            "incidents": self.incidents,
            "first": _iso(self.first_at),
            "last": _iso(self.last_at),
            "offenders": self.offenders,
            "summary": self.summary,
        }


@dataclass(frozen=True, slots=True)
class PatternEvent:
    """A case opening, for the timeline in "Patterns over time"."""

    at: datetime
    pattern: str
    subject: str
    summary: str
    seq: int


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What the report shows about a rule a message triggered."""

    id: str
    category: str
    subcategory: str
    severity: str
    nudge: str
    source: str


@dataclass(slots=True)
class ScanResult:
    """The outcome of a scan: aggregates, capped flagged messages, and bookkeeping."""

    files: list[str] = field(default_factory=list)
    formats: Counter[str] = field(default_factory=Counter)
    messages: int = 0
    evaluated: int = 0
    system: int = 0
    media: int = 0
    flagged_total: int = 0
    by_category: Counter[str] = field(default_factory=Counter)
    by_severity: Counter[str] = field(default_factory=Counter)
    by_category_severity: Counter[tuple[str, str]] = field(default_factory=Counter)
    weekly: dict[date, Counter[str]] = field(default_factory=dict)
    """Monday of the ISO week -> flagged messages per category."""
    channels: dict[str, list[int]] = field(default_factory=dict)
    """Channel -> [messages, flagged]."""
    members: dict[str, MemberStats] = field(default_factory=dict)
    rule_counts: Counter[str] = field(default_factory=Counter)
    rules: dict[str, RuleInfo] = field(default_factory=dict)
    cases: dict[str, CaseInfo] = field(default_factory=dict)
    timeline: list[PatternEvent] = field(default_factory=list)
    timeline_dropped: int = 0
    pattern_counts: Counter[str] = field(default_factory=Counter)
    """New cases opened, per pattern."""
    grass_watches: int = 0
    """Reports synthesised because a retaliation-category message targeted someone."""
    nudges: int = 0
    flagged: list[Flagged] = field(default_factory=list)
    flagged_cap: int = 0
    warnings: list[str] = field(default_factory=list)
    warnings_total: int = 0
    first_at: datetime | None = None
    last_at: datetime | None = None
    seconds: float = 0.0
    rules_version: str = ""
    rules_dir: str = ""

    @property
    def flagged_dropped(self) -> int:
        """Flagged messages not kept in full (JSONL still has every one)."""
        return self.flagged_total - len(self.flagged)

    @property
    def throughput(self) -> float:
        """Messages per second over the whole scan (0 when not timed)."""
        return self.messages / self.seconds if self.seconds > 0 else 0.0

    def involved(self) -> list[MemberStats]:
        """Members who sent or received a flagged message, most flagged first."""
        found = [m for m in self.members.values() if m.flagged or m.targeted]
        return sorted(found, key=lambda m: (-m.flagged, -m.targeted, m.name.casefold()))

    def categories_seen(self) -> list[Category]:
        """Categories in their canonical order (all four, so tables line up across reports)."""
        return list(CATEGORIES)

    def summary(self) -> dict[str, Any]:
        """The final JSONL line's payload: every aggregate, no message text."""
        return {
            "files": self.files,
            "formats": dict(self.formats),
            "messages": self.messages,
            "evaluated": self.evaluated,
            "system": self.system,
            "media_only": self.media,
            "flagged": self.flagged_total,
            "flagged_kept_in_full": len(self.flagged),
            "flagged_cap": self.flagged_cap,
            "by_category": {c: self.by_category.get(c, 0) for c in CATEGORIES},
            "by_severity": {s: self.by_severity.get(s, 0) for s in SEVERITIES},
            "by_category_severity": {
                c: {s: self.by_category_severity.get((c, s), 0) for s in SEVERITIES}
                for c in CATEGORIES
            },
            "members_involved": len(self.involved()),
            "members": [m.to_json() for m in self.involved()],
            "weekly": {d.isoformat(): dict(counts) for d, counts in sorted(self.weekly.items())},
            "channels": {k: {"messages": v[0], "flagged": v[1]} for k, v in self.channels.items()},
            "rules": dict(self.rule_counts),
            "patterns": {p: self.pattern_counts.get(p, 0) for p in PATTERNS},
            "cases": [c.to_json() for c in self.cases.values()],
            "grass_watches": self.grass_watches,
            "nudges": self.nudges,
            "first": _iso(self.first_at),
            "last": _iso(self.last_at),
            "seconds": round(self.seconds, 3),
            "messages_per_second": round(self.throughput, 1),
            "warnings": self.warnings_total,
            "rules_version": self.rules_version,
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
