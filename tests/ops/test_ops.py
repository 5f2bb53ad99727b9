"""`invite-url` and `doctor`, the latter against the local fake Discord (127.0.0.1 only)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.cli.ops_cmds import PERMISSIONS, invite_url, run_doctor
from bot.routing_settings import GuildRouting
from bot.settings import Settings
from tests.fakediscord import FakeDiscord
from tests.services.kit import write_rules

TOKEN = "doctor-test-token-1234567890"


def test_invite_url_asks_for_exactly_the_listed_permissions() -> None:
    url = invite_url(42)
    assert url.startswith("https://discord.com/oauth2/authorize?client_id=42&")
    assert "scope=bot+applications.commands" in url
    assert url.endswith(f"permissions={sum(bit for bit, _ in PERMISSIONS.values())}")
    assert url.endswith("permissions=117760")
    assert invite_url(42, automod=True).endswith("permissions=117792")


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord(token=TOKEN)
    await server.start()
    yield server
    await server.stop()


def _settings(tmp_path: Path, fake: FakeDiscord, token: str | None) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        discord_token=SecretStr(token) if token else None,
        rules=write_rules(tmp_path / "rules"),
        database=tmp_path / "upstander.db",
        moderator_user_id=1,
        reviewer_user_id=2,
        discord_api_base=fake.api_base,
    )


async def test_doctor_logs_in_and_names_the_missing_intent(
    tmp_path: Path, fake: FakeDiscord
) -> None:
    report = await run_doctor(_settings(tmp_path, fake, TOKEN))
    text = "\n".join(report.lines)
    assert "ok    logged in as" in text
    assert "ok    database" in text and "examples pass" in text
    assert "FAIL  Message Content Intent is off" in text  # the fake app has no intent flags
    assert report.failed
    assert TOKEN not in text


async def test_doctor_passes_when_the_intent_is_on(
    tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tests.fakediscord.rest as rest

    original = rest.application_payload
    monkeypatch.setattr(rest, "application_payload", lambda *a: {**original(*a), "flags": 1 << 19})
    report = await run_doctor(_settings(tmp_path, fake, TOKEN))
    text = "\n".join(report.lines)
    assert "ok    Message Content Intent is enabled" in text
    assert not any(line.startswith("FAIL") for line in report.lines), text


async def test_doctor_reports_a_rejected_token_without_printing_it(
    tmp_path: Path, fake: FakeDiscord
) -> None:
    report = await run_doctor(_settings(tmp_path, fake, "wrong-token-abcdef"))
    text = "\n".join(report.lines)
    assert "FAIL  Discord rejected DISCORD_TOKEN" in text
    assert "wrong-token-abcdef" not in text


async def test_doctor_without_token_checks_the_rest(tmp_path: Path, fake: FakeDiscord) -> None:
    settings = _settings(tmp_path, fake, None)
    (settings.rules / "broken.yaml").write_text("rules:\n  - id: x\n    colour: red\n")
    report = await run_doctor(settings)
    text = "\n".join(report.lines)
    assert "warn  DISCORD_TOKEN not set" in text
    assert "broken.yaml:3: rule 1 (x): unknown key 'colour'" in text
    assert report.failed


def test_version_names_the_installed_distribution(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib import metadata

    from bot.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"upstander {metadata.version('upstander')}"


async def test_doctor_checks_each_servers_routing(tmp_path: Path, fake: FakeDiscord) -> None:
    settings = _settings(tmp_path, fake, None).model_copy(
        update={
            "moderator_user_id": None,
            "reviewer_user_id": None,
            "guild_ids": [10, 20],
            "guild_routing": {
                10: GuildRouting(moderator_user_id=5, reviewer_user_id=6),
                20: GuildRouting(reviewer_user_id=7),
            },
        }
    )
    report = await run_doctor(settings)
    text = "\n".join(report.lines)
    assert "FAIL  no designated moderator for server 20" in text
    assert "for server 10" not in text
    assert "no designated moderator:" not in text  # the unkeyed settings serve no server here


async def test_doctor_never_creates_the_database(tmp_path: Path, fake: FakeDiscord) -> None:
    settings = _settings(tmp_path, fake, None)
    report = await run_doctor(settings)
    assert f"ok    database {settings.database}: not created yet" in "\n".join(report.lines)
    assert not settings.database.exists()


async def test_doctor_names_a_database_directory_that_does_not_exist(
    tmp_path: Path, fake: FakeDiscord
) -> None:
    settings = _settings(tmp_path, fake, None)
    missing = tmp_path / "nowhere" / "upstander.db"
    report = await run_doctor(settings.model_copy(update={"database": missing}))
    assert (
        f"FAIL  UPSTANDER_DATABASE={missing}: directory {missing.parent} does not exist"
        in report.lines
    )
    assert not missing.parent.exists()
