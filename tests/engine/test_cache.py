"""The on-disk cache of compiled rule sets: used when warm, rebuilt when corrupt or stale."""

from __future__ import annotations

import dis
import json
import os
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.engine import cache as cache_module
from bot.engine import load_rules
from bot.engine import loader as loader_module
from bot.engine.cache import RulesCache
from tests.engine.conftest import FEATURE_RULES

ROOT = Path(__file__).resolve().parents[2]
TEXTS = [
    "honestly, immigrants are rats",
    "women are not vermin",
    "what a f@g",
    "going for a fag break",
    "I'll kill you",
    "lunch at noon?",
]


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    directory = tmp_path / "rules"
    directory.mkdir()
    (directory / "test.yaml").write_text(FEATURE_RULES)
    return directory


@pytest.fixture
def cache(tmp_path: Path) -> RulesCache:
    return RulesCache(tmp_path / "cache")


def _entries(cache: RulesCache) -> list[Path]:
    return sorted(cache.directory.glob("rules-*.cache"))


def test_second_load_comes_from_the_cache_with_the_same_verdicts(
    rules: Path, cache: RulesCache
) -> None:
    cold = load_rules(rules, cache)
    warm = load_rules(rules, cache)
    assert cold.ruleset is not None and warm.ruleset is not None
    assert (cold.cached, warm.cached) == (False, True)
    assert warm.ruleset.version == cold.ruleset.version
    for text in TEXTS:
        assert warm.ruleset.evaluate(text) == cold.ruleset.evaluate(text), text


def test_shipped_rules_from_the_cache_judge_the_workplace_set_identically(
    tmp_path: Path,
) -> None:
    cache = RulesCache(tmp_path / "cache")
    cold = load_rules(ROOT / "rules", cache)
    warm = load_rules(ROOT / "rules", cache)
    assert cold.ruleset is not None and warm.ruleset is not None and warm.cached
    rows = (ROOT / "tests/data/workplace.jsonl").read_text().splitlines()
    texts = [json.loads(row)["text"] for row in rows if row.strip()]
    assert len(texts) > 500
    for text in texts:
        assert warm.ruleset.evaluate(text) == cold.ruleset.evaluate(text), text


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
        pytest.param(lambda data: data[:-100] + bytes(100), id="bytes-zeroed"),
        pytest.param(lambda data: b"not a cache file at all", id="garbage"),
        pytest.param(lambda data: b"", id="empty"),
    ],
)
def test_a_corrupt_cache_file_is_rebuilt_not_trusted(
    rules: Path, cache: RulesCache, damage: object
) -> None:
    assert not load_rules(rules, cache).cached
    (entry,) = _entries(cache)
    entry.write_bytes(damage(entry.read_bytes()))  # type: ignore[operator]
    rebuilt = load_rules(rules, cache)
    assert rebuilt.ruleset is not None and not rebuilt.cached
    assert rebuilt.ruleset.evaluate("what a f@g").flagged
    assert load_rules(rules, cache).cached  # and the rebuilt entry is good again


def test_a_valid_checksum_over_a_bad_pickle_is_rebuilt(rules: Path, cache: RulesCache) -> None:
    import hashlib

    load_rules(rules, cache)
    (entry,) = _entries(cache)
    payload = b"\x80\x05not a pickle"
    entry.write_bytes(cache_module.MAGIC + hashlib.sha256(payload).digest() + payload)
    assert not load_rules(rules, cache).cached


def test_changed_rules_miss_and_get_a_new_version(rules: Path, cache: RulesCache) -> None:
    before = load_rules(rules, cache)
    (rules / "test.yaml").write_text(FEATURE_RULES.replace("[rats,", "[rats, pests,"))
    after = load_rules(rules, cache)
    assert before.ruleset is not None and after.ruleset is not None
    assert not after.cached
    assert after.ruleset.version != before.ruleset.version
    assert after.ruleset.evaluate("immigrants are pests").flagged


