"""The gateway drops and resumes, and Discord replays events (some of them twice).

Every flagged message ends as exactly one incident, one detection audit entry and one nudge;
messages sent while the bot was disconnected are replayed on RESUME and none is lost.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.livekit import Live, live_bot
from tests.services.kit import INSULT, SLUR


def _incident_ids(live: Live) -> list[tuple[int, int]]:
    return live.rows("SELECT message_id, version FROM incidents ORDER BY message_id")


@pytest.mark.parametrize("how", ["drop", "reconnect"])
async def test_replayed_and_missed_events_give_one_incident_each(tmp_path: Path, how: str) -> None:
    async with live_bot(tmp_path) as live:
        server, general, alice, bob = live.server, live.general, live.alice, live.bob
        session = server.gateway.current
        assert session is not None
        start = session.seq
        first = await server.post_message(general, alice, f"you {SLUR}")
        await server.post_message(general, bob, "morning all")
        second = await server.post_message(general, bob, f"{INSULT} again")
        await server.edit_message(first, f"you {SLUR}, edited")
        await server.post_message(general, alice, "lunch?")
        await server.delete_message(second)
        await server.wait_for(lambda: len(server.dms_to(bob)) == 1, timeout=10)
        await live.settle()

        # At-least-once delivery: RESUME repeats everything above as well as what was missed.
        server.gateway.resume_overlap = session.seq - start
        if how == "drop":
            await server.drop_connection()
        else:
            await server.request_reconnect()
        # Sent while the bot is away (or just about to be): only the replay can deliver them.
        third = await server.post_message(general, bob, f"{SLUR} while away")
        await server.post_message(general, alice, "clean while away")
        fourth = await server.post_message(general, alice, f"{INSULT} while away")
        await server.wait_for(lambda: server.gateway.resumes == 1, timeout=10)
        await server.wait_for(lambda: len(server.dms_to(alice)) >= 2, timeout=10)
        await live.settle()

        flagged = sorted(int(m["id"]) for m in (first, second, third, fourth))
        assert _incident_ids(live) == [(m, 0) for m in flagged]
        detections = live.rows(
            "SELECT json_extract(details, '$.message') FROM audit_log WHERE action = 'detection'"
        )
        assert sorted(int(m) for (m,) in detections) == flagged
        # Replayed edit and delete are recognised too: one edit kept, one deletion noted.
        assert live.rows("SELECT count(*) FROM incident_edits") == [(1,)]
        deletions = live.rows("SELECT count(*) FROM audit_log WHERE action = 'message.delete'")
        assert deletions == [(1,)]
        # One nudge per flagged message, none repeated by the replay.
        assert len(server.dms_to(alice)) == 2 and len(server.dms_to(bob)) == 2
        assert live.rows("SELECT count(*) FROM nudges") == [(4,)]
        assert len(server.gateway.sessions) == 1  # resumed, not re-identified


async def test_edit_and_delete_right_behind_the_post_keep_the_evidence(tmp_path: Path) -> None:
    # Back to back, as a backlog or a replay delivers them: the edit and the deletion arrive
    # while the message itself is still being judged.
    async with live_bot(tmp_path) as live:
        server = live.server
        message = await server.post_message(live.general, live.alice, f"you {SLUR}")
        await server.edit_message(message, f"you {SLUR}!!")
        await server.delete_message(message)
        await server.wait_for_dm(live.alice, timeout=10)
        await live.settle()

        ((incident, deleted),) = live.rows("SELECT id, deleted_at FROM incidents")
        assert deleted is not None
        assert live.rows("SELECT incident_id FROM incident_edits") == [(incident,)]
        texts = live.rows("SELECT body FROM texts ORDER BY audit_seq")
        assert [t for (t,) in texts] == [f"you {SLUR}", f"you {SLUR}!!"]  # original kept
