"""Check an Upstander evidence pack on its own: `python3 verify.py PACK.zip`.

Standard library only, so an investigator can run the copy inside the pack without installing
Upstander; `upstander evidence verify PACK.zip` runs this same file. It checks:

1. every file against the SHA-256 listed in manifest.json, and that no file was added;
2. every audit entry given in full against its own hash (SHA-256 of the canonical JSON of
   action, actor, details, prev, seq, subject, ts), and that the entries, with the bare links
   between them, chain unbroken up to the head recorded at export time;
3. every text against its digest, SHA-256(nonce || text), and that an entry commits to it;
4. that the timeline's incidents, edits and their texts are the ones those entries commit to.

A pack proves itself only as far as its head: compare `head` with the audit log's own entry of
that seq (`upstander audit verify` prints the head; the export's entry records the pack's head
and manifest digest) to know the pack was not rebuilt from scratch.
"""

from __future__ import annotations

import hashlib
import json
import sys
import zipfile
from typing import Any

FORMAT = "upstander-evidence/1"
MANIFEST = "manifest.json"
GENESIS = "0" * 64


def canonical(value: Any) -> str:
    """Sorted keys, compact separators, UTF-8 kept: the audit log's canonical JSON."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def sha256(data: bytes) -> str:
    """Hex SHA-256."""
    return hashlib.sha256(data).hexdigest()


def entry_hash(entry: dict[str, Any]) -> str:
    """The hash an audit entry must carry."""
    record = {k: entry[k] for k in ("action", "actor", "details", "prev", "seq", "subject", "ts")}
    return sha256(canonical(record).encode("utf-8"))


def text_digest(nonce: str, body: str) -> str:
    """The digest a sealed text must carry."""
    return sha256(nonce.encode("ascii") + body.encode("utf-8"))


class _Check:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, message: str) -> None:
        self.problems.append(message)


def _files(pack: zipfile.ZipFile, check: _Check) -> dict[str, bytes]:
    try:
        data = {name: pack.read(name) for name in pack.namelist()}
    except (zipfile.BadZipFile, OSError, ValueError) as exc:  # a CRC mismatch is BadZipFile
        check.fail(f"the archive is damaged: {exc}")
        return {}
    return data


def _manifest(data: dict[str, bytes], check: _Check) -> dict[str, Any]:
    try:
        manifest = json.loads(data[MANIFEST])
    except (KeyError, ValueError) as exc:
        check.fail(f"{MANIFEST} is missing or not JSON ({exc})")
        return {}
    if manifest.get("format") != FORMAT:
        check.fail(f"not an Upstander evidence pack (format {manifest.get('format')!r})")
    listed = manifest.get("files", {})
    for name, digest in sorted(listed.items()):
        if name not in data:
            check.fail(f"{name} is listed in the manifest but missing")
        elif sha256(data[name]) != digest:
            check.fail(f"{name} was changed: its SHA-256 no longer matches the manifest")
    for name in sorted(set(data) - set(listed) - {MANIFEST}):
        check.fail(f"{name} is not listed in the manifest (added after export)")
    return dict(manifest)


def _json(data: dict[str, bytes], name: str, check: _Check) -> Any:
    try:
        return json.loads(data[name])
    except (KeyError, ValueError) as exc:
        check.fail(f"{name} is missing or not JSON ({exc})")
        return None


def _chain(lines: list[dict[str, Any]], head: dict[str, Any], check: _Check) -> dict[int, Any]:
    """Re-check full entries' hashes and the links between all of them up to the head."""
    full: dict[int, dict[str, Any]] = {}
    previous: dict[str, Any] | None = None
    for line in sorted(lines, key=lambda e: int(e.get("seq", 0))):
        seq = int(line.get("seq", 0))
        if "details" in line:
            full[seq] = line
            if entry_hash(line) != line.get("hash"):
                check.fail(f"audit entry {seq} was changed: it no longer matches its hash")
        if previous is None:
            if seq == 1 and line.get("prev") != GENESIS:
                check.fail("audit entry 1 does not start the chain")
        elif seq != int(previous["seq"]) + 1:
            check.fail(f"audit entries {int(previous['seq']) + 1}..{seq - 1} are missing")
        elif line.get("prev") != previous.get("hash"):
            check.fail(f"audit entry {seq} does not link to entry {seq - 1}")
        previous = line
    if previous is not None and (
        int(previous["seq"]) != head.get("seq") or previous.get("hash") != head.get("hash")
    ):
        check.fail(f"the chain does not end at the recorded head (entry {head.get('seq')})")
    return full


