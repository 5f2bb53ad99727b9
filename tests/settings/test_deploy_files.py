"""deploy/ files refer to what exists, and .env.example documents exactly the settings read."""

from __future__ import annotations

import re
from pathlib import Path

from bot.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def _env_name(field: str) -> str:
    alias = Settings.model_fields[field].validation_alias
    return alias if isinstance(alias, str) else f"UPSTANDER_{field.upper()}"


_COMMENTED_KEY = re.compile(r"^#([A-Z_]+)=")
# Set by the image and the unit; an active line in .env would override them (see the file).
PATH_KEYS = {"UPSTANDER_RULES", "UPSTANDER_DATABASE", "UPSTANDER_CACHE_DIR"}


def _active_keys() -> list[str]:
    lines = (DEPLOY / ".env.example").read_text().splitlines()
    return [line.split("=", 1)[0] for line in lines if line and not line.startswith("#")]


def _documented_keys() -> list[str]:
    lines = (DEPLOY / ".env.example").read_text().splitlines()
    commented = [m.group(1) for line in lines if (m := _COMMENTED_KEY.match(line))]
    return _active_keys() + commented


def test_env_example_leaves_the_paths_to_the_image_and_the_unit() -> None:
    assert PATH_KEYS.isdisjoint(_active_keys())


def test_env_example_documents_exactly_the_settings_the_code_reads() -> None:
    documented = _documented_keys()
    assert len(documented) == len(set(documented)), "a key is listed twice"
    assert set(documented) == {_env_name(field) for field in Settings.model_fields}


def test_env_example_loads_as_valid_settings(tmp_path: Path) -> None:
    settings = load_settings(DEPLOY / ".env.example")
    assert settings.discord_token is None or not settings.discord_token.get_secret_value()
    assert settings.database == Path("upstander.db")


def test_dockerfile_copies_files_that_exist() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    for line in text.splitlines():
        if line.startswith("COPY") and "--from" not in line:
            *sources, _ = line.split()[1:]
            for source in sources:
                assert (ROOT / source).exists(), source
    assert "USER upstander" in text  # never root
    assert 'VOLUME ["/app/rules", "/data"]' in text


def test_compose_refers_to_files_that_exist() -> None:
    text = (DEPLOY / "compose.yaml").read_text()
    assert (DEPLOY / re.search(r"dockerfile: deploy/(\S+)", text).group(1)).exists()  # type: ignore[union-attr]
    assert (ROOT / "rules").is_dir()
    assert "env_file: .env" in text and (DEPLOY / ".env.example").exists()


def test_systemd_unit_runs_the_console_script_with_hardening() -> None:
    text = (DEPLOY / "upstander.service").read_text()
    assert "ExecStart=/opt/upstander/.venv/bin/upstander run" in text
    for option in ("NoNewPrivileges=true", "ProtectSystem=strict", "KillSignal=SIGTERM"):
        assert option in text
