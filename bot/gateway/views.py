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
        """Record the claim, thank the member, tell the moderators."""
        bot = _bot(interaction)
        try:
            claim = await bot.services.cases.claim_false_positive(
                self.incident_id, interaction.user.id
            )
            await interaction.response.send_message(
                "Thanks, your claim is recorded and a moderator will review it.", ephemeral=True
            )
            await bot.courier.claim(
                claim.incident.id, claim.incident.link, interaction.user.id, claim.incident.guild_id
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
            await services.cases.resolve(case_id, user.id, outcome)
            text = f"Case #{case_id} resolved: {outcome.replace('_', ' ')}."
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


DYNAMIC_ITEMS = (FalsePositiveButton, AckButton, ResolveButton)
