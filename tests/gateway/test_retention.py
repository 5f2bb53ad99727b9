"""Retention runs in the bot itself: old message texts are erased and the chain still verifies."""

from __future__ import annotations

import asyncio

from tests.gateway.conftest import World
from tests.services.kit import SLUR


async def test_running_bot_erases_texts_older_than_retention_daily(world: World) -> None:
    bot = await world.restart(retention_days=2)
    store = bot.services.store
    old = await world.bob.send(world.general, f"{SLUR} on day one")

    # Simulated time: the loop purges 5 minutes after start and then once a day.
    await world.env.advance_time(3 * 86_400)
    recent = await world.alice.send(world.general, f"{SLUR} on day four")
    purges = [e async for e in store.audit.entries() if e.action == "retention.purge"]
    assert len(purges) == 3  # at 5 min, 1 day 5 min, 2 days 5 min
    assert [p.details["texts_erased"] for p in purges] == [0, 0, 1]
    assert purges[0].actor == "system:retention"

    (old_incident,) = await store.incidents.for_message(world.guild.id, old.id)
    (new_incident,) = await store.incidents.for_message(world.guild.id, recent.id)
    assert old_incident.text is None  # the evidence text is gone, the record stays
    assert new_incident.text == f"{SLUR} on day four"
    assert await bot.apply_retention() == 0  # nothing else is old enough
    report = await store.audit.verify()
    assert report.ok and report.texts_erased == 1


async def test_retention_loop_stops_with_the_bot(world: World) -> None:
    loops = [t for t in asyncio.all_tasks() if t.get_name() == "upstander-purge"]
    assert len(loops) == 1 and not loops[0].done()
    await world.bot.close()
    await asyncio.sleep(0)
    assert loops[0].done()