def _texts(rows: list[dict[str, Any]], full: dict[int, Any], check: _Check) -> dict[str, str]:
    committed = {
        digest
        for entry in full.values()
        if isinstance(entry["details"].get("texts"), dict)
        for digest in entry["details"]["texts"].values()
    }
    bodies: dict[str, str] = {}
    for row in rows:
        digest = str(row.get("digest"))
        if text_digest(str(row.get("nonce")), str(row.get("body"))) != digest:
            check.fail(f"text {digest[:12]}… was changed: it no longer matches its digest")
        if digest not in committed:
            check.fail(f"text {digest[:12]}… is not committed to by any audit entry")
        bodies[digest] = str(row.get("body"))
    return bodies


def _timeline(
    timeline: dict[str, Any], full: dict[int, Any], bodies: dict[str, str], check: _Check
) -> None:
    """The readable timeline must say what the chained entries and sealed texts say."""

    def same(what: str, seq: Any, role: str, digest: Any, text: Any) -> None:
        entry = full.get(int(seq or 0))
        sealed = entry["details"].get("texts", {}) if entry else {}
        if entry is None or sealed.get(role) != digest:
            check.fail(f"{what}: its audit entry {seq} is missing or does not commit to it")
        elif text is not None and bodies.get(digest) != text:
            check.fail(f"{what}: its text differs from the sealed text")

    for incident in timeline.get("incidents", []):
        name = f"incident {incident.get('id')}"
        same(name, incident.get("audit_seq"), "message", incident.get("digest"), incident["text"])
        for number, edit in enumerate(incident.get("edits", []), 1):
            same(f"{name} edit {number}", edit.get("audit_seq"), "edit", edit.get("digest"),
                 edit["text"])  # fmt: skip


def verify(path: str) -> tuple[list[str], str]:
    """(problems, summary); no problems means the pack is intact."""
    try:
        return _verify(path)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        # Only a pack whose files were rewritten by hand gets here (the manifest check has
        # then already failed, unless the manifest was rewritten too).
        return [f"the pack's contents are not in the expected shape: {exc!r}"], ""


def _verify(path: str) -> tuple[list[str], str]:
    check = _Check()
    try:
        pack = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        return [f"cannot open {path}: {exc}"], ""
    with pack:
        data = _files(pack, check)
    if not data:
        return check.problems or ["the pack is empty"], ""
    manifest = _manifest(data, check)
    head = manifest.get("head", {})
    timeline = _json(data, "timeline.json", check) or {}
    if timeline.get("head") != head:
        check.fail("timeline.json and the manifest name different heads")
    lines = [json.loads(line) for line in data.get("audit.jsonl", b"").splitlines() if line]
    full = _chain(lines, head, check)
    bodies = _texts(_json(data, "texts.json", check) or [], full, check)
    _timeline(timeline, full, bodies, check)
    summary = (
        f"{len(lines)} audit entries ({len(full)} in full), {len(bodies)} texts, "
        f"head {head.get('seq')} {head.get('hash')}"
    )
    return check.problems, summary


def main(argv: list[str]) -> int:
    """Print the verdict; exit 0 when the pack is intact, 1 when not, 2 on bad usage."""
    if len(argv) != 1:
        print("usage: python3 verify.py PACK.zip", file=sys.stderr)
        return 2
    problems, summary = verify(argv[0])
    if problems:
        print(f"evidence verify: FAILED ({len(problems)} problem(s))", file=sys.stderr)
        for problem in problems[:50]:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"evidence verify: ok, {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
