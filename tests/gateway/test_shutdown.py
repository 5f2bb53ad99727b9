"""Graceful shutdown: decisions under way finish and are stored; new work is refused, counted."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from typing import Any

import pytest

from tests.gateway.conftest import World
from tests.services.kit import SLUR


async def test_drain_finishes_work_under_way_and_refuses_new_events(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    bot = world.bot
    moderation = bot.services.moderation
    gate = asyncio.Event()
    started = asyncio.Event()
    judge = moderation.handle_message

    async def held(incoming: Any) -> Any:
        started.set()
        await gate.wait()  # the decision is under way when the shutdown begins
        return await judge(incoming)

    monkeypatch.setattr(moderation, "handle_message", held)
    first = world.env.backend.create_message(world.general.id, world.bob.id, f"{SLUR} one")
    await asyncio.wait_for(started.wait(), 10)

    drain = asyncio.create_task(bot.drain_and_close())
    await asyncio.sleep(0)
    assert bot.draining
    # Traffic keeps arriving while the gateway is still open: it must not keep the drain going.
    world.env.backend.create_message(world.general.id, world.alice.id, f"{SLUR} two")
    world.env.backend.create_message(world.general.id, world.alice.id, f"{SLUR} three")
    await asyncio.sleep(0.05)
    assert not drain.done()  # waiting for the decision under way
    caplog.set_level(logging.WARNING)
    gate.set()
    await asyncio.wait_for(drain, 10)

    assert bot.refused_while_draining == 2
    assert "2 event(s) arrived after it began and were not judged" in caplog.text
    assert bot.is_closed()
    with sqlite3.connect(world.settings.database) as conn:
        stored = [m for (m,) in conn.execute("SELECT message_id FROM incidents")]
    assert stored == [first.id]  # the decision under way was stored before the store closed
