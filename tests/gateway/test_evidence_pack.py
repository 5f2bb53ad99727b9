"""Evidence packs: exported from Discord and the CLI, verified alone, and one changed byte fails."""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from bot.cli import main
from bot.cli.evidence_cmd import cmd_export
from bot.pack_verify import verify
from bot.store import ForbiddenError
from tests.gateway.conftest import World
from tests.services.kit import SLUR, THREAT


def _rewrite(pack: Path, name: str, change: bytes, into: bytes, out: Path) -> Path:
    """A copy of the pack with one file's bytes changed (a valid zip: only content differs)."""
    with zipfile.ZipFile(pack) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == name:
                assert change in data
                data = data.replace(change, into, 1)
            dst.writestr(info, data)
    return out


async def _incidents(world: World) -> tuple[int, str]:
    """A flagged message, edited, then deleted; a threat that opens a case; a report of it."""
    first = await world.alice.send(world.general, f"what a {SLUR} idea")
    await world.alice.edit(first, f"what a {SLUR} idea, honestly")
    await world.alice.delete(first)
    threat = await world.alice.send(world.general, f"I will {THREAT}")
    shown = await world.bob.context_menu(world.general, "Report to moderators", threat)
    await world.bob.submit_modal(shown, {"reason": "this frightened me"})
    (case,) = await world.bot.services.cases.open_cases(world.guild.id)
    return case.id, threat.content


