"""Settings from the environment and `.env`, validated once in `main()` and passed down.

Every key is `UPSTANDER_<NAME>` except the token, which is `DISCORD_TOKEN` (the name every
Discord hosting guide uses). Nothing here runs at import time: call `load_settings()`.
"""

from __future__ import annotations

import difflib
import json
import logging
import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pydantic_settings import SettingsError as SourceError

from bot.routing_settings import GuildRouting, routing_problem
from bot.rules_location import default_cache_dir, default_rules_dir


class SettingsError(Exception):
    """Raised with a message that names the bad setting and says how to fix it."""


# NoDecode: the raw "1,2,3" reaches our validator instead of failing JSON decoding.
IdList = Annotated[list[int], NoDecode]


class Settings(BaseSettings):
    """Upstander's configuration. See `deploy/.env.example` for every key with its default."""

    model_config = SettingsConfigDict(
        env_prefix="UPSTANDER_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
        env_ignore_empty=True,  # "KEY=" in .env means "not set", as .env.example shows
    )

    discord_token: SecretStr | None = Field(default=None, validation_alias="DISCORD_TOKEN")
    rules: Path = Field(default_factory=default_rules_dir)  # ./rules, else the built-in set
    database: Path = Path("upstander.db")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["plain", "json"] = "plain"

    guild_ids: IdList = Field(default_factory=list)
    watched_channel_ids: IdList = Field(default_factory=list)
    excluded_channel_ids: IdList = Field(default_factory=list)
    moderator_user_id: int | None = None
    moderator_channel_id: int | None = None
    reviewer_user_id: int | None = None
    moderator_role_id: int | None = None
    moderator_user_ids: IdList = Field(default_factory=list)  # besides the role/permission
    # Per server (JSON keyed by server id); see bot/routing_settings.py.
    guild_routing: dict[int, GuildRouting] = Field(default_factory=dict, validate_default=True)
    cache_dir: Path | None = None  # compiled rules; None: the platform's cache directory
    rules_poll_seconds: float = Field(default=3.0, ge=0)  # 0 switches hot reload off
    channel_notice_when_dm_closed: bool = False
    retention_days: int = Field(default=365, ge=1)
    checkin_targets: bool = True  # one kind DM to a colleague a raised pattern aims at

    discord_api_base: str | None = None
    discord_gateway: str | None = None

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator(
        "guild_ids",
        "watched_channel_ids",
        "excluded_channel_ids",
        "moderator_user_ids",
        mode="before",
    )
    @classmethod
    def _comma_separated_ids(cls, value: object) -> object:
        # Accept "1,2,3" as well as the JSON list pydantic-settings expects.
        if isinstance(value, int):
            return [value]
        if isinstance(value, str) and value.strip().startswith("["):
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                return value  # reported by validation as not a list
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("guild_routing")
    @classmethod
    def _every_server_routed(
        cls, value: dict[int, GuildRouting], info: ValidationInfo
    ) -> dict[int, GuildRouting]:
        problem = routing_problem(info.data.get("guild_ids", []), value)
        if problem is not None:
            raise ValueError(problem)
        return value

    @property
    def cache_directory(self) -> Path:
        """Where compiled rule sets are cached (`UPSTANDER_CACHE_DIR`, else the platform's)."""
        return self.cache_dir or default_cache_dir()

    @property
    def log_level_number(self) -> int:
        """The log level as a `logging` constant."""
        return int(logging.getLevelName(self.log_level))


def _env_name(field: str) -> str:
    if field == "discord_token":
        return "DISCORD_TOKEN"
    return f"UPSTANDER_{field.upper()}"


def load_settings(env_file: str | Path | None = ".env") -> Settings:
    """Build settings from the environment, turning validation errors into one clear message."""
    try:
        return Settings(_env_file=env_file)  # type: ignore[call-arg]
    except SourceError as exc:
        raise SettingsError(f"Invalid setting: {exc}. Fix it in the environment or .env.") from None
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "?"
            shown = "" if field == "discord_token" else f" (got {err.get('input')!r})"
            lines.append(f"{_env_name(field)}: {err['msg']}{shown}")
        raise SettingsError(
            "Invalid setting(s):\n  "
            + "\n  ".join(lines)
            + "\nFix them in the environment or in .env (see deploy/.env.example)."
        ) from None


# Knobs of the benchmark scripts (benchmarks/), read by them and not by the bot.
_NOT_SETTINGS_PREFIXES = ("UPSTANDER_BENCH_",)


def setting_names() -> list[str]:
    """Every environment variable the settings read."""
    return [_env_name(field) for field in Settings.model_fields]


def unknown_variables(env_file: str | Path | None = ".env") -> list[str]:
    """Warnings for `UPSTANDER_*` variables (environment or `.env`) that are no setting, each
    with the nearest valid name: a misspelt setting would otherwise be silently ignored."""
    from dotenv import dotenv_values  # pydantic-settings' own .env reader

    names = set(os.environ)
    if env_file is not None and Path(env_file).is_file():
        names |= {key for key in dotenv_values(env_file) if key}
    known = setting_names()
    warnings = []
    for name in sorted(names):
        upper = name.upper()
        if not upper.startswith("UPSTANDER_") or upper in known:
            continue
        if upper.startswith(_NOT_SETTINGS_PREFIXES):
            continue
        # Compared without the shared prefix, which would make every name look close.
        suffixes = {known_name.removeprefix("UPSTANDER_"): known_name for known_name in known}
        nearest = difflib.get_close_matches(upper[len("UPSTANDER_") :], suffixes, n=1, cutoff=0.6)
        hint = f" (did you mean {suffixes[nearest[0]]}?)" if nearest else ""
        warnings.append(f"{name} is not a setting{hint}; it is ignored (all: deploy/.env.example)")
    return warnings
