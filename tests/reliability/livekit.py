"""The real Upstander bot, in this process, against fakediscord over HTTP and a websocket.

For reliability tests that need discord.py's real HTTP client (its 429/5xx retries), the
real gateway (RESUME and replay) and a handle on the bot's attributes (timeouts, services).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
from pydantic import SecretStr

from bot.gateway import UpstanderBot, create_bot
from bot.settings import Settings
from tests.fakediscord import FakeChannel, FakeDiscord, FakeGuild, FakeUser, point_discord_py_at
from tests.services.kit import write_rules

MODERATE_MEMBERS = discord.Permissions(moderate_members=True).value


@dataclass
class Live:
    """A running fake Discord with one guild and the bot connected to it."""

    server: FakeDiscord
    bot: UpstanderBot
    settings: Settings
    guild: FakeGuild
    general: FakeChannel
    mods_channel: FakeChannel
    mod: FakeUser
    alice: FakeUser
    bob: FakeUser

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Rows from the bot's database, read through a second connection (WAL: no blocking)."""
        with sqlite3.connect(self.settings.database) as conn:
            return list(conn.execute(sql, params))

    def mods_posts(self) -> list[dict[str, Any]]:
        """What the bot posted in the moderators' channel."""
        return [m for m in self.server.sent if int(m["channel_id"]) == self.mods_channel.id]

    async def settle(self) -> None:
        """Wait until no event handler of the bot is running (every decision made)."""
        while pending := self.bot.inflight():
            await asyncio.wait(pending)


@asynccontextmanager
async def live_bot(tmp_path: Path, **overrides: Any) -> AsyncIterator[Live]:
    """Start fakediscord and the bot (temp rules and database); stop both afterwards."""
    async with FakeDiscord(token="reliability-token") as server:
        undo = point_discord_py_at(server.api_base, server.gateway_url)  # restored on exit
        guild = server.add_guild("Workplace")
        general = server.add_text_channel(guild, "general")
        mods_channel = server.add_text_channel(guild, "moderators")
        mods = server.add_role(guild, "Mods", permissions=MODERATE_MEMBERS)
        mod = server.add_member(guild, "mod", roles=[mods])
        alice = server.add_member(guild, "alice")
        bob = server.add_member(guild, "bob")
        values: dict[str, Any] = {
            "discord_token": SecretStr(server.token),
            "rules": write_rules(tmp_path / "rules"),
            "database": tmp_path / "upstander.db",
            "rules_poll_seconds": 0,
            "guild_ids": [guild.id],
            "moderator_user_id": mod.id,
            "moderator_channel_id": mods_channel.id,
            "discord_api_base": server.api_base,
            "discord_gateway": server.gateway_url,
        }
        values.update(overrides)
        settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
        bot = create_bot(settings)
        runner = asyncio.create_task(bot.start(server.token))
        try:
            await server.wait_until_identified()
            yield Live(server, bot, settings, guild, general, mods_channel, mod, alice, bob)
        finally:
            await bot.close()
            await asyncio.wait_for(runner, timeout=10)
            undo()
