"""`upstander run` killed with SIGKILL in the middle of a stream of messages, then restarted.

After the restart the audit chain verifies, and the policy's counters (persisted in the same
transaction as each incident) agree with the incidents: nothing counted without its incident,
no incident without its count.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.fakediscord import FakeDiscord, FakeGuild, FakeUser
from tests.services.kit import INSULT, SLUR, write_rules

UPSTANDER = Path(sys.executable).with_name("upstander")
REPO = Path(__file__).resolve().parents[2]


def _env(server: FakeDiscord, tmp_path: Path, guild: FakeGuild, mod: FakeUser) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(REPO),
        "HOME": str(tmp_path),
        "DISCORD_TOKEN": server.token,
        "UPSTANDER_DISCORD_API_BASE": server.api_base,
        "UPSTANDER_DISCORD_GATEWAY": server.gateway_url,
        "UPSTANDER_RULES": str(write_rules(tmp_path / "rules")),
        "UPSTANDER_DATABASE": str(tmp_path / "upstander.db"),
        "UPSTANDER_GUILD_IDS": str(guild.id),
        "UPSTANDER_MODERATOR_USER_ID": str(mod.id),
        "UPSTANDER_LOG_LEVEL": "INFO",
    }


def _count(db: Path, sql: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(sql).fetchone()[0])


async def _start(env: dict[str, str], log: Path, server: FakeDiscord, sessions: int) -> object:
    """Start `upstander run` and wait for its IDENTIFY (session number `sessions`)."""
    with log.open("ab") as sink:  # a file, not a pipe: an unread pipe blocks the bot
        process = await asyncio.create_subprocess_exec(
            str(UPSTANDER), "run", env=env, cwd=log.parent, stdout=sink, stderr=sink
        )
    try:
        await server.wait_for(lambda: len(server.gateway.sessions) == sessions, timeout=30)
    except TimeoutError:
        process.kill()
        raise AssertionError(log.read_text(errors="replace")) from None
    return process


async def test_sigkill_mid_load_then_restart_keeps_audit_and_counters_consistent(
    tmp_path: Path,
) -> None:
    database, log = tmp_path / "upstander.db", tmp_path / "upstander.log"
    async with FakeDiscord(token="sigkill-token") as server:
        guild = server.add_guild("Workplace")
        general = server.add_text_channel(guild, "general")
        mod = server.add_member(guild, "mod")
        members = [server.add_member(guild, f"member{n}") for n in range(12)]
        env = _env(server, tmp_path, guild, mod)
        first = await _start(env, log, server, sessions=1)
        assert isinstance(first, asyncio.subprocess.Process)

        # A stream, every 4th message flagged; kill once some decisions are on disk, with the
        # stream still flowing into the bot.
        killed_at = None
        for n in range(3000):
            word = (SLUR, INSULT)[n % 2] if n % 4 == 0 else "fine"
            await server.post_message(general, members[n % len(members)], f"{word} {n}")
            await asyncio.sleep(0.002)  # a steady stream, not one burst the bot has not read
            ready = killed_at is None and n % 10 == 0 and database.exists()
            if ready and _count(database, "SELECT count(*) FROM incidents") >= 10:
                first.send_signal(signal.SIGKILL)
                killed_at = n
            if killed_at is not None and n >= killed_at + 100:
                break  # the stream went on past the kill
        if killed_at is None:
            first.kill()
        assert await first.wait() == -signal.SIGKILL
        assert killed_at is not None, "the bot never stored ten incidents"

        second = await _start(env, log, server, sessions=2)
        assert isinstance(second, asyncio.subprocess.Process)
        told = len(server.dms_to(members[0]))
        await server.post_message(general, members[0], f"after restart {SLUR}")
        await server.wait_for_dm(members[0], count=told + 1, timeout=15)  # judging again
        second.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(second.wait(), timeout=30) == 0, log.read_text()

    verify = subprocess.run(
        [str(UPSTANDER), "audit", "verify"],
        env={**env, "PYTHONPATH": str(REPO)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "ok" in verify.stdout

    with sqlite3.connect(database) as conn:
        incidents = {int(m) for (m,) in conn.execute("SELECT message_id FROM incidents")}
        detections = [
            int(m)
            for (m,) in conn.execute(
                "SELECT json_extract(details, '$.message') FROM audit_log"
                " WHERE action = 'detection'"
            )
        ]
        records = conn.execute(
            "SELECT value FROM policy_items WHERE guild_id = ? AND kind = 'record'", (guild.id,)
        ).fetchall()
        seen_keys = conn.execute(
            "SELECT key FROM policy_items WHERE guild_id = ? AND kind = 'seen'", (guild.id,)
        ).fetchall()
        orphans = conn.execute(
            "SELECT count(*) FROM nudges WHERE incident_id NOT IN (SELECT id FROM incidents)"
        ).fetchone()[0]
    counted = {json.loads(value)["message_id"] for (value,) in records}
    seen = {int(k.split(":")[1]) for (k,) in seen_keys if k.startswith("message:")}
    assert len(incidents) >= 11  # at least ten before the kill, one after the restart
    assert sorted(detections) == sorted(incidents)  # one audit entry per incident
    assert counted == incidents == seen  # the counters agree with the incidents exactly
    assert orphans == 0
