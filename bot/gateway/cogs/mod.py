"""`/upstander …`: the moderators' commands. Every reply is ephemeral; every command is checked."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.engine import Severity
from bot.gateway import render
from bot.gateway.checks import (
    MODERATOR_PERMISSION,
    ModeratorGroup,
    NotModeratorError,
    audit_refusal,
    case_refusal_of,
    visible_cases,
)
from bot.gateway.views import answer_appeal
from bot.services.records import Case

if TYPE_CHECKING:
    from bot.gateway.client import UpstanderBot

CategoryName = Literal["discrimination", "violence", "harassment", "retaliation"]
SeverityName = Literal["low", "medium", "high", "critical"]
OutcomeName = Literal["action_taken", "no_action", "false_positive"]


async def _say(
    interaction: discord.Interaction, text: str, file: discord.File | None = None
) -> None:
    """Ephemeral reply (or followup after a defer), never pinging anyone."""
    files = [file] if file is not None else []
    if interaction.response.is_done():
        await interaction.followup.send(
            text, ephemeral=True, allowed_mentions=render.NO_MENTIONS, files=files
        )
    else:
        await interaction.response.send_message(
            text, ephemeral=True, allowed_mentions=render.NO_MENTIONS, files=files
        )


def _guild(interaction: discord.Interaction) -> int:
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild_id


class RulesGroup(ModeratorGroup):
    """`/upstander rules …`"""

    def __init__(self, bot: UpstanderBot) -> None:
        super().__init__(name="rules", description="Test, reload and inspect the rules")
        self.bot = bot

    @app_commands.command(name="test", description="Show what the rules say about a text")
    @app_commands.describe(text="The text to check (nothing is stored)")
    async def test(self, interaction: discord.Interaction, text: str) -> None:
        """Evaluate a text without storing anything."""
        verdict = self.bot.services.rules.ruleset.evaluate(text)
        if not verdict.flagged:
            lines = ["Not flagged."]
        else:
            severity = verdict.severity.label if verdict.severity else "?"
            lines = [f"Flagged: {verdict.category} ({severity})"]
            lines += [
                f"• {h.rule_id}: {h.category}/{h.subcategory} {h.severity.label} "
                f"“{render.quote(h.text, 60)}”"
                for h in verdict.hits
            ]
        lines += [f"• suppressed {s.hit.rule_id}: {s.reason}" for s in verdict.suppressed]
        lines.append(f"(rules version {verdict.rules_version})")
        await _say(interaction, "\n".join(lines))

    @app_commands.command(name="reload", description="Reload the rules now")
    async def reload(self, interaction: discord.Interaction) -> None:
        """Force a reload; a broken change keeps the last good rules."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await self.bot.poll_rules(force=True, actor=f"moderator:{interaction.user.id}")
        if report.ok:
            await _say(interaction, f"Rules reloaded: version {report.version}.")
        else:
            errors = "\n".join(f"• {e}" for e in report.errors[:15])
            await _say(interaction, f"Reload refused; still on {report.version}.\n{errors}")

    @app_commands.command(name="status", description="Rules version and any errors")
    async def status(self, interaction: discord.Interaction) -> None:
        """Version, rule count, load time, last errors."""
        status = self.bot.services.rules.status()
        when = f"<t:{int(status.loaded_at.timestamp())}:R>" if status.loaded_at else "never"
        text = (
            f"Rules version {status.version} from {status.directory}: {status.rules} rule(s), "
            f"loaded {when}."
        )
        if status.errors:
            text += "\nLast change refused:\n" + "\n".join(f"• {e}" for e in status.errors[:15])
        await _say(interaction, text)


