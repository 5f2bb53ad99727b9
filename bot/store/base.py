"""The storage interface the services layer codes against.

`bot.store.sqlite.SqliteStore` implements it over one SQLite file; a PostgreSQL backend for
several bot processes would implement the same Protocols, with no change to the engine, the
policy or the Discord layer. Every method is one transaction; every write is audited.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.store.cases import CaseRequest
from bot.store.evidence import EvidenceData
from bot.store.policy_state import PolicyChanges
from bot.store.records import (
    AuditEntry,
    Case,
    Detection,
    DetectionResult,
    Escalation,
    Incident,
    MemberHistory,
    MemberNote,
    NoteKind,
    Nudge,
    NudgeStatus,
    NudgeVia,
    Outcome,
    Report,
    StatRow,
    VerifyReport,
    Watch,
)


class AuditLog(Protocol):
    """Append-only, hash-chained log of everything Upstander decides or is told to do."""

    async def record(
        self,
        actor: str,
        action: str,
        subject: str,
        details: dict[str, Any] | None = None,
        *,
        at: datetime | None = None,
    ) -> AuditEntry:
        """Append one entry (rule reloads, button clicks, ...)."""
        ...

    async def verify(self) -> VerifyReport:
        """Re-check the whole chain; name the first entry changed, removed or reordered."""
        ...

    def entries(self, since: datetime | None = None) -> AsyncIterator[AuditEntry]:
        """Entries from `since` on, in chain order (for export)."""
        ...


class Incidents(Protocol):
    """Flagged messages and their evidence."""

    async def record_detection(
        self,
        detection: Detection,
        *,
        policy_updates: Mapping[str, Any | None] | None = None,
        policy_changes: PolicyChanges | None = None,
        case: CaseRequest | None = None,
        actor: str = "bot",
    ) -> DetectionResult:
        """Incident + audit entry + policy state (+ case, escalation) in one transaction."""
        ...

    async def record_edit(
        self, guild_id: int, message_id: int, text: str, *, edited_at: datetime, actor: str = "bot"
    ) -> int | None:
        """Keep the new text of an edited flagged message; None if it was never flagged."""
        ...

    async def record_deletion(
        self, guild_id: int, message_id: int, *, deleted_at: datetime, actor: str = "bot"
    ) -> list[int]:
        """Mark a flagged message deleted, keeping its evidence."""
        ...

    async def get(self, incident_id: int) -> Incident:
        """One incident with its edits."""
        ...

    async def for_message(self, guild_id: int, message_id: int) -> list[Incident]:
        """Every flagged revision of a message."""
        ...

    async def message_ids(self) -> list[int]:
        """The id of every message with an incident, ascending, each once."""
        ...


class Nudges(Protocol):
    """Private messages the bot sent, with delivery status."""

    async def record(
        self,
        guild_id: int,
        recipient_id: int,
        body: str,
        *,
        incident_id: int | None = None,
        via: NudgeVia = "dm",
        status: NudgeStatus = "pending",
        actor: str = "bot",
        at: datetime | None = None,
    ) -> Nudge:
        """Record a nudge."""
        ...

    async def set_status(
        self,
        nudge_id: int,
        status: NudgeStatus,
        *,
        detail: str | None = None,
        actor: str = "bot",
        at: datetime | None = None,
    ) -> Nudge:
        """Record its delivery outcome (a new audit entry)."""
        ...

    async def for_member(self, guild_id: int, member_id: int) -> list[Nudge]:
        """Nudges sent to a member."""
        ...


class Cases(Protocol):
    """Cases, escalations, moderator decisions and notes."""

    async def open(
        self,
        guild_id: int,
        pattern: str,
        subject_id: int,
        *,
        assigned_to: int | None = None,
        incident_ids: Sequence[int] = (),
        actor: str = "bot",
        at: datetime | None = None,
    ) -> Case:
        """Open (or reuse the unresolved) case for a pattern and member."""
        ...

    async def add_incidents(
        self,
        case_id: int,
        incident_ids: Sequence[int],
        *,
        actor: str = "bot",
        at: datetime | None = None,
    ) -> Case:
        """File incidents under a case."""
        ...

    async def escalate(
        self,
        case_id: int,
        *,
        to_user_id: int | None,
        to_channel_id: int | None = None,
        reason: str,
        actor: str = "bot",
        at: datetime | None = None,
    ) -> Escalation:
        """Record that a case went to a moderator."""
        ...

    async def acknowledge(
        self, case_id: int, moderator_id: int, *, at: datetime | None = None
    ) -> Case:
        """A moderator has seen the case."""
        ...

    async def resolve(
        self,
        case_id: int,
        moderator_id: int,
        outcome: Outcome,
        *,
        note: str | None = None,
        at: datetime | None = None,
    ) -> Case:
        """Close a case with an outcome."""
        ...

    async def add_note(
        self, case_id: int, author_id: int, text: str, *, at: datetime | None = None
    ) -> Case:
        """Attach a moderator's note."""
        ...

    async def get(self, case_id: int) -> Case:
        """One case, fully loaded."""
        ...

    async def list_open(self, guild_id: int) -> list[Case]:
        """Unresolved cases of a guild."""
        ...

    async def list_recent(self, guild_id: int, limit: int) -> list[Case]:
        """The guild's newest `limit` cases in any state, oldest of them first."""
        ...


