"""Settings: id lists in either form, and errors that name the setting without leaking secrets."""

from __future__ import annotations

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
