"""A writer killed with SIGKILL mid-stream loses nothing it acknowledged and breaks no chain."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from bot.store import open_store

from .conftest import GUILD

WRITER = textwrap.dedent(
    """
    import asyncio, sys
    from datetime import UTC, datetime
    from bot.store import Detection, open_store

    async def main(path):
        store = await open_store(path)
        n = 0
        while True:
            n += 1
            d = Detection(guild_id=GUILD_ID, channel_id=2, message_id=n, author_id=n % 17,
                          text=f"message {n}", verdict={"flagged": True, "category": "violence"},
                          rules_version="r1", created_at=datetime.now(UTC))
            await store.incidents.record_detection(d, policy_updates={f"a:{n % 17}": n})
            await store.audit.record("bot", "tick", f"n:{n}")
            print(n, flush=True)

    asyncio.run(main(sys.argv[1]))
    """
).replace("GUILD_ID", str(GUILD))


async def test_kill_9_mid_stream_keeps_every_acknowledged_write(tmp_path: Path) -> None:
    db_path = tmp_path / "crash.db"
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    repo = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [sys.executable, str(script), str(db_path)],
        cwd=repo,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(repo)},
    )
    assert proc.stdout is not None
    acked = []
    for line in proc.stdout:
        acked.append(int(line))
        if len(acked) >= 300:
            break
    os.kill(proc.pid, signal.SIGKILL)  # while it is still writing
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL

    async with await open_store(db_path) as store:
        report = await store.audit.verify()
        assert report.ok, report.problems
        async with store.db.conn.execute(
            "SELECT message_id FROM incidents WHERE guild_id = ?", (GUILD,)
        ) as cur:
            stored = {int(r[0]) for r in await cur.fetchall()}
        assert set(acked) <= stored
        assert report.entries >= 2 * len(acked)
        last = max(acked)
        assert await store.policy.load(f"a:{last % 17}") >= last
        # Every incident has its detection entry: no half-written decision survived.
        async with store.db.conn.execute(
            "SELECT count(*) FROM audit_log WHERE action = 'detection'"
        ) as cur:
            row = await cur.fetchone()
        assert row is not None and row[0] == len(stored)
