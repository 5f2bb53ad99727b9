"""Turn the policy's escalations into alert plans with quotes, links and a timeline."""

from __future__ import annotations

import logging
from typing import Any

from bot.policy import Escalation
from bot.policy.state import HitRecord
from bot.services.types import AlertPlan, EvidenceLine
from bot.store.base import Store
from bot.store.records import Incident

log = logging.getLogger(__name__)

TIMELINE_LIMIT = 10  # the alert shows the latest lines; the full record is one command away


def quotes_from_verdict(text: str | None, verdict: dict[str, Any]) -> tuple[str, ...]:
    """The flagged words of a stored incident, cut from its text by the verdict's spans."""
    if not text:
        return ()
    found: list[str] = []
    for hit in verdict.get("hits", []):
        span = hit.get("span") if isinstance(hit, dict) else None
        if isinstance(span, list) and len(span) == 2:
            start, end = int(span[0]), int(span[1])
            piece = text[start:end].strip()
            if piece and piece not in found:
                found.append(piece)
    return tuple(found)


async def _line(store: Store, record: HitRecord) -> EvidenceLine:
    quotes: tuple[str, ...] = ()
    deleted = False
    if record.kind in ("message", "automod"):
        incidents: list[Incident] = await store.incidents.for_message(
            record.guild_id, record.message_id
        )
        if incidents:
            first = incidents[0]
            deleted = first.deleted_at is not None
            quotes = quotes_from_verdict(first.text, first.verdict)
            if not quotes and record.kind == "automod" and first.text:
                quotes = (first.text[:200],)
    return EvidenceLine(
        at=record.at,
        author_id=record.author_id,
        channel_id=record.channel_id,
        link=record.link,
        severity=record.severity.label,
        categories=tuple(record.categories),
        kind=record.kind,
        quotes=quotes,
        deleted=deleted,
    )


async def alert_plan(store: Store, escalation: Escalation, case_id: int) -> AlertPlan:
    """The alert for one escalation, with the latest evidence looked up in the store."""
    records = escalation.evidence[-TIMELINE_LIMIT:]
    lines = tuple([await _line(store, r) for r in records])
    route = escalation.route
    if not route.deliverable:
        log.error(
            "case %s (%s) has nobody to go to: set UPSTANDER_REVIEWER_USER_ID "
            "(a moderator is involved) or UPSTANDER_MODERATOR_USER_ID/_CHANNEL_ID",
            case_id,
            escalation.case_key,
        )
    return AlertPlan(
        case_id=case_id,
        case_key=escalation.case_key,
        pattern=escalation.pattern,
        subject_kind=escalation.subject_kind,
        subject_id=escalation.subject_id,
        new_case=escalation.new_case,
        route=route.to,
        to_user_id=route.user_id,
        to_channel_id=route.channel_id,
        summary=escalation.summary,
        incident_count=escalation.incident_count,
        offenders=escalation.offenders,
        evidence=lines,
    )
