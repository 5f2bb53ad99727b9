"""Plain data in and out of the services: what the gateway translates to, and what it renders.

No discord types here: the gateway converts `discord.Message` into these in `convert.py`, and
renders the plans below into DMs, embeds and buttons.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.services.checkins import CheckinPlan

from bot.policy.authority import Actor


@dataclass(frozen=True, slots=True)
class MessageIn:
    """A new message in a watched channel or thread."""

    guild_id: int
    channel_id: int
    message_id: int
    author_id: int
    text: str
    at: datetime  # when it was sent (UTC)
    mentions: tuple[int, ...] = ()
    reply_to: int | None = None  # author id of the message it answers
    author_is_moderator: bool = False
    link: str | None = None
    # Its channel, the thread's parent channel and the category: what rule scope looks at.
    places: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class EditIn(MessageIn):
    """An edit of a message: `text` is the new text, `at` the edit time."""


@dataclass(frozen=True, slots=True)
class DeleteIn:
    """A deleted message (we may never have seen it)."""

    guild_id: int
    channel_id: int
    message_id: int
    at: datetime


@dataclass(frozen=True, slots=True)
class AutoModIn:
    """Discord's own AutoMod blocked a message."""

    guild_id: int
    channel_id: int
    author_id: int
    alert_id: int  # an id unique to this block (Discord gives no message id for a blocked one)
    rule: str
    text: str
    at: datetime
    author_is_moderator: bool = False


@dataclass(frozen=True, slots=True)
class ReportIn:
    """A member reported a message to the moderators."""

    guild_id: int
    channel_id: int
    message_id: int
    reported_id: int
    reporter_id: int
    text: str
    at: datetime
    reason: str | None = None
    link: str | None = None
    # The reported member as the gateway saw them (roles, permission): a moderator by any
    # definition is reported to the reviewer. None: known by id only.
    reported: Actor | None = None


@dataclass(frozen=True, slots=True)
class NudgePlan:
    """A private nudge to send; `quotes` are the flagged words, shown only to the sender."""

    nudge_id: int
    incident_id: int
    member_id: int
    guild_id: int
    channel_id: int
    message_id: int
    link: str
    category: str
    severity: str
    reasons: tuple[str, ...]
    quotes: tuple[str, ...]
    rule_ids: tuple[str, ...]
    what: str | None = None  # the category in plain words ("threat against someone who reported")


@dataclass(frozen=True, slots=True)
class EvidenceLine:
    """One line of an alert's timeline."""

    at: datetime
    author_id: int
    channel_id: int
    link: str
    severity: str
    categories: tuple[str, ...]
    kind: str  # message, automod, manual_note
    quotes: tuple[str, ...] = ()
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class AlertPlan:
    """An alert for a human: the designated moderator, or the reviewer when a moderator is involved.

    `to_user_id` and `to_channel_id` are both None when nobody suitable is configured; the
    gateway then logs it loudly instead of sending it to the wrong person.
    """

    case_id: int
    case_key: str
    pattern: str
    subject_kind: str
    subject_id: int
    new_case: bool
    route: str  # "moderator" or "reviewer"
    to_user_id: int | None
    to_channel_id: int | None
    summary: str
    incident_count: int
    offenders: tuple[int, ...]
    evidence: tuple[EvidenceLine, ...]
    # Set when the sender's nudge did not arrive: "dms_closed", "blocked" or "failed", and why.
    nudge_status: str | None = None
    nudge_detail: str | None = None

    @property
    def nudge_undelivered(self) -> bool:
        """True when the sender was not told privately."""
        return self.nudge_status is not None

    @property
    def deliverable(self) -> bool:
        """True when someone is configured to receive it."""
        return self.to_user_id is not None or self.to_channel_id is not None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one event led to. Clean messages give `Outcome()` and leave no trace anywhere."""

    incident_id: int | None = None
    flagged: bool = False
    duplicate: bool = False
    nudge: NudgePlan | None = None
    alerts: tuple[AlertPlan, ...] = ()
    notes: tuple[str, ...] = field(default=())
    checkins: tuple[CheckinPlan, ...] = ()  # kind private messages to targeted colleagues

    def with_nudge_undelivered(self, status: str = "failed", detail: str | None = None) -> Outcome:
        """The same outcome, its alerts marked so moderators know the sender was not told, and why.

        `status` is the nudge's recorded status (dms_closed, blocked, failed), `detail` the reason.
        """
        alerts = tuple(
            dataclasses.replace(a, nudge_status=status, nudge_detail=detail) for a in self.alerts
        )
        return dataclasses.replace(self, alerts=alerts)
