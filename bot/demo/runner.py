"""Play the demo script through the real bot (create_bot, services, store, rules) on a simulated
Discord server (simcord), printing what each person sees as it happens."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import discord
import simcord
from pydantic import SecretStr

from bot.demo.script import MEMBERS, SCRIPT, Step
from bot.engine import load_rules
from bot.engine.cache import RulesCache
from bot.gateway import UpstanderBot, create_bot
from bot.gateway.cogs.report import MENU_NAME
from bot.rules_location import describe
from bot.settings import Settings

Print = Callable[[str], None]


WIDTH = 110  # characters of a line shown unless `--full`
_MENTION = re.compile(r"<(@!?|#)\u200b?(\d+)>")  # the bot escapes quoted mentions with a ZWSP
_TIMESTAMP = re.compile(r"<t:(-?\d+)(?::[tTdDfFR])?>")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_LINK = re.compile(r"\[([^\]]*)\]\((https?://[^)\s]+)\)")


def render_markup(line: str, names: dict[int, str]) -> str:
    """Discord markup as the client shows it: mentions as names, timestamps as dates (UTC),
    bold as plain text, a masked link as its text and address."""

    def named(match: re.Match[str]) -> str:
        prefix = "#" if match.group(1) == "#" else "@"
        return prefix + names.get(int(match.group(2)), match.group(2))

    def dated(match: re.Match[str]) -> str:
        moment = datetime.fromtimestamp(int(match.group(1)), tz=UTC)
        return moment.strftime("%a %d %b %Y %H:%M UTC")

    line = _TIMESTAMP.sub(dated, _MENTION.sub(named, line))
    return _LINK.sub(r"\1 <\2>", _BOLD.sub(r"\1", line))


def _describe(message: discord.Message, names: dict[int, str], width: int | None) -> list[str]:
    """The visible text of a bot message: its content and its embeds (the first lines of each
    unless `width` is None: then every line, uncut), with markup rendered."""
    most = 10_000 if width is None else 4
    lines = [line for line in (message.content or "").splitlines() if line.strip()]
    for embed in message.embeds:
        if embed.title:
            lines.append(f"[{embed.title}]")
        lines += [line for line in (embed.description or "").splitlines() if line.strip()][:most]
        for embed_field in embed.fields[: max(most, 6)]:
            value = str(embed_field.value)
            if width is None and "\n" in value:  # in full, a multi-line field keeps its lines
                lines += [f"{embed_field.name}:", *(f"  {part}" for part in value.splitlines())]
            else:
                lines.append(f"{embed_field.name}: {value}".replace("\n", " "))
        if embed.footer and embed.footer.text and width is None:
            lines.append(embed.footer.text)
    buttons = [c.label for row in message.components for c in getattr(row, "children", [])]
    if buttons:
        lines.append("buttons: " + " | ".join(str(b) for b in buttons))
    lines = [render_markup(line, names) for line in lines[: max(most, 12)]]
    if width is None:
        return lines
    return [line if len(line) <= width else line[: width - 1] + "…" for line in lines]


class _Scene:
    """The simulated server and what has already been shown of it."""

    def __init__(self, env: simcord.Env, out: Print, width: int | None) -> None:
        self.env = env
        self.out = out
        self.width = width
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

    def settings(self, base: Settings) -> Settings:
        """`base` with this server's moderator, channel, role and reviewer."""
        return base.model_copy(
            update={
                "moderator_user_id": self.moderator.id,
                "moderator_channel_id": self.mods_channel.id,
                "moderator_role_id": self.role_id,
                "reviewer_user_id": self.reviewer.id,
            }
        )

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
            for line in reply.splitlines() or [""]:
                self.out(f"(only {step.actor} sees) {render_markup(line, self.names)}")
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
                for line in _describe(message, self.names, self.width):
                    self.out(f"        {line}")
            self._seen_dms[member.id] = len(mine)
        posts = [m for m in self.mods_channel.history() if m.author.bot]
        for message in posts[self._seen_posts :]:
            self.out("   -> #moderators (moderators only):")
            for line in _describe(message, self.names, self.width):
                self.out(f"        {line}")
        self._seen_posts = len(posts)
        entries = [e async for e in self.bot.services.store.audit.entries()]
        for entry in entries[self._seen_audit :]:
            self.out(f"   [audit #{entry.seq}] {entry.actor} {entry.action} {entry.subject}")
        self._seen_audit = len(entries)


def _check_script(settings: Settings, out: Print) -> str:
    """The rules' version; warns (does not fail) when they would not flag an offensive line."""
    result = load_rules(settings.rules, RulesCache(settings.cache_directory))
    if result.ruleset is None:
        return "with errors"  # the bot reports rule errors itself
    for step in SCRIPT:
        if step.offensive and not result.ruleset.evaluate(step.text).flagged:
            out(
                f"warning: the rules in {settings.rules} do not flag the scripted line "
                f"{step.text!r}; the demo will show no nudge for it"
            )
    return result.ruleset.version


async def run_demo(settings: Settings, out: Print = print, *, full: bool = False) -> int:
    """Play the script; 0 when the audit chain verifies at the end. `full`: lines uncut."""
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
        version = _check_script(base, out)
        out(f"Upstander demo: rules from {describe(base.rules)}, version {version}")
        out(f"database {database}")
        out("Everything below runs the real bot code against a simulated Discord server.")
        env = simcord.Env(create_bot(base))
        # The server first, so the bot that starts knows its moderators: one start, one
        # `bot.start` audit entry.
        scene = _Scene(env, out, width=None if full else WIDTH)
        env.bot = create_bot(scene.settings(base), clock=env.now)
        await env.start()
        try:
            return await _play(env, scene)
        finally:
            await env.bot.close()
            await env.shutdown()


async def _play(env: simcord.Env, scene: _Scene) -> int:
    for step in SCRIPT:
        await scene.play(step)
    report = await scene.bot.services.store.audit.verify()
    scene.out("")
    if report.ok:
        scene.out(
            f"audit verify: OK, chain of {report.entries} entries verified "
            f"(head {report.head_hash[:16]}…)"
        )
        return 0
    scene.out(f"audit verify: FAILED at entry {report.first_bad_seq}: {'; '.join(report.problems)}")
    return 1
