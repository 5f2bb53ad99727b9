"""Dependency direction: gateway → services → {engine, policy, store}; discord only in gateway."""

from __future__ import annotations

import ast
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


BOT = Path(__file__).resolve().parents[2] / "bot"


def _imported_modules(package: str) -> dict[str, set[str]]:
    """Every module each file of `package` imports, by file (type-checking imports included)."""
    found: dict[str, set[str]] = {}
    for path in sorted((BOT / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
        found[str(path.relative_to(BOT))] = names
    return found


def _reaching(package: str, forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    """The files of `package` importing any of `forbidden` (or a module under one), and what."""
    hits = {
        file: sorted(n for n in names if any(n == f or n.startswith(f"{f}.") for f in forbidden))
        for file, names in _imported_modules(package).items()
    }
    return {file: names for file, names in hits.items() if names}


def test_gateway_imports_no_store_names() -> None:
    # What the Discord layer needs of storage comes through bot/services/records.py.
    assert _reaching("gateway", ("bot.store",)) == {}


def test_policy_imports_no_store_services_or_gateway() -> None:
    assert _reaching("policy", ("bot.store", "bot.services", "bot.gateway")) == {}


def test_the_layering_check_sees_an_import() -> None:
    # The control: the services do import the store, and the check finds it.
    assert "services/policy_book.py" in _reaching("services", ("bot.store",))


def test_the_store_uses_only_aiosqlites_public_api_and_has_no_sync_twins() -> None:
    private, twins = [], []
    for path in sorted((BOT / "store").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Attribute) and node.attr in {"_conn", "_execute", "_tx"}:
                private.append(f"{path.name}:{node.lineno} .{node.attr}")
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.endswith(
                "_sync"
            ):
                twins.append(f"{path.name}:{node.lineno} {node.name}")
    assert (private, twins) == ([], [])
