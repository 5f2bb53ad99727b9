"""Settings: id lists in either form, and errors that name the setting without leaking secrets."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings


@pytest.mark.parametrize(
    ("raw", "ids"), [("1,2", [1, 2]), ("[3, 4]", [3, 4]), ("", []), (" 5 ", [5])]
)
def test_id_lists_accept_commas_or_json(
    monkeypatch: pytest.MonkeyPatch, raw: str, ids: list[int]
) -> None:
    monkeypatch.setenv("UPSTANDER_WATCHED_CHANNEL_IDS", raw)
    assert load_settings(None).watched_channel_ids == ids


def test_bad_value_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UPSTANDER_GUILD_IDS", "abc")
    with pytest.raises(SettingsError, match="UPSTANDER_GUILD_IDS"):
        load_settings(None)


def test_token_is_never_echoed_in_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "secret-token-value")
    monkeypatch.setenv("UPSTANDER_RETENTION_DAYS", "0")
    with pytest.raises(SettingsError) as caught:
        load_settings(None)
    assert "UPSTANDER_RETENTION_DAYS" in str(caught.value)
    assert "secret-token-value" not in str(caught.value)


def test_rules_default_to_local_rules_then_the_built_in_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.rules_location import PACKAGED_RULES

    monkeypatch.delenv("UPSTANDER_RULES", raising=False)
    monkeypatch.chdir(tmp_path)
    assert load_settings(None).rules == PACKAGED_RULES
    (tmp_path / "rules").mkdir()
    assert load_settings(None).rules == Path("rules")
    monkeypatch.setenv("UPSTANDER_RULES", "/srv/rules")
    assert load_settings(None).rules == Path("/srv/rules")


def test_cache_directory_follows_the_setting_then_xdg(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UPSTANDER_CACHE_DIR", str(tmp_path / "mine"))
    assert load_settings(None).cache_directory == tmp_path / "mine"
    monkeypatch.delenv("UPSTANDER_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if sys.platform != "darwin":
        assert load_settings(None).cache_directory == tmp_path / "xdg" / "upstander"


def test_each_listed_server_needs_its_own_routing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UPSTANDER_GUILD_IDS", "1,2")
    monkeypatch.setenv("UPSTANDER_GUILD_ROUTING", '{"1": {"moderator_user_id": 5}}')
    with pytest.raises(SettingsError, match=r"UPSTANDER_GUILD_ROUTING.*missing: 2"):
        load_settings(None)


def test_routing_for_a_server_not_served_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UPSTANDER_GUILD_IDS", "1")
    monkeypatch.setenv("UPSTANDER_GUILD_ROUTING", '{"3": {"moderator_user_id": 5}}')
    with pytest.raises(SettingsError, match=r"server\(s\) 3 that UPSTANDER_GUILD_IDS"):
        load_settings(None)


def test_per_server_routing_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UPSTANDER_GUILD_IDS", "1,2")
    routing = (
        '{"1": {"moderator_user_id": 5}, "2": {"reviewer_user_id": 6, "moderator_user_ids": [7]}}'
    )
    monkeypatch.setenv("UPSTANDER_GUILD_ROUTING", routing)
    settings = load_settings(None)
    assert settings.guild_routing[1].moderator_user_id == 5
    assert settings.guild_routing[2].moderator_user_ids == [7]
