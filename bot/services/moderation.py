"""One message in, one decision out: engine → policy → store (one transaction) → an `Outcome`.

The policy decides under the guild's lock; the transaction is written after the lock is
released, in decision order (see policy_book.py), so no decision waits for another's commit.

Clean messages are stored nowhere. A replayed event (gateway resume, restart) finds the policy's
`seen` key and the store's (guild, message, version) key and does nothing twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.engine import EvalContext, Verdict, labels
from bot.policy import Decision, Escalation, PolicyEvent, decide
from bot.policy.events import Nudge
from bot.services.checkins import CheckinPlan, CheckinService
from bot.services.evidence import alert_plan
from bot.services.flagged import FlaggedMessages
from bot.services.in_flight import InFlight
from bot.services.kept import KeptDecisions
from bot.services.policy_book import PolicyBook
from bot.services.rules_live import LiveRules
from bot.services.types import (
    AlertPlan,
    AutoModIn,
    DeleteIn,
    EditIn,
    MessageIn,
    NudgePlan,
    Outcome,
)
from bot.store import (
    CaseRequest,
    Detection,
    ForbiddenError,
    PolicyChanges,
    Store,
    StoreUnavailableError,
)
from bot.store.records import NudgeStatus, message_link

log = logging.getLogger(__name__)

KEPT_NOTE = "kept: the database refused the write; retried by retry_kept()"


@dataclass(frozen=True, slots=True)
class _Pending:
    """A detection waiting to be stored with the decision that goes with it."""

    detection: Detection
    verdict: Verdict | None  # None for AutoMod blocks


@dataclass(frozen=True, slots=True)
class _Decided:
    """A decision made and adopted by the policy, waiting for its turn to be written."""

    event: PolicyEvent
    pending: _Pending
    decision: Decision
    primary: Escalation | None  # the escalation filed with the incident, in its transaction
    changes: PolicyChanges


class ModerationService:
    """Judges messages and records the decisions."""

    def __init__(
        self,
        store: Store,
        rules: LiveRules,
        book: PolicyBook,
        checkins: CheckinService | None = None,
    ) -> None:
        """Bind to the store, the live rules, the policy memory and (optionally) check-ins."""
        self.store = store
        self.checkins = checkins
        self.rules = rules
        self.book = book
        # Flagged messages and AutoMod blocks the store refused (locked, full, read-only),
        # oldest first; the gateway calls `retry_kept()` until it is empty.
        self.kept: KeptDecisions[_Decided] = KeptDecisions()
        self.in_flight = InFlight()
        self.flagged = FlaggedMessages(store.incidents)

    def evaluate(self, message: MessageIn) -> Verdict:
        """The engine's verdict for a message, with its mentions and reply as context."""
        context = EvalContext(
            mentions=message.mentions,
            reply_to=message.reply_to,
            places=message.places or (message.channel_id,),
        )
        return self.rules.ruleset.evaluate(message.text, context)

    async def handle_message(self, message: MessageIn) -> Outcome:
        """Judge a new message; flagged ones are stored, nudged and escalated as policy says."""
        verdict = self.evaluate(message)
        if not verdict.flagged:
            return Outcome()
        return await self._decide_message(message, verdict, version=0)

    async def handle_edit(self, edit: EditIn) -> Outcome:
        """Re-check an edit; the earlier flagged version's evidence is kept beside the new text."""
        verdict = self.evaluate(edit)
        await self._queued_decisions(edit.guild_id, edit.message_id)
        earlier = []
        if await self.flagged.may_have_incident(edit.message_id):
            earlier = await self.store.incidents.for_message(edit.guild_id, edit.message_id)
        if earlier:
            last = earlier[-1]
            known = last.edits[-1].text if last.edits else last.text
            if known == edit.text:
                return Outcome(incident_id=last.id, flagged=verdict.flagged, duplicate=True)
            await self.store.incidents.record_edit(
                edit.guild_id, edit.message_id, edit.text, edited_at=edit.at
            )
            # Already counted and nudged once: an edit must not earn a second nudge.
            return Outcome(incident_id=last.id, flagged=verdict.flagged, notes=("edit kept",))
        if not verdict.flagged:
            return Outcome()
        # A clean message edited into a flagged one: its first flagged revision is version 1.
        return await self._decide_message(edit, verdict, version=1)

    async def handle_delete(self, deleted: DeleteIn) -> list[int]:
        """Mark a flagged message deleted (evidence kept); unflagged deletions leave no trace."""
        await self._queued_decisions(deleted.guild_id, deleted.message_id)
        if not await self.flagged.may_have_incident(deleted.message_id):
            return []
        return await self.store.incidents.record_deletion(
            deleted.guild_id, deleted.message_id, deleted_at=deleted.at
        )

    async def _queued_decisions(self, guild_id: int, message_id: int) -> None:
        """Wait for the decisions on this message already under way.

        Events are handled concurrently: an edit or deletion that arrives while its message is
        still being judged would otherwise miss the incident, and its evidence would be lost.
        Only that message's decisions are waited for, not the guild's whole queue.
        """
        await self.in_flight.wait(guild_id, message_id)

    async def handle_automod(self, block: AutoModIn) -> Outcome:
        """Count a Discord AutoMod block towards the member's history."""
        config = self.rules.policy.automod
        event = PolicyEvent.automod(
            alert_id=block.alert_id,
            guild_id=block.guild_id,
            channel_id=block.channel_id,
            author_id=block.author_id,
            at=block.at,
            rule_name=block.rule,
            author_is_moderator=block.author_is_moderator,
        )
        detection = Detection(
            guild_id=block.guild_id,
            channel_id=block.channel_id,
            message_id=block.alert_id,
            author_id=block.author_id,
            text=block.text,
            verdict={
                "flagged": True,
                "category": config.category,
                "subcategory": config.subcategory,
                "severity": config.severity,
                "automod": {"rule": block.rule},
                "hits": [],
            },
            rules_version=self.rules.version,
            created_at=block.at,
        )
        return await self.apply(event, _Pending(detection, None))

    async def nudge_result(
        self, nudge_id: int, status: NudgeStatus, detail: str | None = None
    ) -> None:
        """Record whether the nudge reached the member (delivered, dms_closed, failed)."""
        await self.store.nudges.set_status(nudge_id, status, detail=detail)

    async def _decide_message(self, message: MessageIn, verdict: Verdict, version: int) -> Outcome:
        event = PolicyEvent.from_verdict(
            message_id=message.message_id,
            guild_id=message.guild_id,
            channel_id=message.channel_id,
            author_id=message.author_id,
            at=message.at,
            verdict=verdict,
            author_is_moderator=message.author_is_moderator,
        )
        link = message.link or message_link(
            message.guild_id, message.channel_id, message.message_id
        )
        detection = Detection(
            guild_id=message.guild_id,
            channel_id=message.channel_id,
            message_id=message.message_id,
            author_id=message.author_id,
            text=message.text,
            verdict=verdict.to_dict(),
            rules_version=verdict.rules_version,
            created_at=message.at,
            version=version,
            link=link,
        )
        return await self.apply(event, _Pending(detection, verdict))

    async def retry_kept(self) -> list[Outcome]:
        """Store kept decisions oldest first; stop at the first one the store still refuses."""
        outcomes: list[Outcome] = []
        while (kept := self.kept.first()) is not None:
            try:
                outcomes.append(await self._store(kept.item))
            except StoreUnavailableError as exc:
                log.error(
                    "the database still refuses writes (%s); %d decision(s) waiting",
                    exc,
                    len(self.kept),
                )
                break
            except Exception:
                # Not a storage outage: retrying would block the queue for ever.
                log.exception("kept decision on %s failed; dropped", kept.label)
            self.kept.drop_first()
        if outcomes:
            log.warning(
                "the database accepts writes again: %d kept decision(s) stored, %d waiting",
                len(outcomes),
                len(self.kept),
            )
        return outcomes

    async def apply(self, event: PolicyEvent, pending: _Pending | None) -> Outcome:
        """Decide one event under the guild's lock, then persist everything it changed.

        `pending` is the incident to store with the decision; None for events with no message
        (a moderator's warning), whose decision is saved on its own.
        """
        with self.in_flight.deciding(event.guild_id, event.message_id):
            return await self._apply(event, pending)

    async def _apply(self, event: PolicyEvent, pending: _Pending | None) -> Outcome:
        book = self.book
        guild = event.guild_id
        async with book.lock(guild):
            state = await book.state(guild)
            new_state, decision = decide(
                state, event, self.rules.policy, book.clock(), routing=book.routing(guild)
            )
            if decision.duplicate:
                return await self._replayed(event, decision)
            if event.key not in new_state.seen:
                # Nothing counted (clean, exempt or too old): store nothing at all.
                return Outcome(notes=decision.notes)
            if pending is None:
                await book.save(guild, new_state)
                slot = None
            else:
                primary = _primary(decision, event.author_id)
                decided = _Decided(event, pending, decision, primary, book.adopt(guild, new_state))
                self.flagged.add(event.message_id)
                slot = book.writes.slot(guild)
        if slot is None:
            alerts = await self._cases(event, decision, None, None, None)
            return Outcome(None, True, False, None, tuple(alerts), decision.notes)
        # The lock is free: the next message is judged while this one is written.
        async with slot:
            return await self._store_or_keep(decided)

    async def _store_or_keep(self, decided: _Decided) -> Outcome:
        """Write a decision (its turn in the guild's line has come), or keep it for later."""
        event = decided.event
        label = f"guild {event.guild_id} message {event.message_id}"
        now = self.book.clock()
        if self.kept:
            # Older decisions wait for the database: queue behind them, so they are written
            # in order, and a locked database costs one busy-timeout wait per retry.
            if not self.kept.keep(decided, label, now):
                self.book.abandoned(event.guild_id)
            return Outcome(flagged=True, notes=(KEPT_NOTE,))
        try:
            return await self._store(decided)
        except StoreUnavailableError as exc:
            # Nothing was written (one transaction, rolled back): keep it to write later.
            if self.kept.keep(decided, label, now):
                log.error(
                    "could not store the decision on %s: %s. It is kept in memory and will be "
                    "stored when the database accepts writes again (%d waiting).",
                    label,
                    exc,
                    len(self.kept),
                )
            else:
                self.book.abandoned(event.guild_id)
            return Outcome(flagged=True, notes=(KEPT_NOTE,))

    async def _store(self, decided: _Decided) -> Outcome:
        """Commit a decision with its incident, then open its cases and plan its nudge.

        Raises StoreUnavailableError, with nothing written and the decision still unstored,
        when the database refuses the write.
        """
        event, pending, decision, primary = (
            decided.event,
            decided.pending,
            decided.decision,
            decided.primary,
        )
        try:
            result = await self.store.incidents.record_detection(
                pending.detection,
                policy_changes=decided.changes,
                case=_case_request(primary),
            )
        except StoreUnavailableError:
            raise
        except BaseException:
            self.book.abandoned(event.guild_id)
            raise
        if not result.created:
            # The store knew this revision but the policy did not (its memory was lost or
            # reset): never act twice, and take the store's state as the truth again.
            self.book.abandoned(event.guild_id)
            return Outcome(incident_id=result.incident_id, flagged=True, duplicate=True)
        self.book.stored(event.guild_id)
        case_id, incident_id = result.case_id, result.incident_id
        alerts = await self._cases(event, decision, primary, case_id, incident_id)
        nudge = None
        if decision.nudge is not None:
            nudge = await self._nudge(decision.nudge, pending, incident_id)
        checkins: tuple[CheckinPlan, ...] = ()
        if self.checkins is not None:
            try:
                checkins = await self.checkins.plan(event.guild_id, decision, self.book.clock())
            except Exception:
                # Best effort: the decision is committed; a failed check-in must not make it
                # look unstored (it would be retried, found a duplicate, and its alerts lost).
                log.exception("check-ins for message %s not planned", event.message_id)
        return Outcome(incident_id, True, False, nudge, tuple(alerts), decision.notes, checkins)

    async def _replayed(self, event: PolicyEvent, decision: Decision) -> Outcome:
        found = await self.store.incidents.for_message(event.guild_id, event.message_id)
        incident = found[-1].id if found else None
        return Outcome(incident_id=incident, flagged=True, duplicate=True, notes=decision.notes)

    async def _cases(
        self,
        event: PolicyEvent,
        decision: Decision,
        primary: Escalation | None,
        primary_case: int | None,
        incident_id: int | None,
    ) -> list[AlertPlan]:
        """Open or update the store's case of every escalation; plans for those that ping."""
        alerts: list[AlertPlan] = []
        incidents = [incident_id] if incident_id is not None else []
        for esc in decision.escalations:
            if esc is primary and primary_case is not None:
                case_id = primary_case
            else:
                case_id = await self._file_case(event, esc, incidents)
            if esc.alert:
                alerts.append(await alert_plan(self.store, esc, case_id))
        return alerts

    async def _file_case(self, event: PolicyEvent, esc: Escalation, incidents: list[int]) -> int:
        cases = self.store.cases
        assigned = esc.route.user_id
        if assigned == esc.subject_id:
            assigned = None  # never hand a member their own case (the store would refuse)
        try:
            case = await cases.open(
                event.guild_id,
                esc.pattern,
                esc.subject_id,
                assigned_to=assigned,
                incident_ids=incidents,
            )
        except ForbiddenError:
            case = await cases.open(
                event.guild_id, esc.pattern, esc.subject_id, incident_ids=incidents
            )
        if esc.alert:
            try:
                await cases.escalate(
                    case.id,
                    to_user_id=assigned,
                    to_channel_id=esc.route.channel_id,
                    reason=esc.summary,
                )
            except ForbiddenError:
                log.warning("case %s: escalation refused by the store", case.id, exc_info=True)
        return case.id

    async def _nudge(self, nudge: Nudge, pending: _Pending, incident_id: int) -> NudgePlan:
        detection = pending.detection
        reasons = nudge.texts or ("This message may hurt colleagues.",)
        quotes: tuple[str, ...] = ()
        if pending.verdict is not None:
            quotes = tuple(dict.fromkeys(h.text.strip() for h in pending.verdict.hits if h.text))
        # Only the bot's own words are stored (and chained): the quote goes to the DM alone.
        body = (
            f"Private nudge about a {nudge.severity.label} {nudge.category} message in "
            f"<#{nudge.channel_id}>: " + " ".join(reasons)
        )
        record = await self.store.nudges.record(
            nudge.guild_id, nudge.member_id, body, incident_id=incident_id
        )
        return NudgePlan(
            nudge_id=record.id,
            incident_id=incident_id,
            member_id=nudge.member_id,
            guild_id=nudge.guild_id,
            channel_id=nudge.channel_id,
            message_id=nudge.message_id,
            link=detection.link
            or message_link(detection.guild_id, detection.channel_id, detection.message_id),
            category=nudge.category,
            severity=nudge.severity.label,
            reasons=tuple(reasons),
            quotes=quotes,
            rule_ids=nudge.rule_ids,
            what=labels.plain(nudge.category, nudge.subcategory),
        )


def _case_request(primary: Escalation | None) -> CaseRequest | None:
    if primary is None:
        return None
    return CaseRequest(
        pattern=primary.pattern,
        assigned_to=primary.route.user_id,
        reason=primary.summary,
        to_channel_id=primary.route.channel_id,
        escalate=primary.alert,
    )


def _primary(decision: Decision, author_id: int) -> Escalation | None:
    """The escalation about the sender, filed with the incident in the same transaction."""
    for esc in decision.escalations:
        if (
            esc.subject_kind == "member"
            and esc.subject_id == author_id
            and esc.route.user_id != author_id
        ):
            return esc
    return None
