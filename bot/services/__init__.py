"""Services: the bot's decisions as plain async functions over the engine, policy and store.

No discord here. The gateway converts Discord events into `types.MessageIn` & co., calls these
services, and renders the plans they return (nudges, alerts).

    services = Services.build(store, rules, Routes(default, {guild_id: Routing(...)}))
    outcome = await services.moderation.handle_message(MessageIn(...))
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.policy import Routes, Routing
from bot.services.appeals import AppealService
from bot.services.cases import CaseService
from bot.services.checkins import CheckinService
from bot.services.evidence_pack import EvidenceService
from bot.services.members import MemberService
from bot.services.moderation import ModerationService
from bot.services.policy_book import Clock, PolicyBook
from bot.services.reports import ReportService
from bot.services.rules_live import LiveRules
from bot.services.types import (
    AlertPlan,
    AutoModIn,
    DeleteIn,
    EditIn,
    EvidenceLine,
    MessageIn,
    NudgePlan,
    Outcome,
    ReportIn,
)
from bot.store import Store
from bot.store.clock import utc_now


@dataclass(frozen=True, slots=True)
class Services:
    """Everything the gateway calls, sharing one store, one rule set and one policy memory."""

    store: Store
    rules: LiveRules
    book: PolicyBook
    moderation: ModerationService
    cases: CaseService
    members: MemberService
    reports: ReportService
    evidence: EvidenceService
    checkins: CheckinService
    appeals: AppealService

    @classmethod
    def build(
        cls,
        store: Store,
        rules: LiveRules,
        routes: Routes | Routing,
        clock: Clock = utc_now,
        *,
        checkin_targets: bool = True,
    ) -> Services:
        """Wire the services together: `routes` per server (one `Routing` serves all alike).

        `checkin_targets` is UPSTANDER_CHECKIN_TARGETS.
        """
        book = PolicyBook(store, routes, clock)
        checkins = CheckinService(store, book.routes, enabled=checkin_targets)
        appeals = AppealService(store, book.routes, rules.directory)
        moderation = ModerationService(store, rules, book, checkins)
        return cls(
            store=store,
            rules=rules,
            book=book,
            moderation=moderation,
            cases=CaseService(store, book, appeals),
            members=MemberService(store, moderation),
            reports=ReportService(store, rules, book),
            evidence=EvidenceService(store, book.routes),
            checkins=checkins,
            appeals=appeals,
        )


__all__ = [
    "AlertPlan",
    "AutoModIn",
    "DeleteIn",
    "EditIn",
    "EvidenceLine",
    "LiveRules",
    "MessageIn",
    "NudgePlan",
    "Outcome",
    "ReportIn",
    "Services",
]
