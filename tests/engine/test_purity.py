"""The engine is pure: importing it pulls in neither discord nor aiosqlite."""

import subprocess
import sys


def test_engine_imports_neither_discord_nor_aiosqlite() -> None:
    code = (
        "import sys, bot.engine, bot.engine.loader, bot.engine.ruleset, bot.evaluation; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('discord', 'aiosqlite')]; "
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
