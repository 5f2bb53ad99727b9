"""What goes into the policy (events) and what comes out (a decision).

`Routing` lives in authority.py with the rules that read it; it is re-exported here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from bot.engine.verdict import Category, Hit, Severity, Verdict
from bot.policy.authority import Routing as Routing
from bot.policy.state import EventKind, HitRecord, Pattern, SubjectKind


@dataclass(frozen=True, slots=True)
class PolicyEvent:
    """One thing that happened, as plain data: a message, an AutoMod block, a note or a report.

    `author_id` is the sender; for a manual note it is the member the note is about, and for a
    report it is the reporter (the reported member is `reported_id`).
    """

    kind: EventKind
    message_id: int
    guild_id: int
    channel_id: int
    author_id: int
    at: datetime
    hits: tuple[Hit, ...] = ()
    targets: tuple[int, ...] = ()
    author_is_moderator: bool = False
    reported_id: int | None = None
    hostile: bool = False  # set by services for hostility the engine did not flag
    label: str = ""  # AutoMod rule name or the note's reason, shown in evidence

    @property
    def key(self) -> str:
        """Idempotence key: the same event delivered twice has the same key."""
        if self.kind == "report":
            # The same message may be reported by several members: each report is its own event.
            return f"report:{self.message_id}:{self.author_id}"
        return f"{self.kind}:{self.message_id}"

    @classmethod
    def from_verdict(
        cls,
        *,
        message_id: int,
        guild_id: int,
        channel_id: int,
        author_id: int,
        at: datetime,
        verdict: Verdict,
        author_is_moderator: bool = False,
        named: Iterable[int] = (),
    ) -> PolicyEvent:
        """A message event; targets are the verdict's mentions and reply, plus members `named`."""
        addressee = verdict.addressee
        candidates = [*addressee.mentions, addressee.reply_to, *named]
        targets = tuple(dict.fromkeys(t for t in candidates if t is not None and t != author_id))
        return cls(
            kind="message",
            message_id=message_id,
            guild_id=guild_id,
            channel_id=channel_id,
            author_id=author_id,
            at=at,
            hits=verdict.hits,
            targets=targets,
            author_is_moderator=author_is_moderator,
        )

    @classmethod
    def automod(
        cls,
        *,
        alert_id: int,
        guild_id: int,
        channel_id: int,
        author_id: int,
        at: datetime,
        rule_name: str,
        targets: tuple[int, ...] = (),
        author_is_moderator: bool = False,
    ) -> PolicyEvent:
        """A Discord AutoMod block; its category and severity come from the policy file."""
        return cls(
            kind="automod",
            message_id=alert_id,
            guild_id=guild_id,
            channel_id=channel_id,
            author_id=author_id,
            at=at,
            targets=tuple(t for t in targets if t != author_id),
            author_is_moderator=author_is_moderator,
            label=rule_name,
        )

    @classmethod
    def manual_note(
        cls,
        *,
        note_id: int,
        guild_id: int,
        channel_id: int,
        member_id: int,
        at: datetime,
        category: Category,
        severity: Severity,
        reason: str,
        member_is_moderator: bool = False,
    ) -> PolicyEvent:
        """A note or warning a moderator recorded by command: counts towards the same thresholds."""
        hit = Hit(
            rule_id="manual:note",
            category=category,
            subcategory="manual",
            severity=severity,
            start=0,
            end=0,
            text="",
            nudge="",
        )
        return cls(
            kind="manual_note",
            message_id=note_id,
            guild_id=guild_id,
            channel_id=channel_id,
            author_id=member_id,
            at=at,
            hits=(hit,),
            author_is_moderator=member_is_moderator,
            label=reason,
        )

    @classmethod
    def report(
        cls,
        *,
        message_id: int,
        guild_id: int,
        channel_id: int,
        reporter_id: int,
        reported_id: int,
        at: datetime,
    ) -> PolicyEvent:
        """A member reported a message: watch its author for retaliation against the reporter."""
        return cls(
            kind="report",
            message_id=message_id,
            guild_id=guild_id,
            channel_id=channel_id,
            author_id=reporter_id,
            at=at,
            reported_id=reported_id,
        )


@dataclass(frozen=True, slots=True)
class Route:
    """Where one escalation goes. `to='reviewer'` when a moderator is among the offenders."""

    to: Literal["moderator", "reviewer"]
    user_id: int | None
    channel_id: int | None

    @property
    def deliverable(self) -> bool:
        """False when nobody suitable is configured: services must log it loudly."""
        return self.user_id is not None or self.channel_id is not None


@dataclass(frozen=True, slots=True)
class Nudge:
    """One private nudge for one message, merged from all its hits."""

    member_id: int
    message_id: int
    guild_id: int
    channel_id: int
    category: Category
    severity: Severity
    texts: tuple[str, ...]
    rule_ids: tuple[str, ...]
    subcategory: str = ""  # of the most serious hit ("threat"), for the plain words


@dataclass(frozen=True, slots=True)
class Escalation:
    """Tell a human: a new case, or an update to an open one."""

    case_key: str
    pattern: Pattern
    subject_kind: SubjectKind
    subject_id: int
    new_case: bool
    alert: bool  # ping now; False folds the update into the case quietly (cooldown)
    route: Route
    summary: str
    evidence: tuple[HitRecord, ...]
    incident_count: int
    offenders: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Decision:
    """The policy's answer for one event."""

    event_key: str
    nudge: Nudge | None = None
    escalations: tuple[Escalation, ...] = ()
    duplicate: bool = False
    notes: tuple[str, ...] = field(default=())

    @property
    def acted(self) -> bool:
        """True when there is something to send."""
        return self.nudge is not None or bool(self.escalations)
