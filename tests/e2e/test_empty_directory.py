"""A new user's first commands, from an empty directory with no UPSTANDER_RULES and no .env:
the rules that ship inside the package are found and named."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

UPSTANDER = Path(sys.executable).with_name("upstander")


@pytest.fixture
def empty(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    home = tmp_path / "empty"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("UPSTANDER_")}
    env.pop("DISCORD_TOKEN", None)
    env["UPSTANDER_CACHE_DIR"] = os.environ["UPSTANDER_CACHE_DIR"]  # the suite's, not ~/.cache
    return home, env


def _run(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(UPSTANDER), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def test_check_demo_and_lint_work_from_an_empty_directory(
    empty: tuple[Path, dict[str, str]],
) -> None:
    cwd, env = empty
    check = _run(cwd, env, "check", "you are a f4gg0t")
    assert check.returncode == 0, check.stderr
    assert check.stdout.startswith("FLAGGED: discrimination/homophobia")
    rules_line = check.stdout.splitlines()[-1]
    assert rules_line.startswith("rules: built-in defaults (") and "version " in rules_line

    lint = _run(cwd, env, "rules", "lint")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert lint.stdout.splitlines()[0].split(", from cache")[0] == rules_line.split(", from")[0]
    assert "upstander rules init DIR" in lint.stdout

    demo = _run(cwd, env, "demo")
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-2000:]
    assert "Traceback" not in demo.stderr
    version = rules_line.split("version ")[1].split(",")[0]
    assert f"version {version}" in demo.stdout.splitlines()[0]
    assert demo.stdout.splitlines()[-1].startswith("audit verify: OK")
    assert list(cwd.iterdir()) == []  # nothing left behind (no database, no cache)


def test_rules_init_copies_the_defaults_out_for_editing(
    empty: tuple[Path, dict[str, str]],
) -> None:
    cwd, env = empty
    made = _run(cwd, env, "rules", "init", "myrules")
    assert made.returncode == 0, made.stderr
    assert (cwd / "myrules" / "README.md").is_file()
    assert (cwd / "myrules" / "terms").is_dir()
    env["UPSTANDER_RULES"] = "myrules"
    lint = _run(cwd, env, "rules", "lint")
    assert lint.returncode == 0 and lint.stdout.startswith("rules: myrules, version ")
    again = _run(cwd, env, "rules", "init", "myrules")
    assert again.returncode == 2 and "not empty" in again.stderr


def test_the_package_carries_the_default_rules() -> None:
    import tomllib

    from bot.rules_location import PACKAGED_RULES

    root = Path(__file__).resolve().parents[2]
    assert PACKAGED_RULES.resolve() == (root / "rules").resolve()  # bot/default_rules -> rules/
    project = tomllib.loads((root / "pyproject.toml").read_text())
    assert "default_rules/**/*" in project["tool"]["setuptools"]["package-data"]["bot"]
    dockerfile = (root / "deploy" / "Dockerfile").read_text()
    build_stage = dockerfile.split("\nFROM ")[1]
    assert "COPY rules ./rules" in build_stage  # or the link would dangle in the image's build
