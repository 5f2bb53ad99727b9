"""Decisions are made without waiting for earlier commits, and written in decision order.

The policy adopts each decision at once and the store gets them later, one transaction each, in
the order they were made; a refused or failed write must leave the store and the policy's memory
telling the same story.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.policy import PolicyState, Routing
from bot.policy.persist import from_items, items
from bot.services import LiveRules, Services
from bot.services import moderation as moderation_module
from bot.services.write_order import WriteOrder
from bot.store import StoreUnavailableError, open_store
from tests.services.kit import SLUR, write_rules
from tests.services.test_moderation import ALICE, BOB, MOD, MODS_CHANNEL, REVIEWER, Clock, msg


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    rules = LiveRules(write_rules(tmp_path / "rules"))
    assert rules.load_initial() == ()
    store = await open_store(tmp_path / "db.sqlite", synchronous="NORMAL")
    rules.audit = store.audit
    routing = Routing(MOD, MODS_CHANNEL, REVIEWER, frozenset({MOD}))
    yield Services.build(store, rules, routing, Clock())
    await store.close()


class HeldWrites:
    """Wrap record_detection: each call waits for its gate, and the order of commits is kept."""

    def __init__(self, services: Services) -> None:
        self.incidents = services.store.incidents
        self.original = self.incidents.record_detection
        self.gates: list[asyncio.Event] = []
        self.committed: list[int] = []
        self.fail_next: BaseException | None = None
        self.incidents.record_detection = self._record  # type: ignore[method-assign]

    async def _record(self, detection: Any, **kw: Any) -> Any:
        gate = asyncio.Event()
        self.gates.append(gate)
        await gate.wait()
        if self.fail_next is not None:
            error, self.fail_next = self.fail_next, None
            raise error
        result = await self.original(detection, **kw)
        self.committed.append(detection.message_id)
        return result


def count_decisions(monkeypatch: pytest.MonkeyPatch) -> dict[int, Any]:
    """The message ids the policy has decided on, in order, with their events' keys."""
    decided: dict[int, Any] = {}
    original: Callable[..., Any] = moderation_module.decide

    def counting(state: Any, event: Any, *args: Any, **kw: Any) -> Any:
        decided[event.message_id] = event.key
        return original(state, event, *args, **kw)

    monkeypatch.setattr(moderation_module, "decide", counting)
    return decided


async def settle() -> None:
    """Let every task run until it waits on something that only the test releases."""
    for _ in range(5):
        await asyncio.sleep(0.02)  # database work hops to aiosqlite's thread and back


async def stored_state_matches_memory(services: Services, guild: int) -> None:
    stored = from_items(await services.store.policy.items(guild))
    memory = await services.moderation.book.state(guild)
    assert items(stored) == items(memory)


