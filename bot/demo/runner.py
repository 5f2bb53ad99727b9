"""Play the demo script through the real bot (create_bot, services, store, rules) on a simulated
Discord server (simcord), printing what each person sees as it happens."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import discord
import simcord
from pydantic import SecretStr

from bot.demo.script import MEMBERS, SCRIPT, Step
from bot.engine import load_rules
from bot.gateway import UpstanderBot, create_bot
from bot.gateway.cogs.report import MENU_NAME
from bot.settings import Settings

Print = Callable[[str], None]


_MENTION = re.compile(r"<(@!?|#)(\d+)>")


def _describe(message: discord.Message, names: dict[int, str], width: int = 110) -> list[str]:
    """The visible text of a bot message: its content and its embeds, a few lines of each,
    with mentions shown as names, as the Discord client would."""
    lines = [line for line in (message.content or "").splitlines() if line.strip()]
    for embed in message.embeds:
        if embed.title:
            lines.append(f"[{embed.title}]")
        lines += [line for line in (embed.description or "").splitlines() if line.strip()][:4]
        for embed_field in embed.fields[:6]:
            lines.append(f"{embed_field.name}: {embed_field.value}".replace("\n", " "))
    buttons = [c.label for row in message.components for c in getattr(row, "children", [])]
    if buttons:
        lines.append("buttons: " + " | ".join(str(b) for b in buttons))

    def named(match: re.Match[str]) -> str:
        prefix = "#" if match.group(1) == "#" else "@"
        return prefix + names.get(int(match.group(2)), match.group(2))

    lines = [_MENTION.sub(named, line) for line in lines[:12]]
    return [line if len(line) <= width else line[: width - 1] + "…" for line in lines]


class _Scene:
    """The simulated server and what has already been shown of it."""

    def __init__(self, env: simcord.Env, out: Print) -> None:
        self.env = env
        self.out = out
        self.guild = env.create_guild("Acme Engineering")
        self.general = self.guild.create_text_channel("general")
        self.mods_channel = self.guild.create_text_channel("moderators")
        role = self.guild.create_role(
            "Mods", permissions=discord.Permissions(moderate_members=True)
        )
        self.role_id = role.id
        self.moderator = self.guild.add_member(env.create_user("Mo"), roles=[role])
        self.reviewer = self.guild.add_member(env.create_user("Rae"))
        self.members = {name: self.guild.add_member(env.create_user(name)) for name in MEMBERS}
        self.messages: dict[str, discord.Message] = {}
        self.names = {member.id: name for name, member in self.members.items()}
        self.names.update({self.moderator.id: "Mo", self.reviewer.id: "Rae"})
        self.names.update({self.general.id: "general", self.mods_channel.id: "moderators"})
        self._seen_dms: dict[int, int] = {}
        self._seen_posts = 0
        self._seen_audit = 0

    @property
    def bot(self) -> UpstanderBot:
        """The running bot."""
        assert isinstance(self.env.bot, UpstanderBot)
        return self.env.bot

    async def play(self, step: Step) -> None:
        """Do one step and show what everyone can see afterwards."""
        # Twenty simulated minutes between steps: a morning's chat, not one burst.
        await self.env.advance_time(20 * 60)
        if step.note:
            self.out(f"\n-- {step.note}")
        member = self.members[step.actor]
        text = f"{self.members[step.at].mention} {step.text}" if step.at else step.text
        if step.action == "say":
            sent = await member.send(self.general, text)
            if step.ref:
                self.messages[step.ref] = sent
            shown = f"@{step.at} {step.text}" if step.at else step.text
            self.out(f"#general  {step.actor}: {shown}")
        elif step.action == "edit":
            await member.edit(self.messages[step.target], text)
            self.out(f"#general  {step.actor} edits their message to: {text}")
        elif step.action == "delete":
            await member.delete(self.messages[step.target])
            self.out(f"#general  {step.actor} deletes their message")
        elif step.action == "report":
            shown_menu = await member.context_menu(
                self.general, MENU_NAME, self.messages[step.target]
            )
            done = await member.submit_modal(shown_menu, {"reason": step.text})
            reply = done.response.content if done.response else ""
            self.out(f"(only {step.actor} sees) {reply}")
        await self.show_new()

    async def show_new(self) -> None:
        """Print new private DMs, moderator alerts and audit entries since the last step."""
        people = [*self.members.items(), ("Mo (moderator)", self.moderator)]
        people.append(("Rae (reviewer)", self.reviewer))
        for name, member in people:
            channel = member.user.dm_channel
            if channel is None:
                continue
            mine = [m for m in channel.history() if m.author.bot]
            for message in mine[self._seen_dms.get(member.id, 0) :]:
                self.out(f"   -> private DM to {name}:")
                for line in _describe(message, self.names):
                    self.out(f"        {line}")
            self._seen_dms[member.id] = len(mine)
        posts = [m for m in self.mods_channel.history() if m.author.bot]
        for message in posts[self._seen_posts :]:
            self.out("   -> #moderators (moderators only):")
            for line in _describe(message, self.names):
                self.out(f"        {line}")
        self._seen_posts = len(posts)
        entries = [e async for e in self.bot.services.store.audit.entries()]
        for entry in entries[self._seen_audit :]:
            self.out(f"   [audit #{entry.seq}] {entry.actor} {entry.action} {entry.subject}")
        self._seen_audit = len(entries)


def _check_script(settings: Settings, out: Print) -> None:
    """Warn (do not fail) when the loaded rules would not flag a scripted offensive line."""
    result = load_rules(settings.rules)
    if result.ruleset is None:
        return  # the bot reports rule errors itself
    for step in SCRIPT:
        if step.offensive and not result.ruleset.evaluate(step.text).flagged:
            out(
                f"warning: the rules in {settings.rules} do not flag the scripted line "
                f"{step.text!r}; the demo will show no nudge for it"
            )


async def run_demo(settings: Settings, out: Print = print) -> int:
    """Play the script; 0 when the audit chain verifies at the end."""
    with tempfile.TemporaryDirectory(prefix="upstander-demo-") as scratch:
        database = settings.database
        if "database" not in settings.model_fields_set:
            database = Path(scratch) / "upstander.db"
        base = settings.model_copy(
            update={
                "database": database,
                "discord_token": SecretStr("demo-token-not-used"),
                "rules_poll_seconds": 0,
                "channel_notice_when_dm_closed": False,
            }
        )
        _check_script(base, out)
        out(f"Upstander demo: rules from {base.rules}, database {database}")
        out("Everything below runs the real bot code against a simulated Discord server.")
        env = simcord.Env(create_bot(base))
        await env.start()
        try:
            return await _play(env, base, out)
        finally:
            await env.bot.close()
            await env.shutdown()


async def _play(env: simcord.Env, base: Settings, out: Print) -> int:
    scene = _Scene(env, out)
    settings = base.model_copy(
        update={
            "moderator_user_id": scene.moderator.id,
            "moderator_channel_id": scene.mods_channel.id,
            "moderator_role_id": scene.role_id,
            "reviewer_user_id": scene.reviewer.id,
        }
    )
    first: Any = env.bot
    await env.restart_bot(create_bot(settings, clock=env.now))
    await first.close()
    for step in SCRIPT:
        await scene.play(step)
    report = await scene.bot.services.store.audit.verify()
    out("")
    if report.ok:
        out(
            f"audit verify: OK, chain of {report.entries} entries verified "
            f"(head {report.head_hash[:16]}…)"
        )
        return 0
    out(f"audit verify: FAILED at entry {report.first_bad_seq}: {'; '.join(report.problems)}")
    return 1
