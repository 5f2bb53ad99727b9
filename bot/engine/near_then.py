"""Side `a` of a `near` pair made of two parts: an `a` term, then an `a_then` term shortly after.

"whoever" + "went to HR", "if I find out who" + "reported me": either part alone is everyday
chat, and only the two together refer to a person who reported. The joined phrase is then paired
with side `b` as one span, so the pair's word window counts from its nearer end.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Collection
from typing import TYPE_CHECKING

from bot.engine.context import Tokens

if TYPE_CHECKING:
    from bot.engine.ruleset import CompiledNear

Span = tuple[int, int]
Tagged = tuple[Span, str | None]


def joined(
    a_spans: list[Tagged], then_spans: list[Tagged], tokens: Tokens, within: int
) -> list[Tagged]:
    """Each `a` span joined to every `then` span that starts after it, at most `within` words
    later (the `a` span's tag first, else the `then` span's)."""
    if not a_spans or not then_spans:
        return []
    ordered = sorted(then_spans)
    starts = [span[0] for span, _ in ordered]
    out: list[Tagged] = []
    for a_span, a_tag in a_spans:
        for then_span, then_tag in ordered[bisect_left(starts, a_span[1]) :]:
            distance = tokens.distance(a_span, then_span)
            if distance > within:
                break
            if distance >= 0:
                out.append(((a_span[0], then_span[1]), a_tag or then_tag))
    return out


def sides(near: CompiledNear) -> tuple[Collection[int], Collection[int]]:
    """The two sides the first pass looks for. With `a_then`, its terms stand for side a: a hit
    needs one of them as much as an `a` term, and "told HR" is far rarer in chat than "you"."""
    first = near.a if near.a_then is None else near.a_then
    return first.keys(), near.b.keys()
