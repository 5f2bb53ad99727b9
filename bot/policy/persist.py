"""The policy state as keyed items, and what changed between two states. Pure.

The store keeps one row per item (a hit record, a watch, a case, one entry of a small map), so a
decision writes the few items it changed instead of the whole state:

    changes = diff(old_state, new_state)        # upserts and deletes, usually a handful
    state = from_items(rows)                    # rows in the order they were first written

Tuples (records, watches) reload in insertion order; an upsert of a known key keeps its place.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal, TypeVar, cast

from bot.policy.index import Step
from bot.policy.state import (
    Case,
    HitRecord,
    PolicyState,
    Watch,
    case_in,
    case_out,
    record_in,
    record_out,
    watch_in,
    watch_out,
)

ItemKind = Literal["record", "watch", "case", "resolved", "last_alert", "last_nudge", "seen"]
ITEM_KINDS: Final[tuple[ItemKind, ...]] = (
    "record",
    "watch",
    "case",
    "resolved",
    "last_alert",
    "last_nudge",
    "seen",
)

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
_MISSING: Final = object()


@dataclass(frozen=True, slots=True)
class Item:
    """One persisted piece of state: `value` is JSON-ready (a dict, or an ISO 8601 string)."""

    kind: ItemKind
    key: str
    value: Any


@dataclass(frozen=True, slots=True)
class Changes:
    """What to write so that the stored items equal the new state: upserts, then deletes."""

    upserts: tuple[Item, ...] = ()
    deletes: tuple[tuple[ItemKind, str], ...] = ()

    def __bool__(self) -> bool:
        """True when there is anything to write."""
        return bool(self.upserts or self.deletes)


def items(state: PolicyState) -> list[Item]:
    """Every item of `state`, in the order `from_items` needs to rebuild it."""
    return list(diff(PolicyState(), state).upserts)


def from_items(rows: Iterable[tuple[str, str, Any]]) -> PolicyState:
    """Rebuild a state from (kind, key, value) rows in insertion order.

    Raises ValueError for an unknown kind, KeyError/TypeError/ValueError for a damaged value.
    """
    records: list[HitRecord] = []
    watches: list[Watch] = []
    cases: dict[str, Case] = {}
    maps: dict[str, dict[str, datetime]] = {"resolved": {}, "last_alert": {}, "seen": {}}
    last_nudge: dict[int, datetime] = {}
    for kind, key, value in rows:
        if kind == "record":
            records.append(record_in(value))
        elif kind == "watch":
            watches.append(watch_in(value))
        elif kind == "case":
            cases[key] = case_in(value)
        elif kind == "last_nudge":
            last_nudge[int(key)] = datetime.fromisoformat(value)
        elif kind in maps:
            maps[kind][key] = datetime.fromisoformat(value)
        else:
            raise ValueError(f"unknown policy item kind {kind!r}")
    return PolicyState(
        records=tuple(records),
        watches=tuple(watches),
        cases=cases,
        resolved=maps["resolved"],
        last_alert=maps["last_alert"],
        last_nudge=last_nudge,
        seen=maps["seen"],
    )


def diff(old: PolicyState, new: PolicyState) -> Changes:
    """The items to upsert and delete to go from `old` to `new`.

    Writes only what changed. When `new` came from `old` by one `decide`, the decision's noted
    steps (bot/policy/index.py) name what changed and finding it costs nothing per item kept.
    Otherwise, per collection that is not the very same object as before, it costs one identity
    comparison run in C when the collection was only pruned at the front and appended to, else
    one Python pass over it.
    """
    index = new.index

    def steps(name: str, before: object, after: object) -> list[Step] | None:
        return index.changed_between(name, before, after) if index is not None else None

    out = _Collector()
    out.sequence(
        "record",
        old.records,
        new.records,
        _record_key,
        record_out,
        steps("records", old.records, new.records),
    )
    out.sequence("watch", old.watches, new.watches, _watch_key, watch_out)
    out.mapping("case", old.cases, new.cases, str, case_out, steps("cases", old.cases, new.cases))
    for kind in ("resolved", "last_alert", "last_nudge", "seen"):
        before, after = getattr(old, kind), getattr(new, kind)
        out.mapping(kind, before, after, str, _iso, steps(kind, before, after))
    return out.changes()


def _record_key(record: HitRecord) -> str:
    return record.key


def _watch_key(watch: Watch) -> str:
    return watch.key


def _iso(value: datetime) -> str:
    return value.isoformat()


class _Collector:
    """Accumulates upserts and deletes, kind by kind."""

    def __init__(self) -> None:
        self.upserts: list[Item] = []
        self.deletes: list[tuple[ItemKind, str]] = []

    def changes(self) -> Changes:
        return Changes(tuple(self.upserts), tuple(self.deletes))

    def sequence(
        self,
        kind: ItemKind,
        old: tuple[V, ...],
        new: tuple[V, ...],
        key: Callable[[V], str],
        out: Callable[[V], Any],
        steps: list[Step] | None = None,
    ) -> None:
        """Items are immutable and never change under the same key: only adds and removals."""
        if old is new:
            return
        if steps is not None:
            # Net effect by key: a record appended and dropped within the steps is not written.
            appended: dict[str, V] = {}
            removed: list[str] = []
            for step in steps:
                for record in cast(tuple[V, ...], step.dropped):
                    if appended.pop(key(record), None) is None:
                        removed.append(key(record))
                appended.update((key(r), r) for r in cast(tuple[V, ...], step.added))
            self.deletes.extend((kind, k) for k in removed)
            self.upserts.extend(Item(kind, k, out(v)) for k, v in appended.items())
            return
        kept = _kept_suffix(old, new)
        if kept is not None:
            dropped, added = old[: len(old) - kept], new[kept:]
        else:
            new_keys = {key(v) for v in new}
            old_keys = {key(v) for v in old}
            dropped = tuple(v for v in old if key(v) not in new_keys)
            added = tuple(v for v in new if key(v) not in old_keys)
        self.deletes.extend((kind, key(v)) for v in dropped)
        self.upserts.extend(Item(kind, key(v), out(v)) for v in added)

    def mapping(
        self,
        kind: ItemKind,
        old: Mapping[K, V],
        new: Mapping[K, V],
        name: Callable[[K], str],
        out: Callable[[V], Any],
        steps: list[Step] | None = None,
    ) -> None:
        """Changed values are new objects (the state is immutable), so identity tells."""
        if old is new:
            return
        if steps is not None:
            for k in dict.fromkeys(cast(K, k) for step in steps for k in step.keys):
                if k in new:
                    v = new[k]
                    if old.get(k, _MISSING) is not v:
                        self.upserts.append(Item(kind, name(k), out(v)))
                elif k in old:
                    self.deletes.append((kind, name(k)))
            return
        appended = _appended_keys(old, new)
        if appended is not None:
            self.upserts.extend(Item(kind, name(k), out(new[k])) for k in appended)
            return
        for k, v in new.items():
            if old.get(k, _MISSING) is not v:
                self.upserts.append(Item(kind, name(k), out(v)))
        self.deletes.extend((kind, name(k)) for k in old.keys() - new.keys())


def _appended_keys(old: Mapping[K, V], new: Mapping[K, V]) -> list[K] | None:
    """The keys `new` added at its end when it is `old` plus those (the usual `{**old, k: v}`),
    else None. List building and comparison run in C, identity first: no per-item Python."""
    size = len(old)
    if len(new) < size:
        return None
    keys = list(new)
    if keys[:size] != list(old) or list(new.values())[:size] != list(old.values()):
        return None
    return keys[size:]


def _kept_suffix(old: tuple[V, ...], new: tuple[V, ...]) -> int | None:
    """How many of `new`'s first items are `old`'s last ones (same objects), when `new` is
    `old` with some items dropped from the front and others appended; None otherwise."""
    if not old:
        return 0
    if not new:
        return None
    first = new[0]
    for start, item in enumerate(old):
        if item is first:
            kept = len(old) - start
            # Tuple equality checks identity first: for shared items this is a pointer walk.
            if kept <= len(new) and old[start:] == new[:kept]:
                return kept
            return None
    return None
