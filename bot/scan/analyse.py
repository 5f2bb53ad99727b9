"""Run the engine and the escalation policy over an exported history, in time order.

    scanner = Scanner(ruleset, policy_config, context=3, on_flagged=jsonl.write)
    for message in merge_in_time_order(read_export(p) for p in paths):
        scanner.feed(message)
    result = scanner.finish()

Each message is evaluated by the same `RuleSet` the bot uses live; flagged ones go through
`decide` with the policy state held in memory, exactly as the live service would see them had
the bot been present, with the message's own time as the clock. The scanner keeps only
aggregates and (up to a cap) the flagged messages with their context, so memory stays bounded.

Retaliation after someone is called a "grass": an export has no report button, but a message
in the retaliation category that is aimed at a member ("@Sam you grass") says that member
reported someone. The scanner then registers a report by that member against the sender, as if
they had reported the sender at that moment, so the sender's later flagged messages aimed at
them are treated as retaliation, as they would be live after a real report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from bot.engine import EvalContext, RuleSet, Verdict
from bot.engine.normalise import fold
from bot.policy import (
    Decision,
    Escalation,
    PolicyConfig,
    PolicyEvent,
    PolicyState,
    Routing,
    decide,
)
from bot.scan.ids import Ids, RecentAuthors
from bot.scan.model import ChatMessage
from bot.scan.results import (
    CaseInfo,
    Flagged,
    MemberStats,
    PatternEvent,
    RuleInfo,
    ScanResult,
)
from bot.scan.window import ContextWindows

DEFAULT_CONTEXT = 3
DEFAULT_KEEP = 5000
TIMELINE_LIMIT = 2000
WARNINGS_LIMIT = 100
REPLY_MEMORY = 50_000
"""Recent message ids kept to resolve replies to their author (older replies go unresolved)."""
NAME_TARGETS_LIMIT = 200
"""Above this many members, plain names are not searched for targets (the engine tries each
name on every message that matched something, which would dominate the time)."""

# Scan events are never delivered anywhere: a dummy moderator (id 0, which no member gets)
# makes the policy produce escalations without routing them to a reviewer for lack of one.
ROUTING = Routing(moderator_user_id=0)
_GUILD = 1

FlaggedSink = Callable[[Flagged], None]


class Scanner:
    """Feeds messages through engine and policy and gathers the report's aggregates."""

    def __init__(
        self,
        ruleset: RuleSet,
        policy: PolicyConfig,
        *,
        context: int = DEFAULT_CONTEXT,
        keep: int = DEFAULT_KEEP,
        on_flagged: FlaggedSink | None = None,
    ) -> None:
        self.ruleset = ruleset
        self.policy = policy
        self.keep = keep
        self.on_flagged = on_flagged
        self.result = ScanResult(flagged_cap=keep, rules_version=ruleset.version)
        self.state = PolicyState()
        self.windows = ContextWindows(context)
        self.ids = Ids()
        self._now: datetime | None = None
        self._seq = 0
        self._replies = RecentAuthors(REPLY_MEMORY)
        self._authors: dict[str, tuple[int, MemberStats]] = {}
        self._names: dict[str, int] = {}
        # Shared by every message without mentions or reply; `_names` grows in place.
        self._plain_context = EvalContext(member_names=self._names)
        self._rules = {r.id: r for r in ruleset.rules}

    # --- the hot path: every message -------------------------------------------------------

    def feed(self, message: ChatMessage) -> Flagged | None:
        """Take the next message (in time order); returns it as `Flagged` when it was flagged."""
        result = self.result
        self._seq += 1
        result.messages += 1
        result.formats[message.source] += 1
        channel = result.channels.get(message.channel)
        if channel is None:
            channel = result.channels[message.channel] = [0, 0]
        channel[0] += 1
        if result.first_at is None:
            result.first_at = message.timestamp
        result.last_at = message.timestamp
        if message.is_system:
            # Joins, pins and notices are context, not speech: shown around flags, never judged.
            result.system += 1
            self.windows.push(message, False)
            return None
        author, stats = self._member(message)
        self._replies.remember(message.message_id, author)
        item: Flagged | None = None
        if not message.text:
            result.media += 1
        else:
            result.evaluated += 1
            verdict = self.ruleset.evaluate(message.text, self._context(message))
            if verdict.flagged:
                channel[1] += 1
                item = self._flagged(message, verdict, author, stats)
        self.windows.push(message, item is not None)
        if item is not None and result.flagged and result.flagged[-1] is item:
            self.windows.wait_for_after(item)
        return item

    def _member(self, message: ChatMessage) -> tuple[int, MemberStats]:
        known = self._authors.get(message.author_id)
        if known is None:
            number = self.ids.member(message.author_id, message.author)
            stats = self._stats_of(number)
            known = self._authors[message.author_id] = (number, stats)
            self._learn_name(message.author, number)
        number, stats = known
        if stats.name != message.author:
            # Display names change over a long history: the report shows the latest.
            stats.name = message.author
            self.ids.member(message.author_id, message.author)
        stats.messages += 1
        if stats.first_seen is None:
            stats.first_seen = message.timestamp
        stats.last_seen = message.timestamp
        return known

    def _learn_name(self, author: str, number: int) -> None:
        if len(self._names) >= NAME_TARGETS_LIMIT:
            return
        name = " ".join(fold(author).split())
        # Short names ("Al", "Jo") are too likely to be ordinary words or parts of them, and
        # phone numbers are found as mentions by the readers already.
        if len(name) >= 3 and not name.startswith("+"):
            self._names.setdefault(name, number)

    def _context(self, message: ChatMessage) -> EvalContext:
        if not message.mentions and message.reply_to_id is None:
            return self._plain_context  # most messages: one shared, immutable context
        # A mentioned member may never have spoken yet: `member` keeps any name already known.
        mentions = tuple(self.ids.member(m, "") for m in message.mentions)
        reply_to = None
        if message.reply_to_id is not None:
            reply_to = self._replies.get(message.reply_to_id)
        return EvalContext(mentions=mentions, reply_to=reply_to, member_names=self._names)

    # --- the slow path: flagged messages -----------------------------------------------------

    def _flagged(
        self, message: ChatMessage, verdict: Verdict, author: int, stats: MemberStats
    ) -> Flagged:
        result = self.result
        top = verdict.top
        assert top is not None  # a flagged verdict has hits
        at = message.timestamp.astimezone(UTC)
        # The policy's clock never runs backwards, even if an export has a stray earlier stamp.
        self._now = at if self._now is None or at > self._now else self._now
        channel_id = self.ids.channel(message.channel)
        event = PolicyEvent.from_verdict(
            message_id=self._seq,
            guild_id=_GUILD,
            channel_id=channel_id,
            author_id=author,
            at=at,
            verdict=verdict,
        )
        self.state, decision = decide(self.state, event, self.policy, self._now, routing=ROUTING)
        patterns = self._record_decision(decision, at)
        if any(h.category == "retaliation" for h in verdict.hits):
            self._watch_named_reporters(event)

        category, severity = top.category, top.severity.label
        result.flagged_total += 1
        result.by_category[category] += 1
        result.by_severity[severity] += 1
        result.by_category_severity[(category, severity)] += 1
        week = at.date() - timedelta(days=at.weekday())
        result.weekly.setdefault(week, _counter())[category] += 1
        stats.flagged += 1
        stats.by_category[category] += 1
        stats.by_severity[severity] += 1
        stats.first_flagged = stats.first_flagged or message.timestamp
        stats.last_flagged = message.timestamp
        for rule_id in verdict.rule_ids:
            result.rule_counts[rule_id] += 1
            stats.rules[rule_id] += 1
            self._note_rule(rule_id)
        targets = []
        for target in event.targets:
            targets.append(self.ids.name(target))
            self._stats_of(target).targeted += 1

        item = Flagged(
            seq=self._seq,
            time=message.timestamp,
            channel=message.channel,
            author=message.author,
            author_id=message.author_id,
            text=message.text,
            category=category,
            subcategory=top.subcategory,
            severity=top.severity,
            rules=tuple(verdict.rule_ids),
            spans=tuple((s[0], s[1]) for s in verdict.spans),
            hits=verdict.hits,
            targets=tuple(targets),
            patterns=patterns,
            origin=message.origin,
            line=message.line,
        )
        if self.on_flagged is not None:
            self.on_flagged(item)
        if len(result.flagged) < self.keep:
            item.before = self.windows.before(message.channel)
            result.flagged.append(item)
        return item

    def _record_decision(self, decision: Decision, at: datetime) -> tuple[str, ...]:
        """Fold a decision's escalations into cases and the timeline; the patterns it touched."""
        result = self.result
        if decision.nudge is not None:
            result.nudges += 1
        patterns: list[str] = []
        for esc in decision.escalations:
            patterns.append(esc.pattern)
            if esc.subject_kind == "channel":
                subject = "#" + self.ids.channel_names.get(esc.subject_id, str(esc.subject_id))
            else:
                subject = self.ids.name(esc.subject_id)
            case = result.cases.get(esc.case_key)
            if case is None:
                case = CaseInfo(esc.case_key, esc.pattern, subject, esc.subject_kind)
                result.cases[esc.case_key] = case
            case.incidents += 1 if not esc.new_case else esc.incident_count
            case.last_at = at
            case.offenders = [self.ids.name(o) for o in esc.offenders]
            if esc.new_case:
                case.opened += 1
                case.first_at = case.first_at or at
                case.summary = self._case_summary(esc)
                result.pattern_counts[esc.pattern] += 1
                for offender in esc.offenders:
                    self._stats_of(offender).patterns[esc.pattern] += 1
                if len(result.timeline) < TIMELINE_LIMIT:
                    result.timeline.append(
                        PatternEvent(at, esc.pattern, subject, case.summary, self._seq)
                    )
                else:
                    result.timeline_dropped += 1
        return tuple(dict.fromkeys(patterns))

    def _case_summary(self, esc: Escalation) -> str:
        """The policy's summary with names; a retaliation case also names whom it was aimed at.

        Live alerts keep the reporter unnamed (the moderators' channel may read them); an
        investigator scanning an export already holds every message, so the report names them.
        """
        summary = self.ids.fill(esc.summary)
        if esc.pattern == "retaliation" and esc.evidence:
            aimed = dict.fromkeys(t for r in esc.evidence for t in r.targets)
            if aimed:
                summary += " Aimed at: " + ", ".join(self.ids.name(t) for t in aimed) + "."
        return summary

    def _watch_named_reporters(self, event: PolicyEvent) -> None:
        """Calling a member a grass marks them as a reporter: watch the sender for retaliation."""
        for target in event.targets:
            report = PolicyEvent.report(
                message_id=event.message_id,
                guild_id=event.guild_id,
                channel_id=event.channel_id,
                reporter_id=target,
                reported_id=event.author_id,
                at=event.at,
            )
            assert self._now is not None
            self.state, decision = decide(
                self.state, report, self.policy, self._now, routing=ROUTING
            )
            if not decision.duplicate:
                self.result.grass_watches += 1

    def _stats_of(self, member_id: int) -> MemberStats:
        """Stats of a member by integer id; a target who never wrote gets an empty entry."""
        raw = self.ids.raw.get(member_id, str(member_id))
        stats = self.result.members.get(raw)
        if stats is None:
            stats = self.result.members[raw] = MemberStats(raw, self.ids.name(member_id))
        return stats

    def _note_rule(self, rule_id: str) -> None:
        if rule_id in self.result.rules:
            return
        rule = self._rules.get(rule_id)
        if rule is not None:
            self.result.rules[rule_id] = RuleInfo(
                rule.id,
                rule.category,
                rule.subcategory,
                rule.severity.label,
                rule.nudge,
                rule.source,
            )

    # --- bookkeeping -----------------------------------------------------------------------

    def warn(self, message: str) -> None:
        """Keep a reader's warning for the report (the first WARNINGS_LIMIT of them)."""
        self.result.warnings_total += 1
        if len(self.result.warnings) < WARNINGS_LIMIT:
            self.result.warnings.append(message)

    def finish(self, seconds: float = 0.0) -> ScanResult:
        """The result; `seconds` is the wall time the caller measured around the scan."""
        self.result.seconds = seconds
        return self.result


def _counter() -> Counter[str]:
    return Counter()


def scan_messages(
    messages: Iterable[ChatMessage],
    ruleset: RuleSet,
    policy: PolicyConfig,
    *,
    context: int = DEFAULT_CONTEXT,
    keep: int = DEFAULT_KEEP,
    on_flagged: FlaggedSink | None = None,
) -> ScanResult:
    """Scan a stream of messages in one call (tests and library use)."""
    scanner = Scanner(ruleset, policy, context=context, keep=keep, on_flagged=on_flagged)
    for message in messages:
        scanner.feed(message)
    return scanner.finish()
