"""deploy/ as documented: the entry command, run with the example env file in a temp tree laid
out like the container (or the systemd host), keeps its database and cache where they belong.

The environment is assembled as Docker Compose and systemd do it: the image's `ENV` (or the
unit's `Environment=`), then the env file over it, then compose's `environment:` over both.
Discord is a closed local port, so `upstander run` stops after its pre-login checks, which
open (and create) the database.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
from pathlib import Path

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent


def _env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as compose's env_file and systemd's EnvironmentFile read them."""
    pairs = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value
    return pairs


def _dockerfile() -> tuple[dict[str, str], str, list[str]]:
    """The final stage's ENV, WORKDIR and ENTRYPOINT + CMD."""
    text = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    final = text.split("\nFROM ")[-1]
    env: dict[str, str] = {}
    for line in final.splitlines():
        if line.startswith("ENV "):
            env.update(dict(shlex.split(part)[0].split("=", 1) for part in line[4:].split()))
    workdir = re.findall(r"^WORKDIR (\S+)", final, re.M)[-1]
    entry = json.loads(re.findall(r"^ENTRYPOINT (.+)$", final, re.M)[-1])  # exec form: JSON
    command = json.loads(re.findall(r"^CMD (.+)$", final, re.M)[-1])
    return env, workdir, [*entry, *command]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run(argv: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    port = _closed_port()
    full = {
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(cwd.parent / "home"),
        **env,
        "DISCORD_TOKEN": "deploy-test-token",  # the example leaves it empty: fill it in
        "UPSTANDER_DISCORD_API_BASE": f"http://127.0.0.1:{port}/api/v10",
        "UPSTANDER_DISCORD_GATEWAY": f"ws://127.0.0.1:{port}/",
    }
    return subprocess.run(argv, env=full, cwd=cwd, capture_output=True, text=True, timeout=120)


def _moved(env: dict[str, str], tree: Path, roots: tuple[str, ...]) -> dict[str, str]:
    """Absolute paths under `roots` moved into the temp tree."""
    out = {}
    for key, value in env.items():
        for root in roots:
            if value == root or value.startswith(root + "/"):
                value = str(tree) + value
        out[key] = value
    return out


def test_container_entry_with_the_example_env_keeps_the_database_on_the_volume(
    tmp_path: Path,
) -> None:
    image_env, workdir, argv = _dockerfile()
    compose = YAML(typ="safe").load((DEPLOY / "compose.yaml").read_text())
    service = compose["services"]["upstander"]
    assert service["env_file"] == ".env"
    env = {**image_env, **_env_file(DEPLOY / ".env.example"), **service.get("environment", {})}
    env = _moved(env, tmp_path, ("/app", "/data"))
    app = tmp_path / workdir.lstrip("/")
    shutil.copytree(ROOT / "rules", app / "rules")  # COPY rules /app/rules (or the volume)
    (tmp_path / "data" / "cache").mkdir(parents=True)  # made by the image, owned by its user
    assert argv == ["upstander", "run"]

    done = _run(argv, env, app)

    assert done.returncode == 2 and "cannot reach Discord" in done.stderr, done.stderr
    assert (tmp_path / "data" / "upstander.db").is_file()
    assert sorted(p.name for p in app.iterdir()) == ["rules"]  # nothing written to /app
    assert list((tmp_path / "data" / "cache").glob("rules-*.cache"))  # compiled rules kept


def test_systemd_unit_with_the_example_env_keeps_the_database_in_its_state_directory(
    tmp_path: Path,
) -> None:
    unit = (DEPLOY / "upstander.service").read_text()
    settings = dict(re.findall(r"^(\w+)=(.*)$", unit, re.M))
    environment = dict(line.split("=", 1) for line in re.findall(r"^Environment=(.*)$", unit, re.M))
    environment.pop("LD_PRELOAD")  # the host library; not what is under test
    roots = ("/opt/upstander", "/var/lib/upstander", "/var/cache/upstander")
    home = Path(str(tmp_path) + settings["WorkingDirectory"])
    shutil.copytree(ROOT / "rules", home / "rules")
    shutil.copy(DEPLOY / ".env.example", home / ".env")  # the documented step
    env_file = Path(str(tmp_path) + settings["EnvironmentFile"])
    # systemd: EnvironmentFile= overrides Environment=; it creates State/CacheDirectory.
    env = _moved({**environment, **_env_file(env_file)}, tmp_path, roots)
    state = tmp_path / "var/lib" / settings["StateDirectory"]
    cache = tmp_path / "var/cache" / settings["CacheDirectory"]
    state.mkdir(parents=True)
    cache.mkdir(parents=True)
    argv = shlex.split(settings["ExecStart"])
    assert argv == ["/opt/upstander/.venv/bin/upstander", "run"]

    done = _run(["upstander", "run"], env, home)

    assert done.returncode == 2 and "cannot reach Discord" in done.stderr, done.stderr
    assert (state / "upstander.db").is_file()
    assert sorted(p.name for p in home.iterdir()) == [".env", "rules"]  # read-only there
    assert list(cache.glob("rules-*.cache"))
    assert "ReadWritePaths" not in settings  # State/CacheDirectory are the writable places
