"""Plain, frozen records that the store hands out. No discord, no SQL: safe for any layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from bot.policy import case_flow

NudgeStatus = Literal["pending", "delivered", "dms_closed", "blocked", "failed"]
NUDGE_STATUSES: tuple[NudgeStatus, ...] = (
    "pending",
    "delivered",
    "dms_closed",
    "blocked",
    "failed",
)
NudgeVia = Literal["dm", "channel"]
# A case's life is the policy's (bot/policy/case_flow.py); these are its names.
CaseState = case_flow.CaseState
Outcome = case_flow.CaseOutcome
OUTCOMES: tuple[Outcome, ...] = case_flow.OUTCOMES
NoteKind = Literal["note", "warning"]


def message_link(guild_id: int, channel_id: int, message_id: int) -> str:
    """The canonical Discord jump link for a message."""
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"


@dataclass(frozen=True, slots=True)
class Detection:
    """A flagged message as seen at detection time: what `record_detection` stores.

    `verdict` is `Verdict.to_dict()`; the span texts in its hits are dropped before storing,
    because they are message text (recover them as `text[start:end]` while the text exists).
    `version` is the message revision: 0 for the original post, n for its n-th flagged edit.
    """

    guild_id: int
    channel_id: int
    message_id: int
    author_id: int
    text: str
    verdict: dict[str, Any]
    rules_version: str
    created_at: datetime
    version: int = 0
    link: str | None = None


@dataclass(frozen=True, slots=True)
class DetectionResult:
    """What `record_detection` did: `created` is False for a replayed event (nothing written)."""

    incident_id: int
    created: bool
    audit_seq: int
    case_id: int | None = None


@dataclass(frozen=True, slots=True)
class IncidentEdit:
    """A later edit of a flagged message; `text` is None once erased or past retention."""

    text: str | None
    edited_at: datetime


@dataclass(frozen=True, slots=True)
class Incident:
    """A flagged message with its evidence; `text` is None once erased or past retention."""

    id: int
    guild_id: int
    channel_id: int
    message_id: int
    version: int
    author_id: int
    link: str
    text: str | None
    text_digest: str
    verdict: dict[str, Any]
    category: str | None
    severity: str | None
    rules_version: str
    created_at: datetime
    deleted_at: datetime | None = None
    edits: tuple[IncidentEdit, ...] = ()


@dataclass(frozen=True, slots=True)
class Nudge:
    """A private message the bot sent (or tried to send) to a member."""

    id: int
    guild_id: int
    incident_id: int | None
    recipient_id: int
    via: NudgeVia
    body: str
    status: NudgeStatus
    detail: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class CaseNote:
    """A moderator's note on a case; `text` is None once erased."""

    id: int
    author_id: int
    text: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Escalation:
    """One hand-over of a case to a moderator (or a moderator channel)."""

    id: int
    case_id: int
    to_user_id: int | None
    to_channel_id: int | None
    reason: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Case:
    """A pattern of behaviour by one member that went to a moderator."""

    id: int
    guild_id: int
    pattern: str
    subject_id: int
    state: CaseState
    outcome: Outcome | None
    assigned_to: int | None
    opened_at: datetime
    acknowledged_at: datetime | None = None
    acknowledged_by: int | None = None
    resolved_at: datetime | None = None
    resolved_by: int | None = None
    incident_ids: tuple[int, ...] = ()
    notes: tuple[CaseNote, ...] = ()
    escalations: tuple[Escalation, ...] = ()


@dataclass(frozen=True, slots=True)
class Report:
    """A member's report of a message. `reporter_id` is None unless asked for by the moderator."""

    id: int
    guild_id: int
    channel_id: int
    message_id: int
    reported_id: int
    moderator_id: int
    link: str
    text: str | None
    reason: str | None
    case_id: int | None
    created_at: datetime
    reporter_id: int | None = None


@dataclass(frozen=True, slots=True)
class Watch:
    """Retaliation watch: hostility from `watched_id` towards `protected_id` escalates at once."""

    id: int
    guild_id: int
    report_id: int | None
    watched_id: int
    protected_id: int
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class MemberNote:
    """A moderator's note or warning about a member; `text` is None once erased."""

    id: int
    guild_id: int
    member_id: int
    author_id: int
    kind: NoteKind
    text: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class MemberHistory:
    """Everything on record about one member in one guild (reporters stay hidden)."""

    member_id: int
    incidents: tuple[Incident, ...] = ()
    nudges: tuple[Nudge, ...] = ()
    cases: tuple[Case, ...] = ()
    notes: tuple[MemberNote, ...] = ()
    reports_against: tuple[Report, ...] = ()


@dataclass(frozen=True, slots=True)
class StatRow:
    """Incidents counted per UTC day, category and channel."""

    day: str
    category: str | None
    channel_id: int
    count: int


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One link of the hash chain, as stored."""

    seq: int
    ts: datetime
    actor: str
    action: str
    subject: str
    details: dict[str, Any]
    prev: str
    hash: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for export (the timestamp as stored, ISO-8601 UTC)."""
        return {
            "seq": self.seq,
            "ts": self.ts.isoformat(timespec="microseconds"),
            "actor": self.actor,
            "action": self.action,
            "subject": self.subject,
            "details": self.details,
            "prev": self.prev,
            "hash": self.hash,
        }


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """The outcome of walking the audit chain; `problems` is empty when it verifies."""

    entries: int
    head_seq: int
    head_hash: str
    texts_erased: int
    first_bad_seq: int | None = None
    problems: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """True when every entry and every surviving text matches its hash."""
        return not self.problems
