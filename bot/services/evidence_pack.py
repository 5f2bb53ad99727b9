"""Evidence packs: one zip per request, for an investigator, that checks itself.

    pack = await EvidenceService(store, routes).export(guild, member_id=42, actor="operator:x")
    Path(pack.name).write_bytes(pack.data)      # then: python3 verify.py upstander-....zip

Inside: timeline.json and timeline.html (incidents with full text, edits, deletion, nudges,
cases, alerts, reports, in time order), audit.jsonl (the entries they rest on in full, the bare
links of the rest up to the head), texts.json (sealed texts with their nonces), verify.py
(standard library only) and manifest.json (SHA-256 of every file, the head). The export is
itself an audit entry recording the head and the manifest's digest.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import bot.pack_verify
from bot.policy import Routes
from bot.services.pack_html import render_html
from bot.store.base import Store
from bot.store.clock import utc_now
from bot.store.errors import ForbiddenError
from bot.store.evidence import EvidenceData
from bot.store.records import AuditEntry

FORMAT = bot.pack_verify.FORMAT
README = """\
Upstander evidence pack ({subject}, exported {at}).

timeline.html   the timeline to read; timeline.json the same as data
audit.jsonl     audit entries: in full those the timeline rests on, the rest as bare links
texts.json      the people's words, each with the nonce that makes up its digest
manifest.json   SHA-256 of every file and the audit log's head at export time

Check it:  python3 verify.py {name}   (Python 3 standard library; nothing to install)
The pack proves itself up to its head (entry {head_seq}, {head_hash}): the audit log's
own entry {head_seq} must carry that hash, and its `evidence.export` entry records the head and
the SHA-256 of manifest.json.
"""


@dataclass(frozen=True, slots=True)
class Pack:
    """A built pack: the zip's bytes, its name, and the audit entry that records its export."""

    name: str
    data: bytes
    head_seq: int
    manifest_sha256: str
    entry: AuditEntry


class EvidenceService:
    """Builds evidence packs; only the server's designated moderator may have reporters named."""

    def __init__(self, store: Store, routes: Routes) -> None:
        """Bind to the store and each server's routing (who its designated moderator is)."""
        self.store = store
        self.routes = routes

    async def export(
        self,
        guild_id: int,
        *,
        member_id: int | None = None,
        case_id: int | None = None,
        actor: str,
        requester_id: int | None = None,
        with_reporter: bool = False,
        now: datetime | None = None,
    ) -> Pack:
        """Build the pack for a member or a case and audit its export."""
        designated = self.routes.for_guild(guild_id).moderator_user_id
        if with_reporter and (requester_id is None or requester_id != designated):
            raise ForbiddenError("only the designated moderator can include who reported")
        moment = now or utc_now()
        data = await self.store.evidence.gather(
            guild_id, member_id=member_id, case_id=case_id, with_reporter=with_reporter
        )
        subject_name = data.subject.replace(":", "-")
        name = f"upstander-evidence-{subject_name}-{moment:%Y%m%dT%H%M%SZ}.zip"
        timeline = build_timeline(data, moment, actor, with_reporter)
        files = pack_files(data, timeline, name)
        files["README.txt"] = README.format(
            subject=data.subject,
            at=timeline["exported_at"],
            name=name,
            head_seq=data.head_seq,
            head_hash=data.head_hash,
        ).encode("utf-8")
        manifest = {
            "format": FORMAT,
            "subject": data.subject,
            "exported_at": timeline["exported_at"],
            "head": timeline["head"],
            "files": {n: hashlib.sha256(b).hexdigest() for n, b in sorted(files.items())},
        }
        files["manifest.json"] = _json_bytes(manifest)
        manifest_sha = hashlib.sha256(files["manifest.json"]).hexdigest()
        entry = await self.store.audit.record(
            actor,
            "evidence.export",
            data.subject,
            {
                "guild": str(guild_id),
                "head_seq": data.head_seq,
                "head_hash": data.head_hash,
                "manifest_sha256": manifest_sha,
                "entries": len(data.entries),
                "reporter_included": with_reporter,
            },
            at=moment,
        )
        return Pack(name, _zip(files, moment), data.head_seq, manifest_sha, entry)


def _json_bytes(value: Any) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def _zip(files: dict[str, bytes], moment: datetime) -> bytes:
    out = io.BytesIO()
    stamp = moment.timetuple()[:6]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            archive.writestr(zipfile.ZipInfo(name, date_time=stamp), files[name])
    return out.getvalue()