async def test_pack_exported_verified_and_one_changed_byte_fails(
    world: World, tmp_path: Path
) -> None:
    _case_id, threat = await _incidents(world)

    result = await world.mod.slash(world.general, "upstander export", member=world.alice)

    assert result.ephemeral and result.response is not None
    (attachment,) = result.response.message.attachments
    pack = tmp_path / attachment.filename
    pack.write_bytes(await attachment.read())
    problems, _summary = verify(str(pack))
    assert problems == [], problems
    with zipfile.ZipFile(pack) as archive:
        assert {"timeline.json", "timeline.html", "audit.jsonl", "texts.json", "verify.py"} <= set(
            archive.namelist()
        )
        timeline = json.loads(archive.read("timeline.json"))
        html = archive.read("timeline.html").decode()
        texts = archive.read("texts.json").decode()
        chain = archive.read("audit.jsonl").decode()
    # Full text, the edit, the deletion, the nudge and the alert are all there.
    (edited, threatening) = timeline["incidents"]
    assert edited["text"] == f"what a {SLUR} idea"
    assert [e["text"] for e in edited["edits"]] == [f"what a {SLUR} idea, honestly"]
    assert edited["deleted_at"] is not None and threatening["text"] == threat
    assert edited["rules"] == ["test.slur"] and threatening["rules"] == ["test.threat"]
    actions = {e["action"] for e in timeline["events"]}
    assert {"detection", "message.edit", "message.delete", "nudge", "escalation"} <= actions
    assert "report" in actions and f"what a {SLUR} idea, honestly" in html
    # Who reported stays out: neither the id nor the sealed text of it.
    assert timeline["reporter_identity"] == "withheld"
    assert all(str(world.bob.id) not in part for part in (texts, chain, json.dumps(timeline)))
    # The export is itself an audit entry naming the head the pack proves.
    entries = [e async for e in world.bot.services.store.audit.entries()]
    export = entries[-1]
    assert (export.action, export.subject) == ("evidence.export", f"member:{world.alice.id}")
    assert export.details["head_hash"] == timeline["head"]["hash"] == entries[-2].hash

    # The standalone script inside the pack says the same, with no Upstander installed.
    with zipfile.ZipFile(pack) as archive:
        (tmp_path / "verify.py").write_bytes(archive.read("verify.py"))
    ok = subprocess.run(
        [sys.executable, "-I", str(tmp_path / "verify.py"), str(pack)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert ok.returncode == 0 and ok.stdout.startswith("evidence verify: ok"), ok.stderr

    # One byte changed in the text of the flagged message: the manifest no longer matches.
    tampered = _rewrite(pack, "timeline.json", b"honestly", b"honestlY", tmp_path / "t1.zip")
    bad = subprocess.run(
        [sys.executable, "-I", str(tmp_path / "verify.py"), str(tampered)],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1
    assert "timeline.json was changed" in bad.stderr


async def test_cli_pack_of_a_case_catches_every_kind_of_tampering(
    world: World, tmp_path: Path
) -> None:
    case_id, _ = await _incidents(world)
    args = argparse.Namespace(member=None, case=case_id, guild=None, out=tmp_path)
    # The CLI opens the database itself (WAL: beside the running bot), in its own event loop.
    assert await asyncio.to_thread(cmd_export, args, world.settings) == 0
    (pack,) = tmp_path.glob("upstander-evidence-case-*.zip")
    assert main(["evidence", "verify", str(pack)]) == 0
    with zipfile.ZipFile(pack) as archive:
        assert json.loads(archive.read("timeline.json"))["subject"] == f"case:{case_id}"

    # A raw byte of the archive flipped: the zip's own check fails, and so does verify.
    raw = bytearray(pack.read_bytes())
    raw[len(raw) // 3] ^= 0x01
    flipped = tmp_path / "flipped.zip"
    flipped.write_bytes(bytes(raw))
    assert verify(str(flipped))[0] != []
    assert main(["evidence", "verify", str(flipped)]) == 1

    # A text changed and the manifest re-hashed to match: the digest check still fails.
    with zipfile.ZipFile(pack) as src:
        files = {i.filename: src.read(i) for i in src.infolist()}
    rows = json.loads(files["texts.json"])
    rows[0]["body"] += "!"
    files["texts.json"] = json.dumps(rows).encode()
    manifest = json.loads(files["manifest.json"])
    manifest["files"]["texts.json"] = hashlib.sha256(files["texts.json"]).hexdigest()
    files["manifest.json"] = json.dumps(manifest).encode()
    rebuilt = tmp_path / "rebuilt.zip"
    with zipfile.ZipFile(rebuilt, "w") as dst:
        for name, data in files.items():
            dst.writestr(name, data)
    problems = verify(str(rebuilt))[0]
    assert any("no longer matches its digest" in p for p in problems), problems

    # An audit entry changed (its case moved to another member), manifest re-hashed: the
    # entry's own hash no longer holds.
    with zipfile.ZipFile(pack) as src:
        files = {i.filename: src.read(i) for i in src.infolist()}
    lines = [json.loads(line) for line in files["audit.jsonl"].splitlines()]
    opened = next(e for e in lines if e.get("action") == "case.open")
    opened["details"]["member"] = "1"
    files["audit.jsonl"] = "".join(json.dumps(e) + "\n" for e in lines).encode()
    manifest = json.loads(files["manifest.json"])
    manifest["files"]["audit.jsonl"] = hashlib.sha256(files["audit.jsonl"]).hexdigest()
    files["manifest.json"] = json.dumps(manifest).encode()
    rechained = tmp_path / "rechained.zip"
    with zipfile.ZipFile(rechained, "w") as dst:
        for name, data in files.items():
            dst.writestr(name, data)
    problems = verify(str(rechained))[0]
    assert problems == [f"audit entry {opened['seq']} was changed: it no longer matches its hash"]


async def test_only_the_designated_moderator_gets_the_reporter_named(world: World) -> None:
    await _incidents(world)
    evidence = world.bot.services.evidence

    with pytest.raises(ForbiddenError):
        await evidence.export(
            world.guild.id,
            member_id=world.alice.id,
            actor=f"moderator:{world.bob.id}",
            requester_id=world.bob.id,
            with_reporter=True,
        )
    result = await world.mod.slash(
        world.general, "upstander export", member=world.alice, reporter=True
    )

    assert result.response is not None
    (attachment,) = result.response.message.attachments
    with zipfile.ZipFile(io.BytesIO(await attachment.read())) as archive:
        timeline = json.loads(archive.read("timeline.json"))
        texts = archive.read("texts.json").decode()
    assert timeline["reporter_identity"] == "included"
    assert [r["reporter_id"] for r in timeline["reports"]] == [world.bob.id]
    assert str(world.bob.id) in texts
    export = [e async for e in world.bot.services.store.audit.entries()][-1]
    assert export.details["reporter_included"] is True


async def test_cli_member_pack_names_its_server(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await world.alice.send(world.general, f"the {SLUR} thing")
    args = argparse.Namespace(member=world.alice.id, case=None, guild=None, out=tmp_path)

    assert await asyncio.to_thread(cmd_export, args, world.settings) == 2
    assert "--guild" in capsys.readouterr().err
    args.guild = world.guild.id
    assert await asyncio.to_thread(cmd_export, args, world.settings) == 0

    (pack,) = tmp_path.glob(f"upstander-evidence-member-{world.alice.id}-*.zip")
    assert verify(str(pack))[0] == []
    with zipfile.ZipFile(pack) as archive:
        (incident,) = json.loads(archive.read("timeline.json"))["incidents"]
    assert incident["text"] == f"the {SLUR} thing"
    entries = [e async for e in world.bot.services.store.audit.entries()]
    assert entries[-1].action == "evidence.export" and entries[-1].actor.startswith("operator:")
