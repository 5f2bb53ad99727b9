"""The state as items: a decision changes a handful of rows, and rows rebuild the same state."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from policy_builders import Runner, at, automod, hit, msg, note, report

from bot.policy import PolicyConfig, PolicyState, resolve_case
from bot.policy.persist import Changes, diff, from_items, items

A, B, C, D = 11, 12, 13, 14


class Rows:
    """The store's policy_items table in miniature: an upsert keeps its row, new rows go last."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], str] = {}

    def apply(self, changes: Changes) -> None:
        for kind, key in changes.deletes:
            del self.rows[(kind, key)]
        for item in changes.upserts:
            # Through JSON text, as the store keeps it.
            self.rows[(item.kind, item.key)] = json.dumps(item.value)

    def state(self) -> PolicyState:
        return from_items((kind, key, json.loads(v)) for (kind, key), v in self.rows.items())


def _script() -> list[Any]:
    """A month in a team: messages, AutoMod, notes, a report, retaliation, a resolve, expiry."""
    return [
        msg(1, A, at(0), hit(), mentions=(C,)),
        msg(2, B, at(0, 5), hit("high", "discrimination"), reply_to=C),
        report(2, C, B, at(0, 10)),
        automod(3, A, at(0, 20)),
        note(4, A, at(1)),
        msg(5, B, at(1, 1), hit(), mentions=(C,)),  # retaliation against the reporter
        "resolve:repeat_sender:member:11",
        msg(6, D, at(2), hit("critical", "violence")),
        msg(6, D, at(2)),  # replayed: a duplicate changes nothing
        msg(7, A, at(3), hit("high", "discrimination"), mentions=(B,)),
        msg(8, C, at(200), hit()),  # months later: everything before has expired
        msg(9, A, at(200, 1), hit(), mentions=(C,)),
    ]


def test_rows_rebuild_the_in_memory_state_after_every_step() -> None:
    runner, rows = Runner(), Rows()
    for step in _script():
        before = runner.state
        if isinstance(step, str):
            runner.state = resolve_case(runner.state, step.removeprefix("resolve:"), at(1, 2))
        else:
            runner.feed(step)
        rows.apply(diff(before, runner.state))
        assert rows.state() == runner.state
    assert runner.state.records and len(runner.state.records) == 2  # the rest expired


def test_a_decision_writes_only_what_it_changed() -> None:
    runner = Runner()
    for n in range(200):
        runner.feed(msg(n, 1000 + n % 40, at(0, n), hit(), channel=100 + n % 5))
    before = runner.state
    runner.feed(msg(500, 1000, at(0, 300), hit()))
    changes = diff(before, runner.state)
    kinds = sorted(i.kind for i in changes.upserts)
    # The new record and its seen key, the nudge time, the member's open case and the alert
    # time: never the other 200 records.
    assert kinds.count("record") == 1 and kinds.count("seen") == 1
    assert len(changes.upserts) <= 6 and not changes.deletes


def test_rows_keep_tuple_order_and_survive_a_capped_history() -> None:
    config = PolicyConfig.model_validate({"alerts": {"max_records": 100}})
    runner, rows = Runner(config=config), Rows()
    for n in range(150):
        before = runner.state
        runner.feed(msg(n, 1000 + n % 7, at(0, n), hit()))
        rows.apply(diff(before, runner.state))
    assert len(runner.state.records) == 101  # capped before the new one is added
    assert rows.state() == runner.state
    assert [r.key for r in rows.state().records] == [r.key for r in runner.state.records]


def test_diff_of_unrelated_states_falls_back_to_keys() -> None:
    runner = Runner()
    runner.feed_all(*(msg(n, A + n % 3, at(0, n), hit()) for n in range(6)))
    full = runner.state
    middle_gone = dataclasses.replace(full, records=full.records[:2] + full.records[3:])
    rows = Rows()
    rows.apply(diff(PolicyState(), full))
    rows.apply(diff(full, middle_gone))
    assert rows.state() == middle_gone
    assert [i.key for i in items(middle_gone)] == [k for _, k in rows.rows]
