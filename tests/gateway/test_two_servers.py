"""Two servers served by one bot: each one's alerts, reports and notices reach only its own
moderators (`UPSTANDER_GUILD_ROUTING`)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

import discord
import pytest
import simcord

from bot.gateway import UpstanderBot, create_bot
from bot.gateway.client import routes_from, shared_routing
from bot.gateway.cogs.report import MENU_NAME
from bot.policy import Routes, Routing
from bot.routing_settings import GuildRouting
from bot.settings import Settings
from tests.services.kit import THREAT


@dataclass
class Server:
    """One company's server as the tests use it."""

    guild: simcord.GuildHandle
    general: simcord.ChannelHandle
    mods_channel: simcord.ChannelHandle
    mod: simcord.MemberActor
    member: simcord.MemberActor
    reporter: simcord.MemberActor

    def mods_posts(self) -> list[discord.Message]:
        """What the bot posted in this server's moderators' channel."""
        return [m for m in self.mods_channel.history() if m.author.bot]

    def mod_dms(self) -> list[discord.Message]:
        """What the bot sent this server's designated moderator."""
        return [m for m in self.mod.user.dm_channel.history() if m.author.bot]

    def routing(self) -> GuildRouting:
        """Its entry in `UPSTANDER_GUILD_ROUTING`."""
        return GuildRouting(
            moderator_user_id=self.mod.id, moderator_channel_id=self.mods_channel.id
        )


def _server(env: simcord.Env, name: str) -> Server:
    guild = env.create_guild(name)
    general = guild.create_text_channel("general")
    mods_channel = guild.create_text_channel("moderators")
    mod = guild.add_member(env.create_user(f"{name}-mod"))
    member = guild.add_member(env.create_user(f"{name}-member"))
    reporter = guild.add_member(env.create_user(f"{name}-reporter"))
    return Server(guild, general, mods_channel, mod, member, reporter)


@pytest.fixture
async def servers(
    simcord_env: simcord.Env, base_settings: Settings
) -> AsyncIterator[tuple[Server, Server]]:
    """Servers A and B, the bot restarted with both listed and each routed to its own people."""
    env = simcord_env
    a, b = _server(env, "a"), _server(env, "b")
    settings = base_settings.model_copy(
        update={
            "guild_ids": [a.guild.id, b.guild.id],
            "guild_routing": {a.guild.id: a.routing(), b.guild.id: b.routing()},
        }
    )
    first = env.bot
    assert isinstance(first, UpstanderBot)
    await env.restart_bot(create_bot(settings, clock=env.now))
    await first.close()
    yield a, b
    assert isinstance(env.bot, UpstanderBot)
    await env.bot.close()


@pytest.mark.parametrize("where", ["a", "b"])
async def test_each_servers_alert_reaches_only_its_own_moderators(
    servers: tuple[Server, Server], where: str
) -> None:
    here, there = servers if where == "a" else servers[::-1]

    await here.member.send(here.general, f"I will {THREAT}")

    (posted,) = here.mods_posts()
    (dm,) = here.mod_dms()
    assert posted.content.startswith("Case #") and dm.content == posted.content
    assert there.mods_posts() == [] and there.mod_dms() == []


async def test_each_servers_report_reaches_only_its_own_moderators(
    servers: tuple[Server, Server],
) -> None:
    a, b = servers
    target = await b.member.send(b.general, "nobody wants you on this team")

    shown = await b.reporter.context_menu(b.general, MENU_NAME, target)
    await b.reporter.submit_modal(shown, {"reason": ""})

    assert len(b.mods_posts()) == 1 and len(b.mod_dms()) == 1
    assert a.mods_posts() == [] and a.mod_dms() == []


async def test_a_servers_moderators_channel_is_not_watched_in_either_server(
    servers: tuple[Server, Server],
) -> None:
    a, b = servers

    await a.member.send(a.mods_channel, f"she wrote 'I will {THREAT}'")
    await b.member.send(b.general, f"I will {THREAT}")

    assert a.mods_posts() == [] and a.mod_dms() == []
    assert len(b.mods_posts()) == 1


SHARED = [
    ("one server", Routes(Routing(1)), [10], [], []),
    ("two servers, one routing", Routes(Routing(1)), [10, 20], [], [10, 20]),
    ("two servers, one routed", Routes(Routing(1), {10: Routing(2)}), [10, 20], [], []),
    ("two joined, one served", Routes(Routing(1)), [10, 20], [10], []),
    ("nobody configured", Routes(), [10, 20], [], []),
]


@pytest.mark.parametrize(
    ("name", "routes", "joined", "served", "shared"), SHARED, ids=[s[0] for s in SHARED]
)
def test_servers_sharing_the_unkeyed_routing_are_named(
    name: str, routes: Routes, joined: list[int], served: list[int], shared: list[int]
) -> None:
    assert shared_routing(routes, joined, served) == shared


async def test_two_servers_on_one_routing_are_reported_at_start(
    simcord_env: simcord.Env, base_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    env = simcord_env
    a, b = _server(env, "a"), _server(env, "b")
    settings = base_settings.model_copy(update={"moderator_user_id": a.mod.id})
    first = env.bot
    assert isinstance(first, UpstanderBot)

    with caplog.at_level(logging.ERROR, logger="bot.gateway.client"):
        await env.restart_bot(create_bot(settings, clock=env.now))
    await first.close()

    (record,) = [r for r in caplog.records if "share UPSTANDER_MODERATOR_" in r.getMessage()]
    assert f"{a.guild.id}, {b.guild.id}" in record.getMessage()
    assert isinstance(env.bot, UpstanderBot)
    await env.bot.close()


def test_the_unkeyed_routing_serves_no_one_when_every_server_has_its_own(
    base_settings: Settings,
) -> None:
    both = {10: GuildRouting(moderator_user_id=5), 20: GuildRouting(moderator_user_id=6)}
    settings = base_settings.model_copy(
        update={"moderator_user_id": 9, "guild_ids": [10, 20], "guild_routing": both}
    )
    routes = routes_from(settings)
    assert routes.default == Routing()
    assert routes.for_guild(20).moderator_user_id == 6
    one = base_settings.model_copy(update={"moderator_user_id": 9, "guild_routing": {10: both[10]}})
    assert routes_from(one).default.moderator_user_id == 9  # other servers still use it
