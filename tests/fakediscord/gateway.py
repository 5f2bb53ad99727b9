"""Gateway v10 over a websocket: HELLO, IDENTIFY/READY, heartbeats, RESUME, dispatches."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from .models import Payload

log = logging.getLogger(__name__)

DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE, RESUME, RECONNECT = 0, 1, 2, 3, 6, 7
REQUEST_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 8, 9, 10, 11
HEARTBEAT_INTERVAL_MS = 41_250
REPLAY_BUFFER = 50_000  # events kept per session for RESUME; older gaps invalidate it


@dataclass
class Session:
    """One identified bot session: its sequence, replay buffer and current socket."""

    id: str
    intents: int
    seq: int = 0
    buffer: deque[tuple[int, str, Payload]] = field(
        default_factory=lambda: deque(maxlen=REPLAY_BUFFER)
    )
    socket: web.WebSocketResponse | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class Gateway:
    """Serves the websocket; the owning server supplies READY and GUILD_CREATE payloads."""

    def __init__(
        self,
        *,
        token: str,
        ready_events: Callable[[Session], list[tuple[str, Payload]]],
        member_chunks: Callable[[Payload], list[Payload]],
    ) -> None:
        self._token = token
        self._ready_events = ready_events
        self._member_chunks = member_chunks
        self.sessions: dict[str, Session] = {}
        self.identified = asyncio.Event()
        self.close_codes: list[int | None] = []
        self.received: list[Payload] = []
        self.resumes = 0
        # Discord delivers at least once: RESUME may also repeat this many events the bot had
        # already received (0: only the ones it missed, the usual case).
        self.resume_overlap = 0

    @property
    def current(self) -> Session | None:
        """The most recently identified session (a bot normally has exactly one)."""
        return next(reversed(self.sessions.values()), None)

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """aiohttp handler for ``GET /`` with a websocket upgrade."""
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        await socket.send_str(
            json.dumps({"op": HELLO, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}})
        )
        session: Session | None = None
        async for message in socket:
            if message.type is not WSMsgType.TEXT:
                continue
            frame = json.loads(message.data)
            self.received.append(frame)
            session = await self._on_frame(socket, frame, session)
        if session is not None and session.socket is socket:
            session.socket = None
        self.close_codes.append(socket.close_code)
        log.info("gateway socket closed with code %s", socket.close_code)
        return socket

    async def _on_frame(
        self, socket: web.WebSocketResponse, frame: Payload, session: Session | None
    ) -> Session | None:
        op, data = frame.get("op"), frame.get("d")
        if op == HEARTBEAT:
            await socket.send_str(json.dumps({"op": HEARTBEAT_ACK, "d": None}))
        elif op == IDENTIFY:
            return await self._identify(socket, data or {})
        elif op == RESUME:
            return await self._resume(socket, data or {})
        elif op == REQUEST_MEMBERS and session is not None:
            for chunk in self._member_chunks(data or {}):
                await self.send(session, "GUILD_MEMBERS_CHUNK", chunk)
        elif op != PRESENCE:
            log.warning("fakediscord gateway: unhandled op %s", op)
        return session

    async def _identify(self, socket: web.WebSocketResponse, data: Payload) -> Session | None:
        if data.get("token") != self._token:
            await socket.close(code=4004, message=b"Authentication failed.")
            return None
        session = Session(id=secrets.token_hex(16), intents=int(data.get("intents", 0)))
        session.socket = socket
        self.sessions[session.id] = session
        for event, payload in self._ready_events(session):
            await self.send(session, event, payload)
        self.identified.set()
        return session

    async def _resume(self, socket: web.WebSocketResponse, data: Payload) -> Session | None:
        session = self.sessions.get(str(data.get("session_id")))
        last_seen = int(data.get("seq") or 0)
        too_old = (
            session is not None and bool(session.buffer) and session.buffer[0][0] > last_seen + 1
        )
        if session is None or too_old or data.get("token") != self._token:
            await socket.send_str(json.dumps({"op": INVALID_SESSION, "d": False}))
            return None
        self.resumes += 1
        async with session.lock:
            session.socket = socket
            for seq, event, payload in session.buffer:
                if seq > last_seen - self.resume_overlap:
                    await self._write(socket, seq, event, payload)
        await self.send(session, "RESUMED", {})
        return session

    async def send(self, session: Session, event: str, payload: Payload) -> None:
        """Give an event the next sequence number; deliver it now or on RESUME."""
        async with session.lock:
            session.seq += 1
            session.buffer.append((session.seq, event, payload))
            if session.socket is not None and not session.socket.closed:
                try:
                    await self._write(session.socket, session.seq, event, payload)
                except ConnectionError:
                    # The bot vanished (killed, network gone): keep the event for a RESUME.
                    session.socket = None

    @staticmethod
    async def _write(socket: web.WebSocketResponse, seq: int, event: str, payload: Any) -> None:
        await socket.send_str(json.dumps({"op": DISPATCH, "t": event, "s": seq, "d": payload}))

    async def dispatch(self, event: str, payload: Payload) -> None:
        """Send an event to the bot's session; it is an error to inject before IDENTIFY."""
        session = self.current
        if session is None:
            raise RuntimeError("no bot has identified yet; await server.wait_until_identified()")
        await self.send(session, event, payload)

    async def request_reconnect(self) -> None:
        """Ask the bot to reconnect and RESUME (opcode 7), as Discord does on maintenance."""
        session = self.current
        if session is not None and session.socket is not None:
            await session.socket.send_str(json.dumps({"op": RECONNECT, "d": None}))

    async def drop(self, code: int = 4000) -> None:
        """Close the bot's socket without warning (a network drop); the bot should RESUME.

        Events dispatched until it does are buffered and replayed on RESUME.
        """
        session = self.current
        if session is not None and session.socket is not None:
            socket, session.socket = session.socket, None
            await socket.close(code=code)

    async def close_all(self) -> None:
        """Close every open socket with 1001 (going away)."""
        for session in self.sessions.values():
            if session.socket is not None and not session.socket.closed:
                await session.socket.close(code=1001)
