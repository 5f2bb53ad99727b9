"""Side `a` of a `near` pair made of two parts: an `a` term, then an `a_then` term shortly after.

"whoever" + "went to HR", "if I find out who" + "reported me": either part alone is everyday
chat, and only the two together refer to a person who reported. The joined phrase is then paired
with side `b` as one span, so the pair's word window counts from its nearer end.
"""

from __future__ import annotations

from bisect import bisect_right
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
    """Each `then` span joined to the nearest `a` span before it, at most `within` words
    earlier (the longest, if several end at the same place); the `a` span's tag first.

    Only the nearest: in 'someone posted "whoever went to HR ..."' the one who went to HR is
    "whoever", inside the quote, not "someone"."""
    if not a_spans or not then_spans:
        return []
    ordered = sorted(a_spans, key=lambda tagged: (tagged[0][1], -tagged[0][0]))
    ends = [span[1] for span, _ in ordered]
    out: list[Tagged] = []
    for then_span, then_tag in then_spans:
        # The a spans that end at or before the `then` span starts: the last is the nearest
        # and, of those ending there, the longest (ordered by end, then by start descending).
        before = bisect_right(ends, then_span[0])
        if before == 0:
            continue
        a_span, a_tag = ordered[before - 1]
        if tokens.distance(a_span, then_span) <= within:
            out.append(((a_span[0], then_span[1]), a_tag or then_tag))
    return out


def sides(near: CompiledNear) -> tuple[Collection[int], Collection[int]]:
    """The two sides the first pass looks for. With `a_then`, its terms stand for side a: a hit
    needs one of them as much as an `a` term, and "told HR" is far rarer in chat than "you"."""
    first = near.a if near.a_then is None else near.a_then
    return first.keys(), near.b.keys()
