"""Small builders for policy tests: hand-made hits and events, and a runner that keeps state."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.engine.verdict import Addressee, Category, Hit, Severity, Verdict
from bot.policy import Decision, PolicyConfig, PolicyEvent, PolicyState, Routing, decide

T0 = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)  # a Monday morning
GUILD = 1
CHANNEL = 100
OTHER_CHANNEL = 200
MODERATOR = 900
MOD_CHANNEL = 901
OTHER_MOD = 910
REVIEWER = 950
ROUTING = Routing(
    moderator_user_id=MODERATOR,
    moderator_channel_id=MOD_CHANNEL,
    reviewer_user_id=REVIEWER,
    moderator_ids=frozenset({MODERATOR, OTHER_MOD}),
)


def at(days: float = 0, minutes: float = 0) -> datetime:
    """T0 plus an offset."""
    return T0 + timedelta(days=days, minutes=minutes)


def hit(
    severity: str = "medium",
    category: Category = "harassment",
    rule: str | None = None,
    subcategory: str = "insult",
    policy: bool = False,
    nudge: str | None = None,
) -> Hit:
    """A hand-made engine hit."""
    rule_id = rule or f"{category}.{subcategory}.{severity}"
    return Hit(
        rule_id=rule_id,
        category=category,
        subcategory=subcategory,
        severity=Severity.parse(severity),
        start=0,
        end=4,
        text="xxxx",
        nudge=nudge if nudge is not None else f"nudge for {rule_id}",
        policy=policy,
    )


def msg(
    message_id: int,
    author: int,
    when: datetime,
    *hits: Hit,
    channel: int = CHANNEL,
    mentions: tuple[int, ...] = (),
    reply_to: int | None = None,
    moderator: bool = False,
) -> PolicyEvent:
    """A message event built from a hand-made verdict."""
    verdict = Verdict(hits=hits, addressee=Addressee(mentions=mentions, reply_to=reply_to))
    return PolicyEvent.from_verdict(
        message_id=message_id,
        guild_id=GUILD,
        channel_id=channel,
        author_id=author,
        at=when,
        verdict=verdict,
        author_is_moderator=moderator,
    )


def report(report_of: int, reporter: int, reported: int, when: datetime) -> PolicyEvent:
    """A member reports message `report_of` written by `reported`."""
    return PolicyEvent.report(
        message_id=report_of,
        guild_id=GUILD,
        channel_id=CHANNEL,
        reporter_id=reporter,
        reported_id=reported,
        at=when,
    )


def automod(alert_id: int, author: int, when: datetime, channel: int = CHANNEL) -> PolicyEvent:
    """A Discord AutoMod block."""
    return PolicyEvent.automod(
        alert_id=alert_id,
        guild_id=GUILD,
        channel_id=channel,
        author_id=author,
        at=when,
        rule_name="Block slurs",
    )


def note(note_id: int, member: int, when: datetime, severity: str = "medium") -> PolicyEvent:
    """A moderator's recorded warning."""
    return PolicyEvent.manual_note(
        note_id=note_id,
        guild_id=GUILD,
        channel_id=MOD_CHANNEL,
        member_id=member,
        at=when,
        category="harassment",
        severity=Severity.parse(severity),
        reason="warned in person",
    )


@dataclass
class Runner:
    """Feeds events through `decide`, keeping state, with the clock at each event's time."""

    config: PolicyConfig = field(default_factory=PolicyConfig)
    routing: Routing = ROUTING
    state: PolicyState = field(default_factory=PolicyState)
    decisions: list[Decision] = field(default_factory=list)

    def feed(self, event: PolicyEvent, now: datetime | None = None) -> Decision:
        """Apply one event and return its decision."""
        self.state, decision = decide(
            self.state, event, self.config, now or event.at, routing=self.routing
        )
        self.decisions.append(decision)
        return decision

    def feed_all(self, *events: PolicyEvent) -> list[Decision]:
        """Apply several events in order."""
        return [self.feed(e) for e in events]


def patterns(decision: Decision) -> list[str]:
    """The patterns of a decision's escalations, in order."""
    return [e.pattern for e in decision.escalations]
