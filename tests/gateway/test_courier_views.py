"""A sent alert's or nudge's view is taken apart at once, so it never waits for the collector.

Under load every flagged message sends one or two views; left as reference cycles they piled
up between garbage collections (thousands at the end of a one-minute load run). Tested without
simcord, whose instrumentation keeps its own references to every view.
"""

from __future__ import annotations

import gc
import weakref

from discord.ui import Item, View

from bot.gateway.courier import _discarded
from bot.gateway.views import alert_view, nudge_view


def _unreachable_after(view_factory: object, take_apart: bool) -> tuple[bool, int]:
    """(freed by reference counting alone, parts of views the collector then found).

    Only view parts are counted: other tests may leave threads that make unrelated cyclic
    garbage meanwhile (a full-suite run once showed 742 such objects).
    """
    gc.collect()
    gc.disable()
    try:
        view = view_factory()  # type: ignore[operator]
        alive = weakref.ref(view)
        if take_apart:
            with _discarded(view):
                assert view.children  # what a send would serialise
        del view
        freed = alive() is None
    finally:
        gc.enable()
    gc.set_debug(gc.DEBUG_SAVEALL)  # keep what the collector finds, to look at it
    try:
        gc.collect()
        parts = sum(1 for thing in gc.garbage if isinstance(thing, View | Item))
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    return freed, parts


async def test_a_discarded_view_is_freed_by_reference_counting() -> None:
    for factory in (lambda: alert_view(7), lambda: nudge_view(7)):
        assert _unreachable_after(factory, take_apart=True) == (True, 0)


async def test_without_taking_it_apart_a_view_is_left_to_the_collector() -> None:
    """The control: proves the test above can fail."""
    freed, parts = _unreachable_after(lambda: alert_view(7), take_apart=False)
    assert not freed and parts > 0