def pack_files(data: EvidenceData, timeline: dict[str, Any], name: str) -> dict[str, bytes]:
    """Every file of the pack except the manifest and README."""
    entries = [_entry(e) for e in data.entries]
    links = [dict(r) for r in data.links]
    chain = sorted([*entries, *links], key=lambda e: int(e["seq"]))
    audit_lines = "".join(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in chain)
    return {
        "timeline.json": _json_bytes(timeline),
        "timeline.html": render_html(timeline).encode("utf-8"),
        "audit.jsonl": audit_lines.encode("utf-8"),
        "texts.json": _json_bytes(data.texts),
        "verify.py": Path(bot.pack_verify.__file__).read_bytes(),
    }


def _entry(row: dict[str, Any]) -> dict[str, Any]:
    """An audit row as it is hashed: details parsed back from its canonical JSON."""
    return {**row, "details": json.loads(row["details"])}


def build_timeline(
    data: EvidenceData, moment: datetime, actor: str, with_reporter: bool
) -> dict[str, Any]:
    """The pack's readable content as JSON-ready data."""
    bodies = {t["digest"]: t["body"] for t in data.texts}
    incidents = [
        {
            "id": i["id"],
            "message": str(i["message_id"]),
            "channel": str(i["channel_id"]),
            "author": str(i["author_id"]),
            "link": i["link"],
            "version": i["version"],
            "at": i["created_at"],
            "category": i["category"],
            "severity": i["severity"],
            "rules_version": i["rules_version"],
            "rules": [h.get("rule") or h.get("rule_id") for h in i["verdict"].get("hits", [])],
            "text": bodies.get(i["text_digest"]),
            "digest": i["text_digest"],
            "audit_seq": i["audit_seq"],
            "deleted_at": i["deleted_at"],
            "edits": [
                {
                    "at": e["edited_at"],
                    "text": bodies.get(e["text_digest"]),
                    "digest": e["text_digest"],
                    "audit_seq": e["audit_seq"],
                }
                for e in i["edits"]
            ],
        }
        for i in data.incidents
    ]
    return {
        "format": FORMAT,
        "subject": data.subject,
        "guild": str(data.guild_id),
        "exported_at": moment.isoformat(timespec="seconds"),
        "exported_by": actor,
        "head": {"seq": data.head_seq, "hash": data.head_hash},
        "reporter_identity": "included" if with_reporter else "withheld",
        "incidents": incidents,
        "nudges": data.nudges,
        "cases": [_case(c, bodies) for c in data.cases],
        "reports": [_report(r, bodies) for r in data.reports],
        "withheld_texts": data.withheld,
        "events": [_event(e, bodies) for e in data.entries],
    }


def _case(case: dict[str, Any], bodies: dict[str, str]) -> dict[str, Any]:
    notes = [{**n, "text": bodies.get(n["text_digest"])} for n in case["notes"]]
    return {**case, "notes": notes}


def _report(report: dict[str, Any], bodies: dict[str, str]) -> dict[str, Any]:
    out = {k: v for k, v in report.items() if k not in ("text_digest", "reason_digest")}
    out["text"] = bodies.get(report["text_digest"])
    out["reason"] = bodies.get(report["reason_digest"] or "")
    return out


_WHAT = {
    "detection": "flagged message",
    "message.edit": "edited",
    "message.delete": "deleted (evidence kept)",
    "nudge": "private nudge to the sender",
    "nudge.status": "nudge delivery",
    "case.open": "case opened",
    "case.link": "incidents filed under the case",
    "escalation": "alert to a moderator",
    "case.acknowledge": "case acknowledged",
    "case.resolve": "case resolved",
    "case.note": "case note",
    "report": "reported by a member",
    "watch.start": "retaliation watch started",
}


def _event(entry: dict[str, Any], bodies: dict[str, str]) -> dict[str, Any]:
    """One audit entry as a line of the timeline, with the texts it commits to."""
    details = json.loads(entry["details"])
    sealed = details.get("texts") if isinstance(details.get("texts"), dict) else {}
    words = {role: bodies.get(d) for role, d in sealed.items() if role != "reporter"}
    summary = {k: v for k, v in details.items() if k not in ("texts", "verdict")}
    return {
        "seq": entry["seq"],
        "at": entry["ts"],
        "action": entry["action"],
        "what": _WHAT.get(entry["action"], entry["action"]),
        "actor": entry["actor"],
        "subject": entry["subject"],
        "details": summary,
        "texts": words,
    }
