"""Member reports: stored with the reporter sealed, sent to the moderator, retaliation watched."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from bot.policy import PolicyEvent, decide
from bot.policy.authority import Actor, case_recipient, is_moderator, report_refusal
from bot.services.policy_book import PolicyBook
from bot.services.rules_live import LiveRules
from bot.services.types import ReportIn
from bot.store import Store
from bot.store.records import Report

log = logging.getLogger(__name__)


class ReportRefusedError(Exception):
    """A report that cannot be filed; the message is fit to show the reporter."""


@dataclass(frozen=True, slots=True)
class ReportOutcome:
    """A filed report and where it goes.

    `to_user_id` is the one person who may learn the reporter's name (the designated moderator,
    or the reviewer when a moderator is reported); `to_channel_id` gets it without the name.
    """

    report: Report | None
    duplicate: bool
    to_user_id: int | None
    to_channel_id: int | None
    watch_days: float = 0.0  # how long the reported member is watched for retaliation


class ReportService:
    """Files reports and starts the retaliation watch."""

    def __init__(self, store: Store, rules: LiveRules, book: PolicyBook) -> None:
        """Bind to the store, live policy and policy memory."""
        self.store = store
        self.rules = rules
        self.book = book

    def recipients(self, report: ReportIn) -> tuple[int | None, int | None]:
        """(user, channel) for a report: a reported moderator's goes to the reviewer alone."""
        routing = self.book.routing(report.guild_id)
        reported_is_moderator = report.reported is not None and is_moderator(
            report.reported, routing
        )
        _, user, channel = case_recipient((report.reported_id,), reported_is_moderator, routing)
        return user, channel

    async def file(self, report: ReportIn) -> ReportOutcome:
        """Store the report and start watching the reported member for retaliation."""
        refusal = report_refusal(
            Actor(report.reporter_id), report.reported or Actor(report.reported_id)
        )
        if refusal is not None:
            raise ReportRefusedError(refusal)
        to_user, to_channel = self.recipients(report)
        event = PolicyEvent.report(
            message_id=report.message_id,
            guild_id=report.guild_id,
            channel_id=report.channel_id,
            reporter_id=report.reporter_id,
            reported_id=report.reported_id,
            at=report.at,
        )
        book = self.book
        config = self.rules.policy
        async with book.lock(report.guild_id):
            state = await book.state(report.guild_id)
            new_state, decision = decide(
                state, event, config, book.clock(), routing=book.routing(report.guild_id)
            )
            if decision.duplicate:
                return ReportOutcome(None, True, to_user, to_channel)
            if to_user is None and to_channel is None:
                log.error("report on message %s has nobody to go to", report.message_id)
            stored = await self.store.reports.record(
                guild_id=report.guild_id,
                channel_id=report.channel_id,
                message_id=report.message_id,
                reported_id=report.reported_id,
                reporter_id=report.reporter_id,
                # 0 = nobody designated: then nobody can ever see who reported.
                moderator_id=to_user or 0,
                text=report.text,
                reason=report.reason,
                link=report.link,
                watch_until=report.at + timedelta(days=config.retaliation.watch_days),
                at=report.at,
            )
            await book.save(report.guild_id, new_state)
        return ReportOutcome(
            stored, False, to_user, to_channel, watch_days=config.retaliation.watch_days
        )

    async def reveal(self, report_id: int, moderator_id: int) -> Report:
        """The report with its reporter, for the designated moderator only (audited)."""
        return await self.store.reports.reporter_view(report_id, moderator_id)
