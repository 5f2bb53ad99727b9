"""Dependency direction: gateway → services → {engine, policy, store}; discord only in gateway."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.settings import Settings


def _imports_discord(module: str) -> bool:
    code = f"import sys, {module}; print('discord' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip() == "True"


def test_services_never_import_discord() -> None:
    assert not _imports_discord("bot.services")


def test_cli_without_run_never_imports_discord() -> None:
    assert not _imports_discord("bot.cli.run_cmd")


def test_create_bot_builds_without_network_or_files(tmp_path: Path) -> None:
    from bot.gateway import create_bot

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, discord_token="t", database=tmp_path / "db", rules=tmp_path / "none"
    )
    bot = create_bot(settings)

    assert not bot.is_ready() and not (tmp_path / "db").exists()
