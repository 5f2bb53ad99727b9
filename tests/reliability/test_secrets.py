"""The Discord token never shows: not in logs (every logger at DEBUG), errors, exceptions' str,
repr or traceback, `upstander run` output when Discord refuses it, or `doctor` output.

A recognisable fake token is used throughout and every captured text is grepped for it, and
for its distinctive middle part in case something prints it truncated.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path

import discord
import pytest
from pydantic import SecretStr

from bot.cli.ops_cmds import run_doctor
from bot.gateway import create_bot
from bot.settings import Settings, SettingsError, load_settings
from tests.fakediscord import FakeDiscord, point_discord_py_at
from tests.services.kit import write_rules

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.upstander-FAKE-secret-0123456789abcdef"
PIECES = (TOKEN, "upstander-FAKE-secret", TOKEN[:24])
UPSTANDER = Path(sys.executable).with_name("upstander")
REPO = Path(__file__).resolve().parents[2]


def assert_no_token(text: str) -> None:
    """Fail naming where the token (or a recognisable piece of it) appears."""
    for piece in PIECES:
        assert piece not in text, f"token piece {piece!r} found in: {text[:2000]}"


class Everything(logging.Handler):
    """Every record of every logger, formatted with its traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.text = ""

    def emit(self, record: logging.LogRecord) -> None:
        self.text += self.format(record) + "\n"


@pytest.fixture
def logs() -> Iterator[Everything]:
    """All logging at DEBUG, nothing capped (stricter than `upstander run`)."""
    root = logging.getLogger()
    saved = root.level
    handler = Everything()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(saved)


def _settings(tmp_path: Path, server: FakeDiscord | None = None) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        discord_token=SecretStr(TOKEN),
        rules=write_rules(tmp_path / "rules"),
        database=tmp_path / "upstander.db",
        rules_poll_seconds=0,
        discord_api_base=server.api_base if server else None,
        discord_gateway=server.gateway_url if server else None,
    )


def test_settings_and_bot_never_show_the_token(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    bot = create_bot(settings)

    shown = [
        str(settings),
        repr(settings),
        str(settings.model_dump()),
        settings.model_dump_json(),
        repr(bot.settings),
        str(vars(bot.settings)),
    ]

    for text in shown:
        assert_no_token(text)
    assert settings.discord_token is not None
    assert settings.discord_token.get_secret_value() == TOKEN  # still usable where needed


def test_settings_errors_never_show_the_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setenv("UPSTANDER_LOG_LEVEL", "LOUD")
    monkeypatch.setenv("UPSTANDER_GUILD_IDS", "not-a-number")

    with pytest.raises(SettingsError) as raised:
        load_settings(env_file=None)

    assert "UPSTANDER_LOG_LEVEL" in str(raised.value)  # a real, useful error
    assert_no_token(
        str(raised.value) + repr(raised.value) + "".join(traceback.format_exception(raised.value))
    )


async def test_refused_login_never_shows_the_token(tmp_path: Path, logs: Everything) -> None:
    """Discord answers 401: the exception and every log line, at DEBUG, stay clean."""
    async with FakeDiscord(token="the-right-token") as server:
        undo = point_discord_py_at(server.api_base, server.gateway_url)
        bot = create_bot(_settings(tmp_path, server))
        try:
            with pytest.raises(discord.LoginFailure) as raised:
                async with bot:
                    await bot.start(TOKEN)
        finally:
            await bot.close()
            undo()
    error = raised.value
    assert_no_token(str(error) + repr(error) + "".join(traceback.format_exception(error)))
    assert logs.text  # the capture worked
    assert_no_token(logs.text)


async def test_upstander_run_refused_by_discord_never_prints_the_token(tmp_path: Path) -> None:
    """The real command as a process: exit 2, one sentence, no token on stdout or stderr."""
    async with FakeDiscord(token="the-right-token") as server:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(REPO),
            "HOME": str(tmp_path),
            "DISCORD_TOKEN": TOKEN,
            "UPSTANDER_DISCORD_API_BASE": server.api_base,
            "UPSTANDER_DISCORD_GATEWAY": server.gateway_url,
            "UPSTANDER_RULES": str(write_rules(tmp_path / "rules")),
            "UPSTANDER_DATABASE": str(tmp_path / "upstander.db"),
            "UPSTANDER_LOG_LEVEL": "DEBUG",
        }
        process = await asyncio.create_subprocess_exec(
            str(UPSTANDER),
            "run",
            env=env,
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    text = out.decode(errors="replace") + err.decode(errors="replace")
    assert process.returncode == 2, text
    assert "Discord refused DISCORD_TOKEN" in text
    assert "DEBUG" in text  # the log really was at DEBUG
    assert_no_token(text)


async def test_doctor_never_shows_the_token(tmp_path: Path, logs: Everything) -> None:
    """Rejected and accepted, the doctor's report and logs stay clean."""
    for right in ("the-right-token", TOKEN):
        async with FakeDiscord(token=right) as server:
            report = await run_doctor(_settings(tmp_path, server))
        assert_no_token("\n".join(report.lines))
    assert_no_token(logs.text)
