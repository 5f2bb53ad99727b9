"""The policy's memory as plain, immutable, JSON-round-trippable data (the store persists it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, cast

from bot.engine.verdict import Category, Severity

if TYPE_CHECKING:
    from bot.policy.index import PolicyIndex

EventKind = Literal["message", "automod", "manual_note", "report"]
Pattern = Literal["critical", "retaliation", "repeat_sender", "pile_on", "targeted_colleague"]
SubjectKind = Literal["member", "channel"]
STATE_VERSION = 1


@dataclass(frozen=True, slots=True)
class Offence:
    """One counted hit of a message, reduced to what thresholds and evidence need."""

    category: Category
    subcategory: str
    severity: Severity
    rule_id: str


@dataclass(frozen=True, slots=True)
class HitRecord:
    """One flagged event (message, AutoMod block or moderator note): the unit of evidence."""

    key: str
    kind: EventKind
    message_id: int
    guild_id: int
    channel_id: int
    author_id: int
    at: datetime
    offences: tuple[Offence, ...]
    targets: tuple[int, ...] = ()
    author_is_moderator: bool = False

    @property
    def link(self) -> str:
        """Jump link to the message (for AutoMod, to the alert message the service gave us)."""
        return f"https://discord.com/channels/{self.guild_id}/{self.channel_id}/{self.message_id}"

    @property
    def severity(self) -> Severity:
        """The most serious offence."""
        return max(o.severity for o in self.offences)

    def severity_in(self, category: Category) -> Severity | None:
        """The most serious offence in one category: a message counts once per category."""
        found = [o.severity for o in self.offences if o.category == category]
        return max(found) if found else None

    @property
    def categories(self) -> tuple[Category, ...]:
        """Distinct categories, in order of first appearance."""
        return tuple(dict.fromkeys(o.category for o in self.offences))


@dataclass(frozen=True, slots=True)
class Watch:
    """After a report: the reported member is watched for hostility towards the reporter."""

    key: str
    reporter_id: int
    reported_id: int
    message_id: int
    at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Case:
    """An open case: one per pattern and subject, so later hits update it instead of alerting."""

    key: str
    pattern: Pattern
    subject_kind: SubjectKind
    subject_id: int
    opened_at: datetime
    updated_at: datetime
    evidence: tuple[HitRecord, ...]  # the most recent ones, bounded by alerts.evidence_limit
    incident_count: int
    offenders: tuple[int, ...]
    moderator_offender: bool = False


def case_key(pattern: Pattern, subject_kind: SubjectKind, subject_id: int) -> str:
    """The stable key of a case, e.g. 'repeat_sender:member:42'."""
    return f"{pattern}:{subject_kind}:{subject_id}"


@dataclass(frozen=True, slots=True)
class PolicyState:
    """Everything `decide` remembers between events. Treat as immutable."""

    records: tuple[HitRecord, ...] = ()
    watches: tuple[Watch, ...] = ()
    cases: Mapping[str, Case] = field(default_factory=dict)
    resolved: Mapping[str, datetime] = field(default_factory=dict)  # case key -> resolved at
    last_alert: Mapping[str, datetime] = field(default_factory=dict)  # subject -> last ping
    last_nudge: Mapping[int, datetime] = field(default_factory=dict)  # member -> last nudge
    seen: Mapping[str, datetime] = field(default_factory=dict)  # event key -> event time
    # Derived, not data: `decide`'s lookup index (bot/policy/index.py), shared by the states
    # `replace` derives, each part checked against the collection it describes before use.
    # Never compared, persisted or printed; `decide` hands back a state that carries it.
    index: PolicyIndex | None = field(default=None, compare=False, repr=False)

    def prune(
        self, now: datetime, horizon: timedelta, stale: timedelta, max_records: int
    ) -> PolicyState:
        """Drop what no rule can look at any more, so the state stays bounded."""
        cutoff = now - horizon
        records = tuple(r for r in self.records if r.at >= cutoff)[-max_records:]
        return PolicyState(
            records=records,
            watches=tuple(w for w in self.watches if w.expires_at > now),
            cases={k: c for k, c in self.cases.items() if c.updated_at >= now - stale},
            resolved={k: t for k, t in self.resolved.items() if t >= cutoff},
            last_alert={k: t for k, t in self.last_alert.items() if t >= cutoff},
            last_nudge={k: t for k, t in self.last_nudge.items() if t >= cutoff},
            seen={k: t for k, t in self.seen.items() if t >= cutoff},
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (datetimes as ISO 8601 strings)."""
        return {
            "version": STATE_VERSION,
            "records": [record_out(r) for r in self.records],
            "watches": [watch_out(w) for w in self.watches],
            "cases": [case_out(c) for c in self.cases.values()],
            "resolved": {k: t.isoformat() for k, t in self.resolved.items()},
            "last_alert": {k: t.isoformat() for k, t in self.last_alert.items()},
            "last_nudge": {str(k): t.isoformat() for k, t in self.last_nudge.items()},
            "seen": {k: t.isoformat() for k, t in self.seen.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PolicyState:
        """Rebuild from `to_json` output; raises ValueError on an unknown version."""
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"unsupported policy state version {data.get('version')!r}")
        cases = [case_in(c) for c in data["cases"]]
        return cls(
            records=tuple(record_in(r) for r in data["records"]),
            watches=tuple(watch_in(w) for w in data["watches"]),
            cases={c.key: c for c in cases},
            resolved={k: _dt(t) for k, t in data["resolved"].items()},
            last_alert={k: _dt(t) for k, t in data["last_alert"].items()},
            last_nudge={int(k): _dt(t) for k, t in data["last_nudge"].items()},
            seen={k: _dt(t) for k, t in data["seen"].items()},
        )


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def record_out(r: HitRecord) -> dict[str, Any]:
    """A hit record as JSON-ready data."""
    return {
        "key": r.key,
        "kind": r.kind,
        "message_id": r.message_id,
        "guild_id": r.guild_id,
        "channel_id": r.channel_id,
        "author_id": r.author_id,
        "at": r.at.isoformat(),
        "offences": [[o.category, o.subcategory, o.severity.label, o.rule_id] for o in r.offences],
        "targets": list(r.targets),
        "author_is_moderator": r.author_is_moderator,
    }


def record_in(d: Mapping[str, Any]) -> HitRecord:
    """A hit record from `record_out` data."""
    return HitRecord(
        key=d["key"],
        kind=cast(EventKind, d["kind"]),
        message_id=int(d["message_id"]),
        guild_id=int(d["guild_id"]),
        channel_id=int(d["channel_id"]),
        author_id=int(d["author_id"]),
        at=_dt(d["at"]),
        offences=tuple(
            Offence(cast(Category, c), s, Severity.parse(sev), rule)
            for c, s, sev, rule in d["offences"]
        ),
        targets=tuple(int(t) for t in d["targets"]),
        author_is_moderator=bool(d["author_is_moderator"]),
    )


def watch_out(w: Watch) -> dict[str, Any]:
    """A watch as JSON-ready data."""
    return {
        "key": w.key,
        "reporter_id": w.reporter_id,
        "reported_id": w.reported_id,
        "message_id": w.message_id,
        "at": w.at.isoformat(),
        "expires_at": w.expires_at.isoformat(),
    }


def watch_in(d: Mapping[str, Any]) -> Watch:
    """A watch from `watch_out` data."""
    return Watch(
        key=d["key"],
        reporter_id=int(d["reporter_id"]),
        reported_id=int(d["reported_id"]),
        message_id=int(d["message_id"]),
        at=_dt(d["at"]),
        expires_at=_dt(d["expires_at"]),
    )


def case_out(c: Case) -> dict[str, Any]:
    """A case (with its evidence) as JSON-ready data."""
    return {
        "key": c.key,
        "pattern": c.pattern,
        "subject_kind": c.subject_kind,
        "subject_id": c.subject_id,
        "opened_at": c.opened_at.isoformat(),
        "updated_at": c.updated_at.isoformat(),
        "evidence": [record_out(r) for r in c.evidence],
        "incident_count": c.incident_count,
        "offenders": list(c.offenders),
        "moderator_offender": c.moderator_offender,
    }


def case_in(d: Mapping[str, Any]) -> Case:
    """A case from `case_out` data."""
    return Case(
        key=d["key"],
        pattern=cast(Pattern, d["pattern"]),
        subject_kind=cast(SubjectKind, d["subject_kind"]),
        subject_id=int(d["subject_id"]),
        opened_at=_dt(d["opened_at"]),
        updated_at=_dt(d["updated_at"]),
        evidence=tuple(record_in(r) for r in d["evidence"]),
        incident_count=int(d["incident_count"]),
        offenders=tuple(int(o) for o in d["offenders"]),
        moderator_offender=bool(d["moderator_offender"]),
    )
