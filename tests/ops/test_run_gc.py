"""`upstander run` freezes its start-up objects out of the garbage collector's reach, twice."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from bot.cli import run_cmd
from bot.settings import Settings


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


class _Bot:
    def __init__(self) -> None:
        self.ready = asyncio.Event()
        self.user = None
        self.guilds: list[object] = []

    async def wait_until_ready(self) -> None:
        await self.ready.wait()


def test_survivors_are_frozen_and_garbage_is_collected_first(unfrozen: None) -> None:
    class Cycle:
        def __init__(self) -> None:
            self.me = self

    garbage = weakref.ref(Cycle())  # only a collection frees a cycle: it must not be frozen
    kept = Cycle()
    run_cmd._freeze_survivors()
    assert garbage() is None
    assert gc.get_freeze_count() > 0
    assert not any(o is kept for o in gc.get_objects())  # out of the collector's reach


def test_the_second_freeze_waits_for_the_gateway_to_be_ready(unfrozen: None) -> None:
    async def scenario() -> tuple[int, int]:
        bot = _Bot()
        rules = SimpleNamespace(ruleset=[1, 2], version="abc")
        settings = Settings(_env_file=None)  # type: ignore[call-arg]
        task = asyncio.create_task(run_cmd._once_ready(bot, settings, rules))
        await asyncio.sleep(0)
        before = gc.get_freeze_count()
        bot.ready.set()
        await task
        return before, gc.get_freeze_count()

    before, after = asyncio.run(scenario())
    assert before == 0
    assert after > 0
