"""Services: the bot's decisions as plain async functions over the engine, policy and store.

No discord here. The gateway converts Discord events into `types.MessageIn` & co., calls these
services, and renders the plans they return (nudges, alerts).

    services = Services.build(store, rules, Routes(default, {guild_id: Routing(...)}))
    outcome = await services.moderation.handle_message(MessageIn(...))
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.policy import Routes, Routing
from bot.services.cases import CaseService
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

    @classmethod
    def build(
        cls, store: Store, rules: LiveRules, routes: Routes | Routing, clock: Clock = utc_now
    ) -> Services:
        """Wire the services together; one `Routing` serves every server alike."""
        book = PolicyBook(store, routes, clock)
        moderation = ModerationService(store, rules, book)
        return cls(
            store=store,
            rules=rules,
            book=book,
            moderation=moderation,
            cases=CaseService(store, book),
            members=MemberService(store, moderation),
            reports=ReportService(store, rules, book),
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
