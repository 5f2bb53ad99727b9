"""The five patterns a moderator is told about, each checked for one new hit record."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.engine import labels
from bot.policy import counters
from bot.policy.config import PolicyConfig
from bot.policy.index import PolicyIndex
from bot.policy.state import HitRecord, Pattern, PolicyState, SubjectKind, Watch, case_key

_EPSILON = 1e-9  # points are floats: 3.5 reached as 3.4999999 must still count


@dataclass(frozen=True, slots=True)
class Candidate:
    """A case the new record belongs to; `evidence` is set when a threshold is crossed."""

    pattern: Pattern
    subject_kind: SubjectKind
    subject_id: int
    evidence: tuple[HitRecord, ...] | None
    reason: str
    urgent: bool = False

    @property
    def key(self) -> str:
        """The case key this candidate opens or updates."""
        return case_key(self.pattern, self.subject_kind, self.subject_id)


def find_watch(
    watches: Iterable[Watch], author_id: int, targets: tuple[int, ...], at: datetime
) -> Watch | None:
    """The report that makes this message retaliation: reported member aiming at the reporter."""
    for w in watches:
        if w.reported_id == author_id and w.reporter_id in targets and w.at <= at < w.expires_at:
            return w
    return None


def is_immediate(record: HitRecord, config: PolicyConfig) -> bool:
    """True when one offence alone warrants a human (critical severity, retaliation...)."""
    rule = config.immediate
    return any(
        o.severity.label in rule.severities
        or o.category in rule.categories
        or o.subcategory in rule.subcategories
        for o in record.offences
    )


def candidates(
    state: PolicyState,
    record: HitRecord,
    watch: Watch | None,
    config: PolicyConfig,
    now: datetime,
    index: PolicyIndex | None = None,
) -> list[Candidate]:
    """Every case `record` belongs to, most urgent first.

    With an `index` of `state`'s records, the counters read only the records of the member,
    channel or target at hand instead of all of them (same results, same order).
    """
    if index is not None and not index.describes_records(state):
        index = None
    found: list[Candidate] = []
    if watch is not None:
        found.append(_retaliation(record, watch))
    if is_immediate(record, config):
        found.append(_critical(record))
    found.append(_repeat_sender(state, record, config, now, index))
    if record.kind in ("message", "automod"):
        found.append(_pile_on(state, record, config, now, index))
        found.extend(_targeted(state, record, t, config, now, index) for t in record.targets)
    return found


def _since(state: PolicyState, key: str) -> datetime | None:
    return state.resolved.get(key)


def _retaliation(record: HitRecord, watch: Watch) -> Candidate:
    # The reporter is not named: alerts also go to the moderators' channel, and only the
    # designated moderator may know who reported (they have it from the report's DM).
    reason = (
        f"Retaliation: <@{record.author_id}> aimed a hostile message at the member who reported "
        f"them on {watch.at:%Y-%m-%d} (reported message {watch.message_id})."
    )
    return Candidate("retaliation", "member", record.author_id, (record,), reason, urgent=True)


def _critical(record: HitRecord) -> Candidate:
    # On equal severity the retaliation offence is the one to name: a threat against someone
    # who reported is first of all retaliation (as the verdict reads it).
    worst = max(record.offences, key=lambda o: (o.severity, o.category == "retaliation"))
    what = labels.described(worst.category, worst.subcategory, worst.severity.label)
    reason = f"Immediate: <@{record.author_id}> — {what} in <#{record.channel_id}>."
    return Candidate("critical", "member", record.author_id, (record,), reason, urgent=True)


def _repeat_sender(
    state: PolicyState,
    record: HitRecord,
    config: PolicyConfig,
    now: datetime,
    index: PolicyIndex | None,
) -> Candidate:
    member = record.author_id
    since = _since(state, case_key("repeat_sender", "member", member))
    mine: Sequence[HitRecord] = (
        index.records.authored(member) if index is not None else state.records
    )
    history = counters.by_member(mine, member, since)
    reasons: list[str] = []
    for category in record.categories:
        policy = config.category(category)
        points = counters.member_points(history, category, config, now)
        if points + _EPSILON >= policy.escalate_at:
            reasons.append(f"{points:.1f} {category} points (threshold {policy.escalate_at:g})")
        highs = counters.high_count(history, category, config, now)
        if highs >= policy.high_count:
            reasons.append(
                f"{highs} high-severity {category} hits within {policy.high_window_days:g} days"
            )
    limit = config.member_total.escalate_at
    if not reasons and limit is not None:
        total = counters.member_total(history, config, now)
        if total + _EPSILON >= limit:
            reasons.append(f"{total:.1f} points across categories (threshold {limit:g})")
    evidence = tuple(history) if reasons else None
    reason = f"Repeat sender: <@{member}> reached " + "; ".join(reasons) + "."
    return Candidate("repeat_sender", "member", member, evidence, reason)


def _pile_on(
    state: PolicyState,
    record: HitRecord,
    config: PolicyConfig,
    now: datetime,
    index: PolicyIndex | None,
) -> Candidate:
    channel = record.channel_id
    since = _since(state, case_key("pile_on", "channel", channel))
    window = timedelta(days=config.pile_on.window_days)
    there: Sequence[HitRecord] = (
        index.records.spoken_in(channel, now - window) if index is not None else state.records
    )
    recent = counters.in_channel(there, channel, window, now, since)
    authors = counters.distinct_authors(recent)
    crossed = len(authors) >= config.pile_on.min_members
    reason = (
        f"Pile-on in <#{channel}>: {len(authors)} members flagged within "
        f"{config.pile_on.window_days:g} days (" + ", ".join(f"<@{a}>" for a in authors) + ")."
    )
    return Candidate("pile_on", "channel", channel, tuple(recent) if crossed else None, reason)


def _targeted(
    state: PolicyState,
    record: HitRecord,
    target: int,
    config: PolicyConfig,
    now: datetime,
    index: PolicyIndex | None,
) -> Candidate:
    since = _since(state, case_key("targeted_colleague", "member", target))
    rule = config.targeted_colleague
    window = timedelta(days=rule.window_days)
    named: Sequence[HitRecord] = (
        index.records.aimed_at(target, now - window) if index is not None else state.records
    )
    aimed = counters.aimed_at(named, target, window, now, since)
    senders = counters.distinct_authors(aimed)
    crossed = len(aimed) >= rule.min_incidents
    reason = (
        f"Targeted colleague: <@{target}> was the target of {len(aimed)} flagged messages from "
        + ", ".join(f"<@{s}>" for s in senders)
        + f" within {rule.window_days:g} days."
    )
    return Candidate(
        "targeted_colleague", "member", target, tuple(aimed) if crossed else None, reason
    )