class AuditGroup(ModeratorGroup):
    """`/upstander audit …`"""

    def __init__(self, bot: UpstanderBot) -> None:
        super().__init__(name="audit", description="The tamper-evident audit log")
        self.bot = bot

    @app_commands.command(name="verify", description="Check the audit log's hash chain")
    async def verify(self, interaction: discord.Interaction) -> None:
        """Walk the chain and say whether it is intact."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await self.bot.services.members.verify()
        if report.ok:
            text = f"Audit log intact: {report.entries} entries, head {report.head_hash[:12]}."
        else:
            text = f"Audit log ALTERED at entry {report.first_bad_seq}: {report.problems[0]}"
        await _say(interaction, text)


class UpstanderGroup(ModeratorGroup):
    """`/upstander …`: hidden from non-moderators by default, and checked on every use."""

    def __init__(self, bot: UpstanderBot) -> None:
        super().__init__(
            name="upstander",
            description="Upstander moderator tools",
            guild_only=True,
            default_permissions=MODERATOR_PERMISSION,
        )
        self.bot = bot
        self.add_command(RulesGroup(bot))
        self.add_command(AuditGroup(bot))

    async def _refused(self, interaction: discord.Interaction, case: Case) -> bool:
        """Refuse (audited, one sentence) a case the caller may not see or decide."""
        routing = self.bot.routing(_guild(interaction))
        refusal = case_refusal_of(interaction.user, routing, case, interaction.permissions)
        if refusal is None:
            return False
        await audit_refusal(interaction, NotModeratorError(refusal))
        await _say(interaction, refusal)
        return True

    @app_commands.command(description="A member's record: incidents, nudges, cases, notes")
    async def history(self, interaction: discord.Interaction, member: discord.Member) -> None:
        """Everything on record about a member (without cases the caller may not see)."""
        guild_id = _guild(interaction)
        found = await self.bot.services.members.history(guild_id, member.id)
        routing = self.bot.routing(guild_id)
        shown = visible_cases(interaction.user, routing, found.cases, interaction.permissions)
        await _say(interaction, render.history_text(replace(found, cases=tuple(shown))))

    @app_commands.command(description="One case with its evidence")
    @app_commands.rename(case_id="id")
    async def case(self, interaction: discord.Interaction, case_id: int) -> None:
        """Show a case to those who may decide it (never its subject)."""
        view = await self.bot.services.cases.view(case_id, _guild(interaction))
        if await self._refused(interaction, view.case):
            return
        await _say(interaction, render.case_text(view))

    @app_commands.command(description="Cases: the open ones, or (open: False) the latest of all")
    @app_commands.rename(only_open="open")
    async def cases(self, interaction: discord.Interaction, only_open: bool = True) -> None:
        """List the open cases, or the most recent cases in any state."""
        guild_id = _guild(interaction)
        if only_open:
            found = await self.bot.services.cases.open_cases(guild_id)
            empty = "No open cases."
        else:
            found = await self.bot.services.cases.recent_cases(guild_id)
            empty = "No cases yet."
        routing = self.bot.routing(guild_id)
        found = visible_cases(interaction.user, routing, found, interaction.permissions)
        text = "\n".join(render.case_line(c) for c in found) or empty
        await _say(interaction, text[:1900])

    @app_commands.command(description="Resolve a case")
    @app_commands.rename(case_id="id")
    async def resolve(
        self,
        interaction: discord.Interaction,
        case_id: int,
        outcome: OutcomeName,
        note: str | None = None,
    ) -> None:
        """Close a case with an outcome and an optional note (not one's own, nor the reviewer's).

        An appeal's member is told the outcome privately.
        """
        found = await self.bot.services.cases.view(case_id, _guild(interaction))
        if await self._refused(interaction, found.case):
            return
        case, notice = await self.bot.services.cases.close(
            case_id, interaction.user.id, outcome, note
        )
        text = f"Case #{case.id} resolved: {outcome.replace('_', ' ')}."
        if notice is not None:
            await answer_appeal(interaction, notice, text)
            return
        await _say(interaction, text)

    @app_commands.command(description="Add a note (or, with a category, a warning) to a member")
    async def note(
        self,
        interaction: discord.Interaction,
        member: discord.Member,
        text: str,
        category: CategoryName | None = None,
        severity: SeverityName = "medium",
    ) -> None:
        """Record a note; a warning counts towards the thresholds like an incident."""
        note, outcome = await self.bot.services.members.note(
            _guild(interaction),
            interaction.channel_id or 0,
            member.id,
            interaction.user.id,
            text,
            category=category,
            severity=Severity.parse(severity),
            member_is_moderator=self.bot.author_is_moderator(member, _guild(interaction)),
        )
        await _say(interaction, f"{note.kind.capitalize()} #{note.id} added for {member.mention}.")
        await self.bot.courier.deliver(outcome)

    @app_commands.command(description="Incidents per category and channel, and the trend")
    async def stats(
        self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 365] = 30
    ) -> None:
        """Statistics over the last `days` days."""
        found = await self.bot.services.members.stats(_guild(interaction), days)
        await _say(interaction, render.stats_text(found))

    @app_commands.command(
        description="Download the audit log (JSON lines), or an evidence pack for a member or case"
    )
    @app_commands.describe(
        since="YYYY-MM-DD (UTC); everything when left out (audit log only)",
        member="An evidence pack (zip) of this member's incidents",
        case="An evidence pack (zip) of this case",
        reporter="Name who reported in the pack (the designated moderator only)",
    )
    async def export(
        self,
        interaction: discord.Interaction,
        since: str | None = None,
        member: discord.Member | None = None,
        case: int | None = None,
        reporter: bool = False,
    ) -> None:
        """The audit log from `since` as a file; with `member` or `case`, an evidence pack."""
        if member is not None or case is not None:
            await self._evidence(interaction, member, case, reporter)
            return
        start = None
        if since:
            try:
                start = datetime.fromisoformat(since)
            except ValueError:
                await _say(interaction, f"{since!r} is not a date; use YYYY-MM-DD.")
                return
            start = start.replace(tzinfo=UTC) if start.tzinfo is None else start
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await self.bot.services.members.export(start)
        name = f"upstander-audit-{since or 'all'}.jsonl"
        await _say(
            interaction,
            f"Audit log export: {len(data.splitlines())} entries.",
            file=discord.File(io.BytesIO(data), filename=name),
        )

    async def _evidence(
        self,
        interaction: discord.Interaction,
        member: discord.Member | None,
        case: int | None,
        reporter: bool,
    ) -> None:
        if member is not None and case is not None:
            await _say(interaction, "Give a member or a case, not both.")
            return
        guild_id = _guild(interaction)
        # A pack shows cases: only to those who may decide them (never their subject, and a
        # case sent to the reviewer, the reviewer alone), as `/upstander case` does.
        if case is not None:
            found = await self.bot.services.cases.view(case, guild_id)  # NotFound elsewhere
            if await self._refused(interaction, found.case):
                return
        if member is not None:
            record = await self.bot.services.members.history(guild_id, member.id)
            for theirs in record.cases:
                if await self._refused(interaction, theirs):
                    return
        await interaction.response.defer(ephemeral=True, thinking=True)
        pack = await self.bot.services.evidence.export(
            guild_id,
            member_id=member.id if member is not None else None,
            case_id=case,
            actor=f"moderator:{interaction.user.id}",
            requester_id=interaction.user.id,
            with_reporter=reporter,
            now=self.bot.clock(),
        )
        about = f"case #{case}" if member is None else member.mention
        limit = interaction.guild.filesize_limit if interaction.guild is not None else 0
        if limit and len(pack.data) > limit:
            which = f"--case {case}" if member is None else f"--member {member.id}"
            await _say(
                interaction,
                f"The evidence pack for {about} is {len(pack.data) // 1_000_000} MB, more than "
                f"this server may upload; on the bot's host run `upstander evidence {which}`.",
            )
            return
        await _say(
            interaction,
            f"Evidence pack for {about} (audit head {pack.head_seq}; this export is audit "
            f"entry {pack.entry.seq}). Check it with `python3 verify.py` inside the zip.",
            file=discord.File(io.BytesIO(pack.data), filename=pack.name),
        )


class ModCog(commands.Cog):
    """Registers `/upstander` on the tree."""

    def __init__(self, bot: UpstanderBot) -> None:
        """Build the group for `bot`."""
        self.bot = bot
        self.group = UpstanderGroup(bot)

    async def cog_load(self) -> None:
        """Add the group to the tree."""
        self.bot.tree.add_command(self.group)

    async def cog_unload(self) -> None:
        """Remove it again."""
        self.bot.tree.remove_command(self.group.name)
