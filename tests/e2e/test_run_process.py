"""`upstander run` as a real process against a local Discord (fakediscord) on 127.0.0.1.

Login over HTTP, gateway over a websocket, a flagged message → DM nudge, a slash command round
trip, then SIGTERM while a handler is running: the process drains it, exits 0, and the
database holds every incident, nudge status and audit entry.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from pathlib import Path

import discord

from tests.fakediscord import FakeDiscord
from tests.services.kit import INSULT, SLUR, write_rules

UPSTANDER = Path(sys.executable).with_name("upstander")
REPO = Path(__file__).resolve().parents[2]  # run the code under test, wherever it is checked out
EPHEMERAL = 1 << 6


async def _identified(server: FakeDiscord, process: asyncio.subprocess.Process) -> None:
    """Wait for login; if the process exits instead, fail at once (the log is attached)."""
    waiting = asyncio.ensure_future(server.wait_until_identified(timeout=30))
    exited = asyncio.ensure_future(process.wait())
    await asyncio.wait({waiting, exited}, return_when=asyncio.FIRST_COMPLETED)
    if exited.done():
        waiting.cancel()
        raise AssertionError(f"upstander run exited with {process.returncode} before login")
    exited.cancel()
    waiting.result()


async def _logged(log_file: Path, text: str, timeout: float = 15.0) -> None:
    """Wait until the bot's log holds `text` (discord.py may wait for guilds before ready)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while text not in log_file.read_text(errors="replace"):
        if loop.time() > deadline:
            raise AssertionError(f"{text!r} not logged within {timeout} s")
        await asyncio.sleep(0.05)


def _opened_dm(server: FakeDiscord, user_id: int) -> bool:
    """True once the bot has asked for a DM channel with `user_id` (its nudge is under way)."""
    return any(
        path == "/users/@me/channels" and str(user_id) in str(body)
        for _method, path, body in server.rest.requests
    )


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return list(conn.execute(sql))


async def test_upstander_run_end_to_end_with_clean_sigterm(tmp_path: Path) -> None:
    rules = write_rules(tmp_path / "rules")
    database = tmp_path / "upstander.db"
    async with FakeDiscord(token="e2e-secret-token") as server:
        guild = server.add_guild("Workplace")
        general = server.add_text_channel(guild, "general")
        mods_channel = server.add_text_channel(guild, "moderators")
        mods = server.add_role(
            guild, "Mods", permissions=discord.Permissions(moderate_members=True).value
        )
        mod = server.add_member(guild, "mod", roles=[mods])
        alice = server.add_member(guild, "alice")
        bob = server.add_member(guild, "bob")
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(REPO),
            "HOME": str(tmp_path),
            "DISCORD_TOKEN": server.token,
            "UPSTANDER_DISCORD_API_BASE": server.api_base,
            "UPSTANDER_DISCORD_GATEWAY": server.gateway_url,
            "UPSTANDER_RULES": str(rules),
            "UPSTANDER_DATABASE": str(database),
            "UPSTANDER_GUILD_IDS": str(guild.id),
            "UPSTANDER_MODERATOR_USER_ID": str(mod.id),
            "UPSTANDER_MODERATOR_CHANNEL_ID": str(mods_channel.id),
            "UPSTANDER_LOG_LEVEL": "INFO",
        }
        log_file = tmp_path / "upstander.log"
        # A file, not a pipe: an unread pipe fills up and blocks the bot's logging.
        with log_file.open("wb") as sink:
            process = await asyncio.create_subprocess_exec(
                str(UPSTANDER), "run", env=env, cwd=tmp_path, stdout=sink, stderr=sink
            )
        try:
            await _identified(server, process)
            await _logged(log_file, "ready: logged in as")

            await server.post_message(general, alice, f"you absolute {SLUR}")
            nudge = await server.wait_for_dm(alice, timeout=15)
            assert f"“{SLUR}”" in nudge["content"]
            assert nudge["components"][0]["components"][0]["label"] == ("I think this is a mistake")

            interaction = await server.invoke_slash(general, mod, "upstander history", member=alice)
            callback = await server.wait_for_callback(interaction, timeout=15)
            assert callback["type"] == 4
            assert callback["data"]["flags"] & EPHEMERAL
            assert callback["data"]["content"].startswith(f"<@{alice.id}>: 1 incident(s)")

            # A second flagged message; stop the bot while its handler is at work.
            await server.post_message(general, bob, f"{INSULT} {INSULT}")
            await server.wait_for(lambda: _opened_dm(server, bob.id), timeout=15)
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), timeout=30)
        except BaseException as exc:
            if process.returncode is None:
                process.kill()
            await process.wait()
            log = log_file.read_text(errors="replace")
            raise AssertionError(f"{exc!r}\n--- upstander log ---\n{log}") from exc

        log = log_file.read_text(errors="replace")
        assert process.returncode == 0, log
        assert "stopped cleanly" in log
        ready = [line for line in log.splitlines() if "ready: logged in as" in line]
        assert len(ready) == 1, log
        assert "watching all text channels in 1 server(s)" in ready[0]
        assert f"alerts go to user {mod.id} by DM and channel {mods_channel.id}" in ready[0]
        assert "no designated moderator" not in log
        assert server.token not in log  # the token is never logged
        assert len(server.dms_to(bob)) == 1  # the in-flight nudge was delivered, not lost
        assert len(server.gateway.sessions) == 1  # no reconnect during shutdown

    incidents = _rows(database, "SELECT author_id FROM incidents ORDER BY id")
    assert incidents == [(alice.id,), (bob.id,)]
    statuses = _rows(database, "SELECT recipient_id, status FROM nudges ORDER BY id")
    assert statuses == [(alice.id, "delivered"), (bob.id, "delivered")]
    actions = [a for (a,) in _rows(database, "SELECT action FROM audit_log ORDER BY seq")]
    assert actions.count("detection") == 2 and actions.count("nudge.status") == 2
    assert "bot.start" in actions
