"""Persistent buttons (`DynamicItem`): their state is in the custom_id, so they survive restarts.

Every click is audited with who clicked, including refused ones.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.gateway.checks import case_refusal_of
from bot.gateway.errors import reply_error
from bot.services.appeals import AppealNotice
from bot.services.records import OUTCOMES
from bot.services.records import CaseOutcome as Outcome

if TYPE_CHECKING:
    from bot.gateway.client import UpstanderBot

log = logging.getLogger(__name__)

OUTCOME_LABELS: dict[Outcome, str] = {
    "action_taken": "Resolve: action taken",
    "no_action": "Resolve: no action",
    "false_positive": "Resolve: false positive",
}


def _bot(interaction: discord.Interaction) -> UpstanderBot:
    return cast("UpstanderBot", interaction.client)


class FalsePositiveButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"upst:fp:(?P<incident>\d+)"
):
    """In the nudge DM: the sender says the nudge was a mistake; the moderators are told."""

    def __init__(self, incident_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="I think this is a mistake",
                style=discord.ButtonStyle.secondary,
                custom_id=f"upst:fp:{incident_id}",
            )
        )
        self.incident_id = incident_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> FalsePositiveButton:
        """Rebuild from the custom_id."""
        return cls(int(match["incident"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        """Record the claim, thank the member, tell the moderators (a moderator's: the reviewer)."""
        bot = _bot(interaction)
        user = interaction.user
        try:
            # Clicked in a DM: whether the member is a moderator (role, permission) is a fact
            # of the incident's server.
            incident = await bot.services.store.incidents.get(self.incident_id)
            member = await bot.member_of(incident.guild_id, user.id)
            claim = await bot.services.cases.claim_false_positive(
                self.incident_id,
                user.id,
                member_is_moderator=bot.author_is_moderator(member or user, incident.guild_id),
            )
            if claim.appeal is not None and not claim.appeal.new:
                await interaction.response.send_message(
                    "You have already appealed this nudge; a moderator will review it.",
                    ephemeral=True,
                )
                return
            await interaction.response.send_message(
                "Thanks, your claim is recorded and a moderator will review it. You will hear "
                "the outcome here.",
                ephemeral=True,
            )
            appeal = claim.appeal
            await bot.courier.claim(
                claim.incident.id,
                claim.incident.link,
                user.id,
                claim.incident.guild_id,
                appeal.case.id if appeal is not None else None,
                to_reviewer=appeal is not None and appeal.to_reviewer,
            )
        except Exception as exc:
            await reply_error(interaction, exc)


async def _case_click(
    interaction: discord.Interaction, case_id: int, action: str, outcome: Outcome | None
) -> None:
    """Shared by the acknowledge and resolve buttons: check, audit, act, answer."""
    bot = _bot(interaction)
    services = bot.services
    user = interaction.user
    try:
        case = await services.store.cases.get(case_id)
        member = await bot.member_of(case.guild_id, user.id)
        # Clicked in a DM: the member's permissions in the case's server, not the DM's.
        here = interaction.permissions if interaction.guild_id == case.guild_id else None
        refusal = case_refusal_of(member or user, bot.routing(case.guild_id), case, here)
        allowed = refusal is None
        await services.store.audit.record(
            f"{'moderator' if allowed else 'member'}:{user.id}",
            f"button.{action}",
            f"case:{case_id}",
            {"case": case_id, "outcome": outcome, "allowed": allowed},
        )
        if refusal is not None:
            await interaction.response.send_message(refusal, ephemeral=True)
            return
        if outcome is None:
            await services.cases.acknowledge(case_id, user.id)
            text = f"Case #{case_id} acknowledged by you."
        else:
            _case, notice = await services.cases.close(case_id, user.id, outcome)
            text = f"Case #{case_id} resolved: {outcome.replace('_', ' ')}."
            if notice is not None:
                await answer_appeal(interaction, notice, text)
                return
        await interaction.response.send_message(text, ephemeral=True)
    except Exception as exc:
        await reply_error(interaction, exc)


class AckButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"upst:ack:(?P<case>\d+)"):
    """On an alert: a moderator has seen the case."""

    def __init__(self, case_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Acknowledge",
                style=discord.ButtonStyle.primary,
                custom_id=f"upst:ack:{case_id}",
            )
        )
        self.case_id = case_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> AckButton:
        """Rebuild from the custom_id."""
        return cls(int(match["case"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        """Acknowledge the case as the clicker."""
        await _case_click(interaction, self.case_id, "acknowledge", None)


class ResolveButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"upst:res:(?P<outcome>action_taken|no_action|false_positive):(?P<case>\d+)",
):
    """On an alert: close the case with an outcome."""

    def __init__(self, case_id: int, outcome: Outcome) -> None:
        style = (
            discord.ButtonStyle.danger
            if outcome == "action_taken"
            else (discord.ButtonStyle.secondary)
        )
        super().__init__(
            discord.ui.Button(
                label=OUTCOME_LABELS[outcome],
                style=style,
                custom_id=f"upst:res:{outcome}:{case_id}",
            )
        )
        self.case_id = case_id
        self.outcome = outcome

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ResolveButton:
        """Rebuild from the custom_id."""
        outcome = cast(Outcome, match["outcome"])
        return cls(int(match["case"]), outcome)

    async def callback(self, interaction: discord.Interaction) -> None:
        """Resolve the case as the clicker."""
        await _case_click(interaction, self.case_id, "resolve", self.outcome)


async def answer_appeal(interaction: discord.Interaction, notice: AppealNotice, text: str) -> None:
    """Tell the member the appeal's outcome; offer the moderator the example if upheld."""
    bot = _bot(interaction)
    # A DM can take long; Discord wants an answer to the click within 3 seconds.
    await interaction.response.defer(ephemeral=True, thinking=True)
    told = await bot.courier.tell(notice.member_id, notice.text)
    text += " The member was told privately." if told else " The member could not be told (DMs)."
    if not notice.offer_example:
        await interaction.followup.send(text, ephemeral=True)
        return
    view = discord.ui.View(timeout=None)
    view.add_item(AddExampleButton(notice.case_id))
    await interaction.followup.send(
        text + " Add the message (anonymised) as a must-pass rule example?",
        view=view,
        ephemeral=True,
    )


class AddExampleButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"upst:ex:(?P<case>\d+)"
):
    """After an upheld appeal: one click adds the message as a must-pass example."""

    def __init__(self, case_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Add as a must-pass example",
                style=discord.ButtonStyle.primary,
                custom_id=f"upst:ex:{case_id}",
            )
        )
        self.case_id = case_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> AddExampleButton:
        """Rebuild from the custom_id."""
        return cls(int(match["case"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        """Write the anonymised message into the local examples file, as a moderator."""
        bot = _bot(interaction)
        user = interaction.user
        try:
            case = await bot.services.store.cases.get(self.case_id)
            member = await bot.member_of(case.guild_id, user.id)
            # Whoever may decide the appeal may add its example (bot/policy/authority.py).
            here = interaction.permissions if interaction.guild_id == case.guild_id else None
            refusal = case_refusal_of(member or user, bot.routing(case.guild_id), case, here)
            if refusal is not None:
                await bot.services.store.audit.record(
                    f"member:{user.id}",
                    "button.add_example",
                    f"case:{self.case_id}",
                    {"case": self.case_id, "allowed": False},
                )
                await interaction.response.send_message(refusal, ephemeral=True)
                return
            names = await bot.names_in(case.guild_id, case.subject_id)
            added = await bot.services.appeals.add_example(self.case_id, user.id, names)
            await interaction.response.send_message(
                f"Added to {added.path}:{added.line}: “{added.text[:300]}”. "
                "`upstander rules test` runs it and fails until a rule is changed so that it "
                "passes.",
                ephemeral=True,
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except Exception as exc:
            await reply_error(interaction, exc)


def nudge_view(incident_id: int) -> discord.ui.View:
    """The view under a nudge DM."""
    view = discord.ui.View(timeout=None)
    view.add_item(FalsePositiveButton(incident_id))
    return view


def alert_view(case_id: int) -> discord.ui.View:
    """The view under an alert: acknowledge, and the three resolutions."""
    view = discord.ui.View(timeout=None)
    view.add_item(AckButton(case_id))
    for outcome in OUTCOMES:
        view.add_item(ResolveButton(case_id, outcome))
    return view


DYNAMIC_ITEMS = (FalsePositiveButton, AckButton, ResolveButton, AddExampleButton)
