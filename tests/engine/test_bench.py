"""`upstander bench` measures and prints; these tests check its wiring, never its speed."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.enginebench import _steal_between, format_bench, run_bench
from tests.engine.conftest import FEATURE_RULES


def test_bench_runs_on_a_small_rule_set(tmp_path: Path) -> None:
    (tmp_path / "features.yaml").write_text(FEATURE_RULES, encoding="utf-8")
    result = run_bench(tmp_path, messages=3000, terms=300, regexes=20, hit_rate=0.05)
    assert result.messages == 3000
    assert 50 < result.flagged < 300  # about 5% carry a planted term
    assert result.atoms > 320  # the generated terms and regexes are in the matcher
    assert result.per_second > 0 and result.cpu_per_second > 0
    assert result.best_per_second >= result.per_second
    assert result.steal is None or 0 <= result.steal <= 1
    text = format_bench(result)
    assert "per CPU second" in text and "raw matcher alone" in text


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ([0] * 8, [70, 0, 10, 10, 0, 0, 0, 10], 0.1),  # 10 of 100 ticks stolen
        ([5] * 8, [5] * 8, None),  # no time passed
        (None, [1] * 8, None),  # no /proc/stat
    ],
)
def test_steal_is_a_share_of_all_cpu_time(
    before: list[int] | None, after: list[int], expected: float | None
) -> None:
    assert _steal_between(before, after) == (pytest.approx(expected) if expected else None)
