"""What moderators do to cases: look, acknowledge, resolve; and members' false-positive claims."""

from __future__ import annotations

from dataclasses import dataclass

from bot.policy import case_key, resolve_case
from bot.policy.appeal import forget_messages
from bot.services.appeals import APPEAL, Appeal, AppealNotice, AppealService
from bot.services.evidence import quotes_from_verdict
from bot.services.policy_book import PolicyBook
from bot.store import NotFoundError, Store
from bot.store.records import Case, Incident, Outcome

RECENT_CASES = 25  # what `/upstander cases open:False` lists: enough to scan, fits one reply


@dataclass(frozen=True, slots=True)
class CaseView:
    """A case with its incidents, for `/upstander case`."""

    case: Case
    incidents: tuple[Incident, ...]

    def quotes(self, incident: Incident) -> tuple[str, ...]:
        """The flagged words of one of its incidents."""
        return quotes_from_verdict(incident.text, incident.verdict)


@dataclass(frozen=True, slots=True)
class Claim:
    """A member says a nudge was a mistake: an appeal case is opened, the moderators told."""

    incident: Incident
    member_id: int
    appeal: Appeal | None = None


def policy_key(case: Case) -> str:
    """The policy's key for a stored case (pile-ons are about a channel, the rest a member)."""
    kind = "channel" if case.pattern == "pile_on" else "member"
    return case_key(case.pattern, kind, case.subject_id)  # type: ignore[arg-type]


class CaseService:
    """Case look-ups and decisions; every decision is audited by the store with who made it."""

    def __init__(
        self, store: Store, book: PolicyBook, appeals: AppealService | None = None
    ) -> None:
        """Bind to the store, the policy memory and (optionally) appeals."""
        self.store = store
        self.book = book
        self.appeals = appeals

    async def view(self, case_id: int, guild_id: int | None = None) -> CaseView:
        """A case and its incidents; NotFoundError if absent (or in another guild)."""
        case = await self.store.cases.get(case_id)
        if guild_id is not None and case.guild_id != guild_id:
            raise NotFoundError(f"no case {case_id}")
        incidents = tuple([await self.store.incidents.get(i) for i in case.incident_ids])
        return CaseView(case, incidents)

    async def open_cases(self, guild_id: int) -> list[Case]:
        """Unresolved cases, oldest first."""
        return await self.store.cases.list_open(guild_id)

    async def recent_cases(self, guild_id: int, limit: int = RECENT_CASES) -> list[Case]:
        """The newest cases in any state (open, acknowledged, resolved), oldest of them first."""
        return await self.store.cases.list_recent(guild_id, limit)

    async def acknowledge(self, case_id: int, moderator_id: int) -> Case:
        """A moderator has seen the case (StateError if already acknowledged or resolved)."""
        return await self.store.cases.acknowledge(case_id, moderator_id)

    async def resolve(
        self, case_id: int, moderator_id: int, outcome: Outcome, note: str | None = None
    ) -> Case:
        """Close a case; the policy forgets the pattern's history up to now, the record stays."""
        case = await self.store.cases.resolve(case_id, moderator_id, outcome, note=note)
        book = self.book
        async with book.lock(case.guild_id):
            state = await book.state(case.guild_id)
            await book.save(case.guild_id, resolve_case(state, policy_key(case), book.clock()))
        return case

    async def close(
        self, case_id: int, moderator_id: int, outcome: Outcome, note: str | None = None
    ) -> tuple[Case, AppealNotice | None]:
        """Resolve a case and, for an appeal, what to tell the member who appealed."""
        case = await self.resolve(case_id, moderator_id, outcome, note)
        if self.appeals is None or case.pattern != APPEAL:
            return case, None
        if outcome == "false_positive":
            # Upheld: the disputed messages stop counting (the record of them stays).
            incidents = [await self.store.incidents.get(i) for i in case.incident_ids]
            book = self.book
            async with book.lock(case.guild_id):
                state = await book.state(case.guild_id)
                await book.save(
                    case.guild_id, forget_messages(state, (i.message_id for i in incidents))
                )
        return case, await self.appeals.notice(case)

    async def claim_false_positive(
        self, incident_id: int, member_id: int, *, member_is_moderator: bool = False
    ) -> Claim:
        """Record the sender's claim that a nudge was a mistake (only the sender may claim).

        `member_is_moderator`: by role or permission, which only the gateway sees; their
        appeal goes to the reviewer.
        """
        incident = await self.store.incidents.get(incident_id)
        if incident.author_id != member_id:
            await self.store.audit.record(
                f"member:{member_id}",
                "nudge.claim_refused",
                f"incident:{incident_id}",
                {"reason": "not the sender"},
            )
            raise NotFoundError(f"incident {incident_id} is not one of your messages")
        await self.store.audit.record(
            f"member:{member_id}",
            "nudge.false_positive_claim",
            f"incident:{incident_id}",
            {"incident": incident_id, "guild": str(incident.guild_id)},
        )
        appeal = None
        if self.appeals is not None:
            appeal = await self.appeals.file(
                incident, member_id, member_is_moderator=member_is_moderator
            )
        return Claim(incident, member_id, appeal)
