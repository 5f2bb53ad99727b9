"""FakeDiscord: the server object a test starts, populates, drives and inspects."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

import discord.gateway
import discord.http
import yarl
from aiohttp import web

from .commands import build_command_data
from .faults import Fault
from .gateway import Gateway, Session
from .models import DM_CHANNEL, FakeChannel, FakeGuild, FakeInteraction, FakeRole, FakeUser, Payload
from .payloads import channel_payload, guild_create_payload, member_payload, user_payload
from .rest import RestApi
from .world import World

log = logging.getLogger(__name__)

HOST = "127.0.0.1"  # never bind anything else: these tests must not reach the network
MESSAGE_CONTENT_INTENT = 1 << 15
APPLICATION_COMMAND = 2


def point_discord_py_at(api_base: str, gateway_url: str) -> Callable[[], None]:
    """Point discord.py (process-wide) at another REST base and gateway; returns an undo."""
    old_base, old_gateway = (
        discord.http.Route.BASE,
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY,
    )
    discord.http.Route.BASE = api_base.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)

    def undo() -> None:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    return undo


class FakeDiscord:
    """A Discord-compatible REST + gateway server on 127.0.0.1, driven from Python."""

    def __init__(self, *, token: str = "fake-token") -> None:
        self.token = token
        self.world = World()
        self.gateway = Gateway(
            token=token, ready_events=self._ready_events, member_chunks=self._member_chunks
        )
        self.rest = RestApi(self.world, self.gateway, token=token, changed=self._changed)
        self._bump = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Bind 127.0.0.1 on an ephemeral port and start serving."""
        app = web.Application()
        app.router.add_route("*", "/api/v10/{tail:.*}", self.rest.handle)
        app.router.add_get("/", self.gateway.handle)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, HOST, 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        log.info("fakediscord listening on %s", self.api_base)

    async def stop(self) -> None:
        """Close sockets and stop serving."""
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def api_base(self) -> str:
        """Value for ``UPSTANDER_DISCORD_API_BASE``."""
        return f"http://{HOST}:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        """Value for ``UPSTANDER_DISCORD_GATEWAY``."""
        return f"ws://{HOST}:{self.port}/"

    @property
    def bot_user(self) -> FakeUser:
        """The bot's own account (its id is also the application id)."""
        return self.world.bot

    # ------------------------------------------------------------------ building

    def add_guild(self, name: str = "Test Guild") -> FakeGuild:
        """A guild the bot is in; add it before the bot connects to see it in READY."""
        return self.world.add_guild(name)

    def add_role(self, guild: FakeGuild, name: str, *, permissions: int = 0) -> FakeRole:
        """A role with a raw permission bitfield (e.g. ``discord.Permissions(...).value``)."""
        return self.world.add_role(guild, name, permissions=permissions)

    def add_text_channel(self, guild: FakeGuild, name: str) -> FakeChannel:
        """A guild text channel."""
        return self.world.add_text_channel(guild, name)

    def add_member(
        self, guild: FakeGuild, name: str, *, roles: list[FakeRole] | None = None
    ) -> FakeUser:
        """A new human user who is a member of ``guild``."""
        return self.world.add_member(guild, self.world.add_user(name), roles)

    def dm_channel(self, user: FakeUser) -> FakeChannel:
        """The DM channel between the bot and ``user``."""
        return self.world.dm_channel(user.id)

    # ------------------------------------------------------------------ waiting

    def _changed(self) -> None:
        self._bump.set()
        self._bump = asyncio.Event()

    async def wait_for(self, predicate: Callable[[], Any], *, timeout: float = 5.0) -> Any:
        """Wait until ``predicate()`` is truthy (re-checked on every server change)."""
        deadline = time.monotonic() + timeout
        while True:
            bump = self._bump
            result = predicate()
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("fakediscord: condition not met in time")
            # Short waits also pick up changes made on the bot's side of the loop.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(bump.wait(), timeout=min(remaining, 0.25))

    async def wait_until_identified(self, *, timeout: float = 10.0) -> None:
        """Wait until the bot has sent IDENTIFY and received READY and GUILD_CREATE."""
        await asyncio.wait_for(self.gateway.identified.wait(), timeout=timeout)

    async def wait_for_dm(self, user: FakeUser, *, count: int = 1, timeout: float = 5.0) -> Payload:
        """Wait for the bot's ``count``-th DM to ``user`` and return it."""
        message: Payload = await self.wait_for(
            lambda: len(d := self.dms_to(user)) >= count and d[count - 1], timeout=timeout
        )
        return message

    async def wait_for_callback(
        self, interaction: FakeInteraction, *, timeout: float = 5.0
    ) -> Payload:
        """Wait for the bot's initial response to ``interaction``."""
        callback: Payload = await self.wait_for(
            lambda: interaction.callbacks and interaction.callbacks[0], timeout=timeout
        )
        return callback

    # ------------------------------------------------------------------ reading

    def messages_in(self, channel: FakeChannel) -> list[Payload]:
        """Every message currently stored in a channel, oldest first."""
        return [channel.messages[k] for k in sorted(channel.messages)]

    def dms_to(self, user: FakeUser) -> list[Payload]:
        """Messages the bot sent to ``user`` by DM, oldest first."""
        channel_id = self.world.dm_channels.get(user.id)
        return [
            m
            for m in self.world.sent
            if channel_id is not None and int(m["channel_id"]) == channel_id
        ]

    @property
    def sent(self) -> list[Payload]:
        """Every message the bot created, in order, wherever it went."""
        return self.world.sent

    @property
    def unknown_routes(self) -> list[tuple[str, str]]:
        """REST routes the bot called that this server does not implement."""
        return self.rest.unknown_routes

    # ------------------------------------------------------------------ injecting

    async def post_message(self, channel: FakeChannel, author: FakeUser, content: str) -> Payload:
        """A user posts a message: stored, then dispatched as MESSAGE_CREATE."""
        message = self.world.create_message(channel, author, {"content": content})
        await self.gateway.dispatch("MESSAGE_CREATE", self._as_seen_by_bot(message))
        return message

    async def edit_message(self, message: Payload, content: str) -> Payload:
        """The author edits a message: dispatched as MESSAGE_UPDATE."""
        channel = self.world.channels[int(message["channel_id"])]
        updated = self.world.edit_message(channel, int(message["id"]), {"content": content})
        await self.gateway.dispatch("MESSAGE_UPDATE", self._as_seen_by_bot(updated))
        return updated

    async def delete_message(self, message: Payload) -> None:
        """The message is deleted: dispatched as MESSAGE_DELETE."""
        channel = self.world.channels[int(message["channel_id"])]
        channel.messages.pop(int(message["id"]), None)
        event = {"id": message["id"], "channel_id": message["channel_id"]}
        if "guild_id" in message:
            event["guild_id"] = message["guild_id"]
        await self.gateway.dispatch("MESSAGE_DELETE", event)

    async def invoke_slash(
        self, channel: FakeChannel, user: FakeUser, command: str, /, **options: Any
    ) -> FakeInteraction:
        """``user`` runs ``/command`` (``"mod warn"`` for a subcommand) with ``options``."""
        root = self.world.find_command(command.split()[0], channel.guild_id)
        data = build_command_data(self.world, root, command.split()[1:], options, channel.guild_id)
        interaction = self.world.new_interaction(
            type_=APPLICATION_COMMAND, channel=channel, user=user, data=data
        )
        await self.gateway.dispatch("INTERACTION_CREATE", self._interaction_payload(interaction))
        return interaction

    def inject_fault(
        self,
        method: str,
        path: str,
        *,
        status: int | None = 500,
        code: int = 0,
        message: str = "Injected by fakediscord",
        retry_after: float = 0.1,
        delay: float = 0.0,
        times: int | None = 1,
    ) -> Fault:
        """Make matching REST calls fail or answer late (see `faults.Fault`); returns the fault."""
        fault = Fault(method, path, status, code, message, retry_after, delay, times)
        return self.rest.faults.add(fault)

    def dm_path(self, user: FakeUser) -> str:
        """The REST path the bot posts DMs to ``user`` on (for `inject_fault`)."""
        return f"/channels/{self.dm_channel(user).id}/messages"

    async def request_reconnect(self) -> None:
        """Send opcode 7 so the bot reconnects and RESUMEs its session."""
        await self.gateway.request_reconnect()

    async def drop_connection(self, code: int = 4000) -> None:
        """Close the gateway socket abruptly; events sent meanwhile are replayed on RESUME."""
        await self.gateway.drop(code)

    # ------------------------------------------------------------------ payloads

    def _as_seen_by_bot(self, message: Payload) -> Payload:
        """Blank the content unless the bot may read it (MESSAGE_CONTENT intent rules)."""
        session = self.gateway.current
        payload = copy.deepcopy(message)
        channel = self.world.channels[int(message["channel_id"])]
        mentioned = self.bot_user.mention in payload["content"]
        may_read = session is None or bool(session.intents & MESSAGE_CONTENT_INTENT)
        if not may_read and channel.type != DM_CHANNEL and not mentioned:
            payload.update(content="", embeds=[], attachments=[], components=[])
        return payload

    def _interaction_payload(self, interaction: FakeInteraction) -> Payload:
        world = self.world
        channel = world.channels[interaction.channel_id]
        user = world.users[interaction.user_id]
        payload: Payload = {
            "id": str(interaction.id),
            "application_id": str(world.application_id),
            "type": interaction.type,
            "data": interaction.data,
            "channel_id": str(channel.id),
            "channel": channel_payload(channel, world.users),
            "token": interaction.token,
            "version": 1,
            "locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": 8 * 1024 * 1024,
        }
        guild = world.guild_of(channel)
        if guild is None:
            payload.update(user=user_payload(user), context=1)
            return payload
        member = member_payload(guild, user)
        member["permissions"] = str(guild.permissions_of(user.id))
        payload.update(
            guild_id=str(guild.id),
            guild={"id": str(guild.id), "locale": "en-US", "features": []},
            guild_locale="en-US",
            member=member,
            app_permissions=str(guild.permissions_of(world.bot.id)),
            authorizing_integration_owners={"0": str(guild.id)},
            context=0,
        )
        return payload

    def _ready_events(self, session: Session) -> list[tuple[str, Payload]]:
        world = self.world
        ready: Payload = {
            "v": 10,
            "user": user_payload(world.bot),
            "guilds": [{"id": str(g), "unavailable": True} for g in world.guilds],
            "session_id": session.id,
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(world.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "session_type": "normal",
            "shard": [0, 1],
        }
        events: list[tuple[str, Payload]] = [("READY", ready)]
        events += [
            ("GUILD_CREATE", guild_create_payload(g, world.users)) for g in world.guilds.values()
        ]
        return events

    def _member_chunks(self, request: Payload) -> list[Payload]:
        guild = self.world.guilds.get(int(request.get("guild_id") or 0))
        if guild is None:
            return []
        members = [member_payload(guild, self.world.users[uid]) for uid in guild.members]
        chunk: Payload = {
            "guild_id": str(guild.id),
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if request.get("nonce"):
            chunk["nonce"] = request["nonce"]
        return [chunk]
