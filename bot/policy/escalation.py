"""`decide`: one event plus the remembered state in, the new state and what to do out. Pure."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from bot.engine.verdict import Severity
from bot.policy.authority import case_recipient, is_moderator_id
from bot.policy.config import PolicyConfig
from bot.policy.events import Decision, Escalation, Nudge, PolicyEvent, Route, Routing
from bot.policy.index import PolicyIndex, RecordIndex, index_of, keep_index
from bot.policy.patterns import Candidate, candidates, find_watch, is_immediate
from bot.policy.state import Case, HitRecord, Offence, PolicyState, Watch


def decide(
    state: PolicyState,
    event: PolicyEvent,
    config: PolicyConfig,
    now: datetime,
    *,
    routing: Routing,
    indexed: bool = True,
) -> tuple[PolicyState, Decision]:
    """Apply one event: returns the new state and the decision (nudge and escalations).

    `indexed=False` prunes and counts the plain way, over every record: the reference the
    tests compare the index with, and the benchmark's baseline.
    """
    _require_utc(now, "now")
    _require_utc(event.at, "event.at")
    index = index_of(state) if indexed else None
    if index is not None:
        index.steps = {}  # what this decision changes, for the store's diff
    state, decision = _decide(state, event, config, now, routing, index)
    return (keep_index(state, index) if index is not None else state), decision


def _decide(
    state: PolicyState,
    event: PolicyEvent,
    config: PolicyConfig,
    now: datetime,
    routing: Routing,
    index: PolicyIndex | None,
) -> tuple[PolicyState, Decision]:
    state = _prune(state, config, now, index)
    key = event.key
    if key in state.seen:
        return state, Decision(key, duplicate=True, notes=("already handled",))
    if event.at < now - config.horizon():
        return state, Decision(key, notes=("too old to count",))
    if event.kind == "report":
        return _register_report(state, event, config, index)

    is_moderator = event.author_is_moderator or is_moderator_id(event.author_id, routing)
    offences = _offences(event, config)
    watch = None
    if offences or event.hostile:
        # Towards a reporter, hostility counts even when the engine found nothing to count.
        watch = find_watch(state.watches, event.author_id, event.targets, event.at)
    if watch is not None and not offences:
        offences = (_hostility(event),)
    record = HitRecord(
        key=key,
        kind=event.kind,
        message_id=event.message_id,
        guild_id=event.guild_id,
        channel_id=event.channel_id,
        author_id=event.author_id,
        at=event.at,
        offences=offences,
        targets=event.targets,
        author_is_moderator=is_moderator,
    )
    if is_moderator and config.exempt_moderators and watch is None:
        # Opt-in exemption still lets critical hits through (to the reviewer).
        offences = tuple(o for o in offences if is_immediate(_only(record, o), config))
        record = dataclasses.replace(record, offences=offences)
    if not offences:
        # Clean messages leave no trace, so an edit that adds an offence still counts.
        return state, Decision(key)

    before = state
    state = dataclasses.replace(
        state, records=(*state.records, record), seen={**state.seen, key: event.at}
    )
    nudge, state, notes = _nudge(state, event, record, config, now)
    if index is not None:
        index.append_record(before.records, state.records)
        index.touch("seen", before.seen, state.seen, (key,))
        index.touch("last_nudge", before.last_nudge, state.last_nudge, (event.author_id,))
    escalations: list[Escalation] = []
    escalated: set[int] = set()
    for cand in candidates(state, record, watch, config, now, index):
        opened = state.cases.get(cand.key)
        if opened is None and (cand.evidence is None or _folded(cand, escalated)):
            continue
        before = state
        state, esc = _open_or_update(state, cand, opened, record, config, now, routing)
        if index is not None:
            index.touch("cases", before.cases, state.cases, (esc.case_key,))
            subject = f"{esc.subject_kind}:{esc.subject_id}"
            index.touch("last_alert", before.last_alert, state.last_alert, (subject,))
        escalations.append(esc)
        if cand.subject_kind == "member" and cand.subject_id == record.author_id:
            escalated.add(cand.subject_id)
    return state, Decision(key, nudge, tuple(escalations), notes=notes)


def resolve_case(state: PolicyState, case_key: str, now: datetime) -> PolicyState:
    """Close a case (a moderator resolved it): only hits after `now` can reopen that pattern."""
    _require_utc(now, "now")
    cases = {k: c for k, c in state.cases.items() if k != case_key}
    return dataclasses.replace(state, cases=cases, resolved={**state.resolved, case_key: now})


def _require_utc(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() != timedelta(0):
        raise ValueError(f"{name} must be a timezone-aware UTC datetime, got {value!r}")


def _prune(
    state: PolicyState, config: PolicyConfig, now: datetime, index: PolicyIndex | None
) -> PolicyState:
    """`PolicyState.prune` with this policy's limits; with the index, only what expired is
    touched and an unchanged collection stays the same object (the store's diff is then free)."""
    alerts = config.alerts
    horizon, stale = config.horizon(), timedelta(days=alerts.case_stale_days)
    if index is None:
        return state.prune(now, horizon, stale, alerts.max_records)
    cutoff = now - horizon
    records = index.prune_records(cutoff, alerts.max_records)
    if records is None:  # an old record behind a newer one: the plain way, then re-index
        records = tuple(r for r in state.records if r.at >= cutoff)[-alerts.max_records :]
        index.records = RecordIndex(records)
    watches = state.watches
    if any(w.expires_at <= now for w in watches):
        watches = tuple(w for w in watches if w.expires_at > now)
    return dataclasses.replace(
        state,
        records=records,
        watches=watches,
        cases=index.prune_map("cases", now - stale),
        resolved=index.prune_map("resolved", cutoff),
        last_alert=index.prune_map("last_alert", cutoff),
        last_nudge=index.prune_map("last_nudge", cutoff),
        seen=index.prune_map("seen", cutoff),
    )


def _register_report(
    state: PolicyState, event: PolicyEvent, config: PolicyConfig, index: PolicyIndex | None
) -> tuple[PolicyState, Decision]:
    reported = event.reported_id
    if reported is None or reported == event.author_id:
        return state, Decision(event.key, notes=("report ignored: no other member reported",))
    watch = Watch(
        key=event.key,
        reporter_id=event.author_id,
        reported_id=reported,
        message_id=event.message_id,
        at=event.at,
        expires_at=event.at + timedelta(days=config.retaliation.watch_days),
    )
    before = state
    state = dataclasses.replace(
        state, watches=(*state.watches, watch), seen={**state.seen, event.key: event.at}
    )
    if index is not None:
        index.touch("seen", before.seen, state.seen, (event.key,))
    return state, Decision(event.key, notes=(f"watching <@{reported}> for retaliation",))


def _offences(event: PolicyEvent, config: PolicyConfig) -> tuple[Offence, ...]:
    """The hits that count, one Offence each; AutoMod blocks get theirs from the policy file."""
    if event.kind == "automod":
        rule = config.automod
        if not rule.enabled:
            return ()
        severity = Severity.parse(rule.severity)
        return (Offence(rule.category, rule.subcategory, severity, f"automod:{event.label}"),)
    # Hits at non-protected targets (`policy`) reach us only if the server switched them on.
    return tuple(Offence(h.category, h.subcategory, h.severity, h.rule_id) for h in event.hits)


def _hostility(event: PolicyEvent) -> Offence:
    worst = max((h.severity for h in event.hits), default=Severity.MEDIUM)
    return Offence("retaliation", "after_report", worst, "policy:hostile-after-report")


def _only(record: HitRecord, offence: Offence) -> HitRecord:
    return dataclasses.replace(record, offences=(offence,))


def _nudge(
    state: PolicyState, event: PolicyEvent, record: HitRecord, config: PolicyConfig, now: datetime
) -> tuple[Nudge | None, PolicyState, tuple[str, ...]]:
    """One merged nudge for the message, unless the sender was nudged moments ago."""
    if event.kind == "manual_note" or (event.kind == "automod" and not config.automod.nudge):
        return None, state, ()
    floor = Severity.parse(config.nudge.min_severity)
    counted = {o.rule_id for o in record.offences}
    # Most serious first; on equal severity retaliation first, as the verdict reads it (a
    # threat against someone who reported is retaliation before it is violence).
    hits = sorted(
        (h for h in event.hits if h.rule_id in counted and h.severity >= floor),
        key=lambda h: (-h.severity, h.category != "retaliation"),
    )
    if not hits and event.kind != "automod":
        return None, state, ()
    last = state.last_nudge.get(event.author_id)
    if last is not None and now - last < timedelta(minutes=config.nudge.cooldown_minutes):
        return None, state, ("nudge held back: sender nudged moments ago",)
    worst = hits[0] if hits else None
    nudge = Nudge(
        member_id=event.author_id,
        message_id=event.message_id,
        guild_id=event.guild_id,
        channel_id=event.channel_id,
        category=worst.category if worst else record.offences[0].category,
        severity=worst.severity if worst else record.severity,
        texts=tuple(dict.fromkeys(h.nudge for h in hits if h.nudge)),
        rule_ids=tuple(dict.fromkeys(o.rule_id for o in record.offences)),
        subcategory=worst.subcategory if worst else record.offences[0].subcategory,
    )
    state = dataclasses.replace(state, last_nudge={**state.last_nudge, event.author_id: now})
    return nudge, state, ()


def _folded(cand: Candidate, escalated_members: set[int]) -> bool:
    # One message, one new case per member: retaliation need not also open a critical case, nor a
    # threat a repeat-sender one; the next hit will, since the points are in the history.
    return cand.subject_kind == "member" and cand.subject_id in escalated_members


def _open_or_update(
    state: PolicyState,
    cand: Candidate,
    opened: Case | None,
    record: HitRecord,
    config: PolicyConfig,
    now: datetime,
    routing: Routing,
) -> tuple[PolicyState, Escalation]:
    limit = config.alerts.evidence_limit
    if opened is None:
        evidence = cand.evidence or (record,)
        case = Case(
            key=cand.key,
            pattern=cand.pattern,
            subject_kind=cand.subject_kind,
            subject_id=cand.subject_id,
            opened_at=now,
            updated_at=now,
            evidence=evidence[-limit:],
            incident_count=len(evidence),
            offenders=_offenders(evidence),
            moderator_offender=any(r.author_is_moderator for r in evidence),
        )
        summary = cand.reason
    else:
        evidence = (*opened.evidence, record)
        case = dataclasses.replace(
            opened,
            updated_at=now,
            evidence=evidence[-limit:],
            incident_count=opened.incident_count + 1,
            offenders=_offenders((*opened.evidence, record), opened.offenders),
            moderator_offender=opened.moderator_offender or record.author_is_moderator,
        )
        summary = (
            f"Update ({case.incident_count} incidents): <@{record.author_id}> "
            f"{record.severity.label} {'/'.join(record.categories)} in <#{record.channel_id}>. "
            + cand.reason
        )
    subject = f"{cand.subject_kind}:{cand.subject_id}"
    last = state.last_alert.get(subject)
    cooled = last is None or now - last >= timedelta(minutes=config.alerts.cooldown_minutes)
    # Updates fold into the open case quietly; only urgent patterns ping again (after cooldown).
    alert = (opened is None or cooled) if cand.urgent else (opened is None and cooled)
    last_alert = {**state.last_alert, subject: now} if alert else state.last_alert
    state = dataclasses.replace(state, cases={**state.cases, case.key: case}, last_alert=last_alert)
    escalation = Escalation(
        case_key=case.key,
        pattern=case.pattern,
        subject_kind=case.subject_kind,
        subject_id=case.subject_id,
        new_case=opened is None,
        alert=alert,
        route=_route(case, routing),
        summary=summary,
        evidence=case.evidence,
        incident_count=case.incident_count,
        offenders=case.offenders,
    )
    return state, escalation


def _offenders(records: tuple[HitRecord, ...], known: tuple[int, ...] = ()) -> tuple[int, ...]:
    return tuple(dict.fromkeys((*known, *(r.author_id for r in records))))


def _route(case: Case, routing: Routing) -> Route:
    """The designated moderator, unless a moderator is among the offenders: then the reviewer."""
    to, user, channel = case_recipient(
        case.offenders,
        case.moderator_offender,
        routing,
        # Whom a hostile message after a report aims at IS the reporter: only the designated
        # moderator, who already knows from the report, may see it; not the moderators' channel.
        reporter_involved=case.pattern == "retaliation",
    )
    return Route(to, user, channel)
