"""Scope on a rule, a file or a category: the engine takes the message's places as plain ids."""

from __future__ import annotations

import pytest

from bot.engine import EvalContext, compile_files

RULE = """\
rules:
  - id: t.word
    category: harassment
    subcategory: bullying
    severity: medium
    {scope}
    match:
      terms: [snorkwhistle]
    nudge: A test nudge for the scope tests.
"""


def _flagged(files: dict[str, str], places: tuple[int, ...]) -> bool:
    result = compile_files(files)
    assert result.ruleset is not None, result.errors
    verdict = result.ruleset.evaluate("a snorkwhistle", EvalContext(places=places))
    return verdict.flagged


@pytest.mark.parametrize(
    ("scope", "places", "flagged"),
    [
        ("scope: {only: [10]}", (10,), True),
        ("scope: {only: [10]}", (11,), False),
        ("scope: {only: [10]}", (11, 10), True),  # a thread of channel 10
        ("scope: {skip: [20]}", (5, 20), False),  # a channel in category 20
        ("scope: {skip: [20]}", (5,), True),
        ("scope: {only: [10], skip: [10]}", (10,), False),
        ("scope: {only: [10]}", (), True),  # no place known (command line): no scope
    ],
)
def test_rule_scope(scope: str, places: tuple[int, ...], flagged: bool) -> None:
    assert _flagged({"r.yaml": RULE.format(scope=scope)}, places) is flagged


def test_file_scope_and_category_scope_both_apply() -> None:
    options = "options:\n  categories:\n    harassment: {scope: {skip: [30]}}\n"
    files = {"r.yaml": "scope: {only: [10, 30]}\n" + RULE.format(scope=""), "o.yaml": options}

    assert _flagged(files, (10,))
    assert not _flagged(files, (30,))  # the category skips it
    assert not _flagged(files, (40,))  # the file does not cover it


def test_unknown_scope_key_is_an_error_with_a_line() -> None:
    result = compile_files({"r.yaml": RULE.format(scope="scope: {channels: [1]}")})
    assert result.ruleset is None
    assert any("r.yaml:" in str(e) and "channels" in str(e) for e in result.errors)
