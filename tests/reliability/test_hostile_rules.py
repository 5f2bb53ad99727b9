"""Hostile rule files: fuzzed YAML, enormous files, deep nesting, alias bombs, object-building
tags and catastrophic regexes give clear file:line errors, never a crash or a hang, and the live
bot keeps its last good rules while it says what is wrong.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from bot.engine import LoadResult, compile_files, load_rules
from bot.engine.loader import MAX_FILE_BYTES
from bot.services.rules_live import LiveRules

GOOD = """\
rules:
  - id: team.insult
    category: harassment
    subcategory: insult
    severity: medium
    match:
      terms: [muppet]
    nudge: "This reads as an insult aimed at someone."
"""
HANG_GUARD = 120.0  # seconds: not a speed target, only so a hang fails instead of stalling CI


def _within_guard(work: Callable[[], Any]) -> Any:
    """Run `work` in a daemon thread; fail (not hang) if it has not returned by the guard."""
    box: list[Any] = []
    thread = threading.Thread(target=lambda: box.append(work()), daemon=True)
    thread.start()
    thread.join(HANG_GUARD)
    assert not thread.is_alive(), "did not return: the loader or engine hangs on this input"
    return box[0]


def _assert_clear_errors(result: LoadResult, name: str) -> None:
    """Refused as a whole, and every error names the file and a real line."""
    assert result.ruleset is None
    assert result.errors
    lines = _lines(name)
    for error in result.errors:
        assert error.file == name
        assert 1 <= error.line <= lines, error
        assert str(error).startswith(f"{name}:{error.line}: ")


_texts: dict[str, str] = {}


# What YAML counts as a line break: a lone "\r" is one (so is "\r\n", once). ruamel.yaml also
# knows the YAML 1.1 breaks NEL, LS and PS; counting them keeps this an upper bound.
_YAML_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def _lines(name: str) -> int:
    return len(_YAML_BREAK.findall(_texts[name])) + 1


def _compile(name: str, text: str) -> LoadResult:
    _texts[name] = text
    result: LoadResult = _within_guard(lambda: compile_files({name: text}))
    return result


# --- fuzzing --------------------------------------------------------------------------------

_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)
)
_trees = st.recursive(
    _scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=12), children, max_size=4),
    ),
    max_leaves=30,
)
_keys = ["rules", "termsets", "options", "policy", "id", "match", "terms", "near", "regex"]


def _dump(tree: Any) -> str:
    import io

    out = io.StringIO()
    YAML(typ="safe", pure=True).dump(tree, out)
    return out.getvalue()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(_keys), _trees, max_size=4))
def test_fuzzed_structures_give_errors_with_lines_never_exceptions(tree: dict[str, Any]) -> None:
    result = _compile("rules/fuzz.yaml", _dump(tree))
    if result.ruleset is None:
        _assert_clear_errors(result, "rules/fuzz.yaml")


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_mutated_good_file_never_crashes(data: st.DataObject) -> None:
    """Byte-level damage to a good file: cut, insert or replace characters anywhere."""
    text = GOOD
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 8))
        insert = data.draw(st.text(alphabet=":-[]{}&*!|>'\"#% \n\tx\u0000\ufeff", max_size=6))
        text = text[:at] + insert + text[at + cut :]
    result = _compile("rules/mutant.yaml", text)
    if result.ruleset is None:
        _assert_clear_errors(result, "rules/mutant.yaml")


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=400))
@example("a: 1\r\r\r\rb: [")  # found by CI: an error on line 5 of a file with no "\n"
@example("a: 1\r\n\r\nb: [")
def test_arbitrary_text_never_crashes(text: str) -> None:
    result = _compile("rules/noise.yaml", text)
    if result.ruleset is None:
        _assert_clear_errors(result, "rules/noise.yaml")


# --- structural attacks ---------------------------------------------------------------------


def _alias_bomb(levels: int = 9) -> str:
    lines = ["termsets:", "  l0: &l0 [" + ", ".join(["lol"] * 10) + "]"]
    for i in range(1, levels):
        lines.append(f"  l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def _block_nesting(depth: int) -> str:
    return "termsets:\n" + "".join(f"{'  ' * (i + 1)}k{i}:\n" for i in range(depth)) + "\n"


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        ("alias bomb", _alias_bomb(), "aliases"),
        ("flow nesting", "termsets: " + "[" * 20_000 + "]" * 20_000, "nesting deeper"),
        ("block nesting", _block_nesting(3_000), "nesting deeper"),
        ("object tag", "rules: !!python/object/apply:os.system ['true']", "tags"),
        ("local tag", "rules:\n  - !Rule {id: x}\n", "tags"),
        ("binary tag", "termsets: {x: !!binary aGVsbG8=}", "unsupported YAML value"),
        ("merge of aliases", "termsets:\n  a: &a {x: [1]}\n  b: {<<: *a}\n", ""),
    ],
)
def test_structural_attacks_are_refused_with_a_line(kind: str, text: str, expected: str) -> None:
    name = f"rules/{kind.replace(' ', '_')}.yaml"
    result = _compile(name, text)
    _assert_clear_errors(result, name)
    assert expected in " ".join(e.message for e in result.errors), result.errors


def test_enormous_file_is_refused_by_size_and_the_rest_reported(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(GOOD)
    huge = tmp_path / "huge.yaml"
    huge.write_text("termsets:\n  big: [" + ", ".join(["word"] * (MAX_FILE_BYTES // 5)) + "]\n")
    result = _within_guard(lambda: load_rules(tmp_path))
    assert result.ruleset is None
    assert [(e.file, e.line) for e in result.errors] == [(str(huge), 1)]
    assert "larger than" in result.errors[0].message


def test_large_but_allowed_term_list_loads(tmp_path: Path) -> None:
    terms = ", ".join(f"zq{n:05d}x" for n in range(5_000))
    (tmp_path / "big.yaml").write_text(GOOD.replace("[muppet]", f"[muppet, {terms}]"))
    result = _within_guard(lambda: load_rules(tmp_path))
    assert result.ruleset is not None, result.errors[:3]
    assert result.ruleset.evaluate("what a zq01234x").flagged


# --- regexes --------------------------------------------------------------------------------

CATASTROPHIC = ["(a+)+$", "(a|a)*b", "(x+x+)+y", "(.*a){12}", "^(\\w+\\s?)*$"]


@pytest.mark.parametrize("regex", CATASTROPHIC)
def test_catastrophic_regex_runs_in_linear_time(regex: str) -> None:
    """Patterns that stall a backtracking engine for ages on 30k characters are harmless in RE2."""
    rule = GOOD.replace("terms: [muppet]", f"regex: ['{regex}']")
    result = _compile("rules/re.yaml", rule)
    assert result.ruleset is not None, result.errors
    ruleset = result.ruleset
    for text in ("a" * 30_000 + "!", "x" * 30_000, "word " * 6_000 + "!"):
        verdict = _within_guard(lambda text=text: ruleset.evaluate(text))
        assert verdict.hits is not None


@pytest.mark.parametrize("regex", ["(a{1000}){1000}", "((((a{100}){100}){100}){100})"])
def test_regex_too_big_for_re2_is_a_clear_error(regex: str) -> None:
    result = _compile("rules/big_re.yaml", GOOD.replace("terms: [muppet]", f"regex: ['{regex}']"))
    _assert_clear_errors(result, "rules/big_re.yaml")
    assert "RE2" in result.errors[0].message


# --- the live bot keeps its last good rules -------------------------------------------------

HOSTILE_FILES = {
    "alias_bomb": _alias_bomb(),
    "object_tag": "rules: !!python/object/apply:os.system ['true']\n",
    "deep": "termsets: " + "[" * 5_000 + "]" * 5_000,
    "bad_regex": GOOD.replace("team.insult", "team.re").replace(
        "terms: [muppet]", "regex: ['(a)\\1']"
    ),
    "not_yaml": "rules: [\n  - {id: x\n",
    "not_utf8": "\udcff",
}


async def test_live_reload_keeps_last_good_rules_and_names_the_problem(tmp_path: Path) -> None:
    (tmp_path / "team.yaml").write_text(GOOD)
    live = LiveRules(tmp_path)
    assert live.load_initial() == ()
    good_version = live.version
    for kind, text in HOSTILE_FILES.items():
        path = tmp_path / f"{kind}.yaml"
        if kind == "not_utf8":
            path.write_bytes(b"rules:\n  - id: \xff\xfe\n")
        else:
            path.write_text(text)
        report = await live.check()
        assert not report.ok, kind
        assert report.version == good_version
        assert any(e.startswith(str(path)) for e in report.errors), (kind, report.errors)
        assert live.status().errors == report.errors
        assert live.ruleset.evaluate("you muppet").flagged  # the last good rules still judge
        path.unlink()
    report = await live.check()
    assert report.ok and report.version == good_version and live.status().errors == ()
