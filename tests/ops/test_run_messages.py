"""What `upstander run` says before and at login: one line per problem, naming the setting."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.run_report import NO_MODERATOR, ready_line, routing_warnings, server_warnings
from bot.settings import Settings, unknown_variables
from tests.services.kit import write_rules

UPSTANDER = Path(sys.executable).with_name("upstander")


def _closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    port = _closed_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("UPSTANDER_")}
    env.update(
        {
            "DISCORD_TOKEN": "not-a-real-token",
            "UPSTANDER_CACHE_DIR": os.environ["UPSTANDER_CACHE_DIR"],
            "UPSTANDER_RULES": str(write_rules(tmp_path / "rules")),
            "UPSTANDER_DATABASE": str(tmp_path / "upstander.db"),
            "UPSTANDER_DISCORD_API_BASE": f"http://127.0.0.1:{port}/api/v10",
            "UPSTANDER_DISCORD_GATEWAY": f"ws://127.0.0.1:{port}/",
            **extra,
        }
    )
    return subprocess.run(
        [str(UPSTANDER), "run"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )


def test_unreachable_discord_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    done = _run(tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stdout + done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("upstander: cannot reach Discord (http://127.0.0.1:")
    assert "Check this machine's network connection" in line
    # Logged before the attempt: no moderator is configured, so escalations go nowhere.
    assert "no designated moderator" in done.stdout


def test_a_bad_database_is_reported_before_login_naming_the_setting(tmp_path: Path) -> None:
    done = _run(tmp_path, UPSTANDER_DATABASE=str(tmp_path / "missing" / "upstander.db"))
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(f"upstander: UPSTANDER_DATABASE={tmp_path / 'missing'}")
    assert "does not exist" in line
    assert "cannot reach Discord" not in done.stdout + done.stderr  # never tried to log in


def test_a_misspelt_setting_is_warned_about_with_the_right_name(tmp_path: Path) -> None:
    done = _run(tmp_path, UPSTANDER_RETENTON_DAYS="30")
    assert (
        "upstander: warning: UPSTANDER_RETENTON_DAYS is not a setting "
        "(did you mean UPSTANDER_RETENTION_DAYS?); it is ignored"
    ) in done.stderr


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("UPSTANDER_RETENTON_DAYS", "UPSTANDER_RETENTION_DAYS"),
        ("UPSTANDER_MODERATOR_USERID", "UPSTANDER_MODERATOR_USER_ID"),
        ("UPSTANDER_WATCH_CHANNEL_IDS", "UPSTANDER_WATCHED_CHANNEL_IDS"),
        ("UPSTANDER_DB", None),
    ],
)
def test_unknown_variables_name_the_nearest_setting(
    name: str, suggestion: str | None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(name, "1")
    (warning,) = unknown_variables(tmp_path / "no.env")
    assert warning.startswith(f"{name} is not a setting")
    if suggestion:
        assert f"(did you mean {suggestion}?)" in warning
    else:
        assert "did you mean" not in warning


def test_unknown_variables_in_the_env_file_are_found_too(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("UPSTANDER_RULES=rules\nUPSTANDER_MODERATR_CHANNEL_ID=5\n")
    assert unknown_variables(env_file) == [
        "UPSTANDER_MODERATR_CHANNEL_ID is not a setting (did you mean "
        "UPSTANDER_MODERATOR_CHANNEL_ID?); it is ignored (all: deploy/.env.example)"
    ]


def test_known_settings_and_benchmark_knobs_are_not_warned_about(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("UPSTANDER_RETENTION_DAYS", "30")
    monkeypatch.setenv("UPSTANDER_BENCH_STALLS", "1")
    assert unknown_variables(tmp_path / "no.env") == []


def test_routing_warnings_say_when_escalations_have_nowhere_to_go() -> None:
    bare = Settings(_env_file=None)  # type: ignore[call-arg]
    assert NO_MODERATOR in routing_warnings(bare)
    told = Settings(_env_file=None, moderator_channel_id=5, reviewer_user_id=6)  # type: ignore[call-arg]
    assert routing_warnings(told) == []


def test_the_ready_line_says_who_what_and_where() -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, watched_channel_ids=[10, 11], moderator_user_id=7
    )
    line = ready_line(settings, "Upstander#0001 (id 1)", 2, 44, "abc123", "rules")
    assert line == (
        "ready: logged in as Upstander#0001 (id 1); 44 rules (version abc123) from rules; "
        "watching channels 10, 11 in 2 server(s); alerts go to user 7 by DM"
    )
    nobody = ready_line(Settings(_env_file=None), "u", 1, 1, "v", "r")  # type: ignore[call-arg]
    assert nobody.endswith("alerts go to NOBODY (no moderator is configured)")


def test_servers_the_bot_is_not_in_are_named() -> None:
    routing = {1: {"moderator_user_id": 5}, 2: {"moderator_user_id": 6}}
    settings = Settings(_env_file=None, guild_ids=[1, 2], guild_routing=routing)  # type: ignore[call-arg]
    assert server_warnings(settings, {1}) == [
        "UPSTANDER_GUILD_IDS lists server 2 but the bot is not in it: invite it with "
        "`upstander invite-url CLIENT_ID`"
    ]
    assert server_warnings(settings, {1, 2}) == []
    assert "in no server yet" in server_warnings(settings, set())[0]


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (TimeoutError(), "TimeoutError"),
        (OSError("Network is\nunreachable"), "Network is unreachable"),
    ],
)
def test_network_failures_are_one_line(error: BaseException, reason: str) -> None:
    from bot.cli.run_cmd import unreachable

    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    line = unreachable(settings, error)
    assert "\n" not in line
    assert line.startswith(f"cannot reach Discord (discord.com): {reason}. ")


def test_per_server_routing_is_checked_and_described() -> None:
    routing = {1: {"moderator_channel_id": 5, "reviewer_user_id": 9}, 2: {"moderator_user_id": 6}}
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, guild_ids=[1, 2], guild_routing=routing
    )
    assert routing_warnings(settings) == [
        "server 2: UPSTANDER_GUILD_ROUTING names no reviewer_user_id: a case about one of its "
        "moderators is recorded but shown to nobody"
    ]  # the unkeyed settings serve no server here, so their absence is no warning
    line = ready_line(settings, "u", 2, 1, "v", "r")
    assert line.endswith("alerts go to each of 2 server(s)' own (UPSTANDER_GUILD_ROUTING)")
