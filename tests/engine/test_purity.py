"""Dependency direction: engine and policy import neither discord nor aiosqlite; the store never
imports discord. Checked in a fresh interpreter so other tests' imports cannot hide a leak."""

import subprocess
import sys

import pytest


def _third_party_imported(module: str) -> set[str]:
    code = (
        f"import sys, {module}; "
        "roots = {m.split('.')[0] for m in sys.modules}; "
        "print(','.join(sorted(roots & {'discord', 'aiosqlite'})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return {name for name in result.stdout.strip().split(",") if name}


@pytest.mark.parametrize(
    "module", ["bot.engine", "bot.engine.loader", "bot.evaluation", "bot.enginebench", "bot.policy"]
)
def test_pure_layers_import_neither_discord_nor_aiosqlite(module: str) -> None:
    assert _third_party_imported(module) == set()


def test_store_never_imports_discord() -> None:
    assert "discord" not in _third_party_imported("bot.store")