def test_a_new_engine_version_never_trusts_an_old_entry(
    rules: Path, cache: RulesCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_rules(rules, cache)
    monkeypatch.setattr(cache_module, "engine_version", lambda: "another engine")
    assert not load_rules(rules, cache).cached


def test_engine_version_follows_every_engine_source_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = tmp_path / "engine"
    shutil.copytree(cache_module.ENGINE_DIR, engine, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache_module, "ENGINE_DIR", engine)
    versions = []
    for change in (None, "matcher.py", "context.py"):
        if change:
            with (engine / change).open("a") as out:
                out.write("\n# changed\n")
        cache_module.engine_version.cache_clear()
        versions.append(cache_module.engine_version())
    cache_module.engine_version.cache_clear()
    assert len(set(versions)) == 3


def test_an_entry_others_can_write_is_not_loaded(rules: Path, cache: RulesCache) -> None:
    load_rules(rules, cache)
    (entry,) = _entries(cache)
    entry.chmod(0o666)
    assert not load_rules(rules, cache).cached
    assert load_rules(rules, cache).cached  # rewritten with safe permissions
    assert not os.stat(_entries(cache)[0]).st_mode & 0o077


def test_a_rule_set_that_cannot_be_pickled_still_loads(
    rules: Path, cache: RulesCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = loader_module.compile_files

    def with_a_lambda(*args: object, **kwargs: object) -> object:
        result = original(*args, **kwargs)  # type: ignore[arg-type]
        assert result.ruleset is not None
        result.ruleset.hook = lambda: None  # type: ignore[attr-defined]
        return result

    monkeypatch.setattr(loader_module, "compile_files", with_a_lambda)
    first = load_rules(rules, cache)
    assert first.ruleset is not None and not _entries(cache)
    assert not load_rules(rules, cache).cached


def test_an_unwritable_cache_directory_only_costs_the_compile(rules: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory should be")
    result = load_rules(rules, RulesCache(blocker / "cache"))
    assert result.ruleset is not None and not result.cached


def test_old_entries_are_pruned(rules: Path, cache: RulesCache) -> None:
    for number in range(cache_module.KEEP_ENTRIES + 3):
        (rules / "extra.yaml").write_text(f"termsets:\n  extra{number}: [word{number}]\n")
        assert load_rules(rules, cache).ruleset is not None
    assert len(_entries(cache)) == cache_module.KEEP_ENTRIES


def test_warm_check_uses_the_cache_and_a_corrupt_file_is_rebuilt(
    rules: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("UPSTANDER_RULES", str(rules))
    monkeypatch.setenv("UPSTANDER_CACHE_DIR", str(tmp_path / "cli-cache"))
    monkeypatch.chdir(tmp_path)
    assert main(["check", "what a f@g"]) == 0  # cold: compiles and fills the cache
    cold = capsys.readouterr().out

    def no_compiling(*args: object, **kwargs: object) -> object:
        raise AssertionError("compiled although the cache was warm")

    with monkeypatch.context() as patch:
        patch.setattr(loader_module, "compile_files", no_compiling)
        assert main(["check", "what a f@g"]) == 0  # warm: from the cache alone
    assert capsys.readouterr().out == cold
    (entry,) = (tmp_path / "cli-cache").glob("rules-*.cache")
    data = entry.read_bytes()
    entry.write_bytes(data[:-10] + b"corrupted!")
    assert main(["check", "what a f@g"]) == 0  # rebuilt
    assert capsys.readouterr().out == cold
    assert entry.read_bytes() != data[:-10] + b"corrupted!"


def test_structures_added_to_a_rule_set_later_are_cached_too(
    rules: Path, cache: RulesCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever the engine adds to a RuleSet (nested Hyperscan databases, RE2 objects, plain
    Python) round-trips without a change to the cache."""
    import hyperscan

    from bot.engine.matcher import compile_re2

    original = loader_module.compile_files

    def with_extras(*args: object, **kwargs: object) -> object:
        result = original(*args, **kwargs)  # type: ignore[arg-type]
        database = hyperscan.Database()
        database.compile(expressions=[b"lexicon"], ids=[7], elements=1, flags=[0])
        result.ruleset.extras = {  # type: ignore[union-attr]
            "lexicon": (database, database.scan),
            "spelling": [compile_re2(r"\bcolou?r\b"), {"words": frozenset({"a", "b"})}],
        }
        return result

    monkeypatch.setattr(loader_module, "compile_files", with_extras)
    load_rules(rules, cache)
    warm = load_rules(rules, cache)
    assert warm.cached and warm.ruleset is not None
    extras = warm.ruleset.extras  # type: ignore[attr-defined]
    database, scan = extras["lexicon"]
    assert scan.__self__ is database  # shared objects stay shared
    found: list[int] = []
    scan(b"a lexicon entry", lambda i, s, e, f, c: found.append(i), 0, None)
    assert found == [7]
    regex, words = extras["spelling"]
    assert regex.search(b"what colour") and words == {"words": frozenset({"a", "b"})}


def _specialised_reads(obj: object, name: str) -> list[str]:
    """The attribute-read instructions CPython settles on for `obj.<name>`, once warmed up."""
    namespace: dict[str, object] = {}
    exec(f"def read(o):\n    return o.{name}", namespace)  # a fresh function: a fresh cache
    read = namespace["read"]
    for _ in range(1000):
        read(obj)  # type: ignore[operator]
    instructions = dis.get_instructions(read, adaptive=True)  # type: ignore[arg-type]
    return [i.opname for i in instructions if "ATTR" in i.opname]


def test_a_warm_rule_set_reads_its_attributes_as_fast_as_a_compiled_one(
    rules: Path, cache: RulesCache
) -> None:
    """Objects rebuilt by pickle's default (a `__dict__` filled in afterwards) never got
    CPython's specialised attribute reads, nor did the compiled objects once pickled (reading
    `__dict__` sets it up): every `self.x` in the engine took the slow path, about 6% more
    instructions per message than for rules compiled without the cache."""
    uncached = load_rules(rules).ruleset
    cold = load_rules(rules, cache).ruleset
    warm = load_rules(rules, cache).ruleset
    assert uncached is not None and cold is not None and warm is not None
    for attribute in ("matcher", "matcher.atoms", "matcher._first.scan"):
        *path, name = attribute.split(".")
        objects = [uncached, cold, warm]
        for step in path:
            objects = [getattr(obj, step) for obj in objects]
        reads = [_specialised_reads(obj, name) for obj in objects]
        assert reads[1] == reads[2] == reads[0], (attribute, reads)
