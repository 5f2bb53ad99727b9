"""Hot reload through the compiled-rules cache keeps its guarantees: a good change is swapped
in, a broken one never is, and going back to rules seen before is served from the cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine import loader
from bot.engine.cache import RulesCache
from bot.services import LiveRules
from tests.services.kit import SLUR, write_rules


async def test_reload_with_a_cache_swaps_good_rules_and_keeps_the_last_good(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = write_rules(tmp_path / "rules")
    cache = RulesCache(tmp_path / "cache")
    live = LiveRules(directory, cache)
    assert live.load_initial() == ()
    first = live.version
    assert live.ruleset.evaluate(f"you {SLUR}").flagged

    original = (directory / "test.yaml").read_text()
    (directory / "test.yaml").write_text(original + "\n# a comment changes the version\n")
    report = await live.check()
    second = live.version
    assert report.ok and second != first

    (directory / "test.yaml").write_text("rules: [")
    refused = await live.check()
    assert not refused.ok and live.version == second  # the last good rules keep running
    assert live.ruleset.evaluate(f"you {SLUR}").flagged

    (directory / "test.yaml").write_text(original)  # back to the first rules: cached
    compiled: list[object] = []
    real = loader.compile_files
    monkeypatch.setattr(
        loader, "compile_files", lambda *a, **k: compiled.append(a) or real(*a, **k)
    )
    back = await live.check()
    assert back.ok and live.version == first
    assert compiled == []  # served from the cache, not compiled again
