"""REST API v10: the handful of routes a moderation bot uses, plus loud 404s for the rest."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .faults import Faults
from .gateway import Gateway
from .models import DM_CHANNEL, FakeChannel, FakeInteraction, Payload
from .payloads import application_payload, channel_payload, member_payload, user_payload
from .world import World

log = logging.getLogger(__name__)

Handler = Callable[[web.Request, dict[str, str], Any], Awaitable[web.StreamResponse]]

EPHEMERAL = 64
MESSAGE_CALLBACKS = {4, 7}


def _json(data: Any, status: int = 200) -> web.Response:
    # discord.py only decodes bodies whose Content-Type is exactly "application/json".
    body = json.dumps(data).encode()
    return web.Response(body=body, status=status, headers={"Content-Type": "application/json"})


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"message": message, "code": code}, status=status)


class RestApi:
    """Routes ``/api/v10/...`` requests to handlers over the shared :class:`World`."""

    def __init__(
        self, world: World, gateway: Gateway, *, token: str, changed: Callable[[], None]
    ) -> None:
        self.world = world
        self.gateway = gateway
        self.token = token
        self.changed = changed
        self.requests: list[tuple[str, str, Any]] = []
        self.unknown_routes: list[tuple[str, str]] = []
        self.faults = Faults()
        app, guild = r"(?P<app>\d+)", r"(?P<guild>\d+)"
        chan, msg, tok = r"(?P<channel>\d+)", r"(?P<message>\d+|@original)", r"(?P<token>[^/]+)"
        table: list[tuple[str, str, Handler]] = [
            ("GET", "/users/@me", self.get_me),
            ("GET", r"/users/(?P<user>\d+)", self.get_user),
            ("GET", "/oauth2/applications/@me", self.get_application),
            ("GET", "/gateway", self.get_gateway),
            ("GET", "/gateway/bot", self.get_gateway),
            ("GET", f"/applications/{app}/commands", self.get_commands),
            ("PUT", f"/applications/{app}/commands", self.put_commands),
            ("GET", f"/applications/{app}/guilds/{guild}/commands", self.get_commands),
            ("PUT", f"/applications/{app}/guilds/{guild}/commands", self.put_commands),
            ("GET", rf"/guilds/{guild}/members/(?P<user>\d+)", self.get_member),
            ("POST", "/users/@me/channels", self.open_dm),
            ("GET", f"/channels/{chan}", self.get_channel),
            ("POST", f"/channels/{chan}/messages", self.send_message),
            ("GET", rf"/channels/{chan}/messages/(?P<message>\d+)", self.get_message),
            ("PATCH", rf"/channels/{chan}/messages/(?P<message>\d+)", self.edit_message),
            ("DELETE", rf"/channels/{chan}/messages/(?P<message>\d+)", self.delete_message),
            ("POST", rf"/interactions/(?P<interaction>\d+)/{tok}/callback", self.callback),
            ("POST", f"/webhooks/{app}/{tok}", self.followup),
            ("GET", f"/webhooks/{app}/{tok}/messages/{msg}", self.get_webhook_message),
            ("PATCH", f"/webhooks/{app}/{tok}/messages/{msg}", self.edit_webhook_message),
            ("DELETE", f"/webhooks/{app}/{tok}/messages/{msg}", self.delete_webhook_message),
        ]
        self._routes = [(m, re.compile(p + "$"), h) for m, p, h in table]

    # ------------------------------------------------------------------ plumbing

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Entry point mounted at ``/api/v10/{tail:.*}``."""
        path = "/" + request.match_info["tail"]
        body = await self._read_body(request)
        self.requests.append((request.method, path, body))
        for method, pattern, handler in self._routes:
            match = pattern.match(path)
            if match and method == request.method:
                if not self._authorised(request, path):
                    return _error(401, 0, "401: Unauthorized")
                injected = await self.faults.apply(request.method, path)
                if injected is not None:
                    return injected
                try:
                    return await handler(request, match.groupdict(), body)
                except KeyError as exc:
                    return _error(404, 10003, f"Unknown resource {exc}")
        self.unknown_routes.append((request.method, path))
        log.warning("fakediscord: no route for %s %s (answering 404)", request.method, path)
        return _error(404, 0, f"fakediscord does not implement {request.method} {path}")

    def _authorised(self, request: web.Request, path: str) -> bool:
        # Interaction callbacks and webhook routes authenticate with their token.
        if path.startswith(("/interactions/", "/webhooks/")):
            return True
        return request.headers.get("Authorization") == f"Bot {self.token}"

    @staticmethod
    async def _read_body(request: web.Request) -> Any:
        if not request.can_read_body:
            return None
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            payload: Any = {}
            while (part := await reader.next()) is not None:
                if getattr(part, "name", None) == "payload_json":
                    payload = json.loads(await part.text())  # type: ignore[union-attr]
            return payload
        text = await request.text()
        return json.loads(text) if text else None

    async def _post(self, channel: FakeChannel, body: Payload, **kw: Any) -> Payload:
        """Store a bot message, echo it on the gateway (as Discord does), wake waiters."""
        message = self.world.create_message(channel, self.world.bot, body, **kw)
        if not int(message.get("flags", 0)) & EPHEMERAL and self.gateway.current is not None:
            await self.gateway.dispatch("MESSAGE_CREATE", message)
        self.changed()
        return message

    # ------------------------------------------------------------ users and app

    async def get_me(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        """``GET /users/@me``: the login call."""
        return _json(user_payload(self.world.bot))

    async def get_user(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        """``GET /users/{id}``."""
        return _json(user_payload(self.world.users[int(p["user"])]))

    async def get_application(
        self, request: web.Request, p: dict[str, str], body: Any
    ) -> web.Response:
        """``GET /oauth2/applications/@me``: discord.py calls it during login."""
        world = self.world
        return _json(application_payload(world.application_id, world.bot, world.owner))

    async def get_gateway(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        """``GET /gateway[/bot]``: where to connect (only AutoShardedClient asks)."""
        url = f"ws://{request.host}/"
        limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
        return _json({"url": url, "shards": 1, "session_start_limit": limit})

    async def get_member(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        """``GET /guilds/{id}/members/{id}``."""
        guild = self.world.guilds[int(p["guild"])]
        user = self.world.users[int(p["user"])]
        if user.id not in guild.members:
            return _error(404, 10007, "Unknown Member")
        return _json(member_payload(guild, user))

    # ------------------------------------------------------------------ commands

    async def get_commands(
        self, request: web.Request, p: dict[str, str], body: Any
    ) -> web.Response:
        """``GET`` global or guild commands."""
        if "guild" in p:
            return _json(self.world.guild_commands.get(int(p["guild"]), []))
        return _json(self.world.global_commands)

    async def put_commands(
        self, request: web.Request, p: dict[str, str], body: Any
    ) -> web.Response:
        """``PUT`` bulk-overwrite, i.e. ``tree.sync()``."""
        guild_id = int(p["guild"]) if "guild" in p else None
        registered = self.world.register_commands(guild_id, list(body or []))
        self.changed()
        return _json(registered)

    # ------------------------------------------------------------------ channels

    async def open_dm(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        """``POST /users/@me/channels``: open (or reuse) a DM channel."""
        channel = self.world.dm_channel(int(body["recipient_id"]))
        return _json(channel_payload(channel, self.world.users))

    async def get_channel(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        """``GET /channels/{id}``."""
        channel = self.world.channels[int(p["channel"])]
        return _json(channel_payload(channel, self.world.users))

    async def send_message(
        self, request: web.Request, p: dict[str, str], body: Any
    ) -> web.Response:
        """``POST /channels/{id}/messages``: recorded for the test to read back."""
        channel = self.world.channels.get(int(p["channel"]))
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        if channel.type == DM_CHANNEL and self.world.users[channel.recipient_id or 0].bot:
            return _error(403, 50007, "Cannot send messages to this user")
        return _json(await self._post(channel, body or {}))

    async def get_message(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        """``GET /channels/{id}/messages/{id}``."""
        return _json(self.world.channels[int(p["channel"])].messages[int(p["message"])])

    async def edit_message(
        self, request: web.Request, p: dict[str, str], body: Any
    ) -> web.Response:
        """``PATCH /channels/{id}/messages/{id}`` (bot edits its own message)."""
        channel = self.world.channels[int(p["channel"])]
        message = self.world.edit_message(channel, int(p["message"]), body or {})
        self.changed()
        return _json(message)

    async def delete_message(
        self, request: web.Request, p: dict[str, str], body: Any
    ) -> web.Response:
        """``DELETE /channels/{id}/messages/{id}`` (e.g. the bot removes a message)."""
        channel = self.world.channels[int(p["channel"])]
        message = channel.messages.pop(int(p["message"]))
        event = {"id": message["id"], "channel_id": str(channel.id)}
        if channel.guild_id:
            event["guild_id"] = str(channel.guild_id)
        if self.gateway.current is not None:
            await self.gateway.dispatch("MESSAGE_DELETE", event)
        self.changed()
        return web.Response(status=204)

    # -------------------------------------------------------------- interactions

    async def callback(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        """``POST /interactions/{id}/{token}/callback``: the initial response."""
        interaction = self.world.interactions.get(int(p["interaction"]))
        if interaction is None or interaction.token != p["token"]:
            return _error(404, 10062, "Unknown interaction")
        if interaction.callbacks:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        body = body or {}
        interaction.callbacks.append(body)
        kind, data = int(body.get("type", 0)), body.get("data") or {}
        message: Payload | None = None
        if kind in MESSAGE_CALLBACKS:
            channel = self.world.channels[interaction.channel_id]
            message = await self._post(channel, data, webhook_id=self.world.application_id)
            interaction.original_message_id = int(message["id"])
        self.changed()
        if request.query.get("with_response") not in ("1", "true"):
            return web.Response(status=204)
        return _json(self._callback_response(interaction, kind, data, message))

    @staticmethod
    def _callback_response(
        interaction: FakeInteraction, kind: int, data: Payload, message: Payload | None
    ) -> Payload:
        answer: Payload = {
            "interaction": {
                "id": str(interaction.id),
                "type": interaction.type,
                "response_message_id": message["id"] if message else None,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(int(data.get("flags", 0)) & EPHEMERAL),
            }
        }
        if message is not None:
            answer["resource"] = {"type": kind, "message": message}
        return answer

    def _interaction(self, p: dict[str, str]) -> FakeInteraction:
        interaction = self.world.interaction_by_token(p["token"])
        if interaction is None:
            raise KeyError("interaction token")
        return interaction

    def _webhook_target(self, p: dict[str, str]) -> tuple[FakeChannel, int]:
        interaction = self._interaction(p)
        channel = self.world.channels[interaction.channel_id]
        if p["message"] == "@original":
            if interaction.original_message_id is None:
                raise KeyError("original response")
            return channel, interaction.original_message_id
        return channel, int(p["message"])

    async def followup(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        """``POST /webhooks/{app}/{token}``: a followup message."""
        interaction = self._interaction(p)
        channel = self.world.channels[interaction.channel_id]
        message = await self._post(channel, body or {}, webhook_id=self.world.application_id)
        interaction.followups.append(message)
        if interaction.original_message_id is None and interaction.response_type == 5:
            interaction.original_message_id = int(message["id"])
        self.changed()
        return _json(message)

    async def get_webhook_message(
        self, request: web.Request, p: dict[str, str], body: Any
    ) -> web.Response:
        """``GET .../messages/{id|@original}``."""
        channel, message_id = self._webhook_target(p)
        return _json(channel.messages[message_id])

    async def edit_webhook_message(
        self, request: web.Request, p: dict[str, str], body: Any
    ) -> web.Response:
        """``PATCH .../messages/{id|@original}``; editing a deferred original creates it."""
        interaction = self._interaction(p)
        if p["message"] == "@original" and interaction.original_message_id is None:
            channel = self.world.channels[interaction.channel_id]
            flags = int(interaction.response_data.get("flags", 0))
            message = await self._post(
                channel, {**(body or {}), "flags": flags}, webhook_id=self.world.application_id
            )
            interaction.original_message_id = int(message["id"])
            return _json(message)
        channel, message_id = self._webhook_target(p)
        message = self.world.edit_message(channel, message_id, body or {})
        self.changed()
        return _json(message)

    async def delete_webhook_message(
        self, request: web.Request, p: dict[str, str], body: Any
    ) -> web.Response:
        """``DELETE .../messages/{id|@original}``."""
        channel, message_id = self._webhook_target(p)
        channel.messages.pop(message_id, None)
        self.changed()
        return web.Response(status=204)