async def test_next_decision_does_not_wait_for_the_previous_commit(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    decided = count_decisions(monkeypatch)
    held = HeldWrites(services)
    handle = services.moderation.handle_message
    first = asyncio.create_task(handle(msg(1, f"{SLUR} one")))
    await settle()
    second = asyncio.create_task(handle(msg(2, f"{SLUR} two", author=BOB)))
    await settle()

    # Both decided while the first commit is still held; the second write has not started.
    assert list(decided) == [1, 2]
    assert len(held.gates) == 1 and held.committed == []
    held.gates[0].set()
    await settle()
    assert held.committed == [1] and len(held.gates) == 2
    held.gates[1].set()
    one, two = await first, await second

    assert held.committed == [1, 2]
    assert one.incident_id is not None and two.incident_id is not None
    assert one.nudge is not None and two.nudge is not None
    await stored_state_matches_memory(services, 1)


async def test_writes_keep_decision_order_even_when_a_later_one_is_released_first(
    services: Services,
) -> None:
    held = HeldWrites(services)
    handle = services.moderation.handle_message
    tasks = [
        asyncio.create_task(handle(msg(n, f"{SLUR} {n}", author=ALICE if n % 2 else BOB)))
        for n in range(1, 5)
    ]
    await settle()
    assert len(held.gates) == 1  # only the first write may run
    for _ in range(4):
        held.gates[-1].set()
        await settle()
    outcomes = await asyncio.gather(*tasks)

    assert held.committed == [1, 2, 3, 4]
    assert all(o.incident_id is not None for o in outcomes)
    # Alice's second slur escalates: the policy counted in order, and so did the store.
    assert any(o.alerts for o in outcomes)
    await stored_state_matches_memory(services, 1)


async def test_a_refused_write_keeps_it_and_everything_decided_after_it_in_order(
    services: Services,
) -> None:
    held = HeldWrites(services)
    held.fail_next = StoreUnavailableError("database is locked")
    moderation = services.moderation
    first = asyncio.create_task(moderation.handle_message(msg(1, f"{SLUR} one")))
    second = asyncio.create_task(moderation.handle_message(msg(2, f"{SLUR} two", author=BOB)))
    await settle()
    held.gates[0].set()  # refused
    outcomes = await asyncio.gather(first, second)

    assert [o.incident_id for o in outcomes] == [None, None]
    assert [k.item.event.message_id for k in moderation.kept] == [1, 2]
    assert moderation.book.unstored(1) == 2
    with pytest.raises(StoreUnavailableError, match="2 earlier decision"):
        async with moderation.book.lock(1):
            await moderation.book.save(1, await moderation.book.state(1))

    retry = asyncio.create_task(moderation.retry_kept())
    for _ in range(2):
        await settle()
        held.gates[-1].set()
    stored = await retry

    assert held.committed == [1, 2] and len(stored) == 2
    assert all(o.nudge is not None for o in stored)
    assert moderation.book.unstored(1) == 0 and not moderation.kept
    await stored_state_matches_memory(services, 1)


async def test_a_failed_write_makes_the_policy_reload_what_the_store_holds(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    decided = count_decisions(monkeypatch)
    held = HeldWrites(services)
    moderation = services.moderation
    stored = asyncio.create_task(moderation.handle_message(msg(1, f"{SLUR} one")))
    await settle()
    held.gates[0].set()
    assert (await stored).incident_id is not None
    held.fail_next = RuntimeError("a bug in the store")
    failing = asyncio.create_task(moderation.handle_message(msg(2, f"{SLUR} two")))
    await settle()
    held.gates[1].set()
    with pytest.raises(RuntimeError):
        await failing

    # The failed decision was counted in memory, but the store never got it: reload.
    state = await moderation.book.state(1)
    assert decided[1] in state.seen and decided[2] not in state.seen
    await stored_state_matches_memory(services, 1)
    assert moderation.book.unstored(1) == 0


async def test_a_replayed_revision_the_policy_forgot_is_not_acted_on_twice(
    services: Services,
) -> None:
    moderation = services.moderation
    first = await moderation.handle_message(msg(1, f"{SLUR} one"))
    assert first.incident_id is not None
    # The policy's memory is lost (emptied in the store too); the incident is still there.
    await services.store.policy.apply(moderation.book.changes(1, PolicyState()))
    moderation.book.reload(1)

    again = await moderation.handle_message(msg(1, f"{SLUR} one"))

    assert again.duplicate and again.incident_id == first.incident_id and again.nudge is None
    await stored_state_matches_memory(services, 1)


async def test_write_order_lines_are_per_guild_and_survive_a_cancelled_waiter() -> None:
    order = WriteOrder()
    events: list[str] = []
    release = asyncio.Event()

    async def write(guild: int, name: str, slot: Any, hold: bool = False) -> None:
        async with slot:
            events.append(f"start {name}")
            if hold:
                await release.wait()
            events.append(f"end {name}")

    a1 = asyncio.create_task(write(1, "a1", order.slot(1), hold=True))
    a2 = asyncio.create_task(write(1, "a2", order.slot(1)))
    a3 = asyncio.create_task(write(1, "a3", order.slot(1)))
    b1 = asyncio.create_task(write(2, "b1", order.slot(2)))
    await settle()
    assert events == ["start a1", "start b1", "end b1"]  # guild 2 does not wait for guild 1
    assert order.busy(1) and not order.busy(2)
    a2.cancel()
    await settle()
    assert "start a3" not in events  # a cancelled waiter does not let a3 jump ahead of a1
    release.set()
    await asyncio.gather(a1, a3, b1)
    assert events[3:] == ["end a1", "start a3", "end a3"]
    assert a2.cancelled()
    await asyncio.wait_for(order.idle(1), 1)
    assert not order.busy(1)