class Reports(Protocol):
    """Member reports (reporter hidden) and retaliation watches."""

    async def record(
        self,
        *,
        guild_id: int,
        channel_id: int,
        message_id: int,
        reported_id: int,
        reporter_id: int,
        moderator_id: int,
        text: str,
        reason: str | None = None,
        link: str | None = None,
        watch_until: datetime | None = None,
        at: datetime | None = None,
    ) -> Report:
        """Store a report and, optionally, its retaliation watch."""
        ...

    async def get(self, report_id: int) -> Report:
        """A report without its reporter."""
        ...

    async def reporter_view(
        self, report_id: int, moderator_id: int, *, at: datetime | None = None
    ) -> Report:
        """The report with its reporter, for the designated moderator only."""
        ...

    async def link_case(self, report_id: int, case_id: int) -> None:
        """Attach a report to its case."""
        ...

    async def add_watch(
        self,
        guild_id: int,
        watched_id: int,
        protected_id: int,
        *,
        expires_at: datetime,
        report_id: int | None = None,
        actor: str = "bot",
        at: datetime | None = None,
    ) -> Watch:
        """Start a retaliation watch."""
        ...

    async def active_watches(
        self, guild_id: int, watched_id: int, now: datetime | None = None
    ) -> list[Watch]:
        """Unexpired watches on a member."""
        ...


class Members(Protocol):
    """Notes, warnings, history and statistics."""

    async def add_note(
        self,
        guild_id: int,
        member_id: int,
        author_id: int,
        text: str,
        *,
        kind: NoteKind = "note",
        at: datetime | None = None,
    ) -> MemberNote:
        """A moderator's note or warning about a member."""
        ...

    async def history(self, guild_id: int, member_id: int) -> MemberHistory:
        """Everything on record about a member."""
        ...

    async def stats(
        self, guild_id: int, days: int, *, now: datetime | None = None
    ) -> list[StatRow]:
        """Incidents per day, category and channel."""
        ...


class PolicyState(Protocol):
    """The escalation policy's memory: items per guild, and a key -> JSON map."""

    async def apply(self, changes: PolicyChanges) -> None:
        """Write a guild's changed items in a transaction of their own."""
        ...

    async def items(self, guild_id: int) -> list[tuple[str, str, Any]]:
        """A guild's items as (kind, key, value), in insertion order."""
        ...

    async def save(self, updates: Mapping[str, Any | None], *, at: datetime | None = None) -> None:
        """Store keys (None deletes)."""
        ...

    async def load(self, key: str) -> Any | None:
        """One key's value."""
        ...

    async def load_prefix(self, prefix: str) -> dict[str, Any]:
        """Every key under a prefix."""
        ...


class Evidence(Protocol):
    """The material of evidence packs (see `bot/store/evidence.py`)."""

    async def gather(
        self,
        guild_id: int,
        *,
        member_id: int | None = None,
        case_id: int | None = None,
        with_reporter: bool = False,
    ) -> EvidenceData:
        """A member's or a case's records, audit entries, links and texts, in one snapshot."""
        ...


class Checkins(Protocol):
    """Check-ins sent to targeted colleagues (see `bot/store/checkins.py`)."""

    async def claim(
        self, guild_id: int, member_id: int, pattern: str, *, at: datetime, every: timedelta
    ) -> int | None:
        """A new check-in's id, or None if one is younger than `every`."""
        ...

    async def set_status(self, checkin_id: int, status: str, *, at: datetime) -> None:
        """Record its delivery."""
        ...


class Store(Protocol):
    """Everything the services layer needs from storage."""

    @property
    def audit(self) -> AuditLog:
        """The audit log."""
        ...

    @property
    def incidents(self) -> Incidents:
        """Flagged messages."""
        ...

    @property
    def nudges(self) -> Nudges:
        """Nudges."""
        ...

    @property
    def cases(self) -> Cases:
        """Cases and escalations."""
        ...

    @property
    def reports(self) -> Reports:
        """Reports and watches."""
        ...

    @property
    def members(self) -> Members:
        """Notes, history, stats."""
        ...

    @property
    def policy(self) -> PolicyState:
        """Policy counters."""
        ...

    @property
    def evidence(self) -> Evidence:
        """Evidence pack material."""
        ...

    @property
    def checkins(self) -> Checkins:
        """Check-ins."""
        ...

    async def erase_member(self, member_id: int, *, actor: str, at: datetime | None = None) -> int:
        """Erase a member's texts, audited."""
        ...

    async def purge(
        self, retention_days: int, *, actor: str = "system:retention", now: datetime | None = None
    ) -> int:
        """Apply retention now."""
        ...

    async def backup(self, dest: str | os.PathLike[str]) -> None:
        """Hot copy to a new file."""
        ...

    async def close(self) -> None:
        """Release the backend."""
        ...
