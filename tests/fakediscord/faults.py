"""Fault injection for the fake REST API: per-route error statuses, 429s and delays."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from fnmatch import fnmatchcase

from aiohttp import web


@dataclass
class Fault:
    """Make matching requests fail (``status``) and/or answer late (``delay`` seconds).

    ``path`` is an fnmatch pattern on the path after ``/api/v10`` (``"/channels/123/messages"``,
    ``"/channels/*/messages"``); ``method`` may be ``"*"``. ``times`` is how many requests it
    applies to (None: until removed). ``status=None`` with a delay answers normally, late: with
    a delay longer than the client's patience that is a timeout.
    """

    method: str
    path: str
    status: int | None = 500
    code: int = 0
    message: str = "Injected by fakediscord"
    retry_after: float = 0.1  # seconds, for 429 answers
    delay: float = 0.0
    times: int | None = 1
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        """True for a request this fault applies to (and has uses left)."""
        if self.times is not None and self.hits >= self.times:
            return False
        return self.method in ("*", method) and fnmatchcase(path, self.path)

    def response(self) -> web.Response:
        """The error answer, shaped as Discord sends it (429s: JSON body and headers)."""
        assert self.status is not None
        body: dict[str, object] = {"message": self.message, "code": self.code}
        headers = {"Content-Type": "application/json"}
        if self.status == 429:
            # discord.py treats a 429 without `Via` as a Cloudflare ban and does not retry.
            body.update(retry_after=self.retry_after, **{"global": False})
            headers.update({"Retry-After": str(self.retry_after), "Via": "1.1 google"})
        return web.Response(body=json.dumps(body).encode(), status=self.status, headers=headers)


class Faults:
    """The active faults of one server, first match wins."""

    def __init__(self) -> None:
        self.active: list[Fault] = []
        self.applied: list[tuple[str, str, int | None]] = []  # (method, path, status) per hit

    def add(self, fault: Fault) -> Fault:
        """Activate `fault` and return it (to read `hits` or remove it later)."""
        self.active.append(fault)
        return fault

    def remove(self, fault: Fault) -> None:
        """Deactivate a fault."""
        if fault in self.active:
            self.active.remove(fault)

    def clear(self) -> None:
        """Deactivate every fault."""
        self.active.clear()

    async def apply(self, method: str, path: str) -> web.Response | None:
        """Delay and/or answer a request as the first matching fault says; None: no fault."""
        fault = next((f for f in self.active if f.matches(method, path)), None)
        if fault is None:
            return None
        fault.hits += 1
        self.applied.append((method, path, fault.status))
        if fault.delay > 0:
            await asyncio.sleep(fault.delay)
        return fault.response() if fault.status is not None else None
