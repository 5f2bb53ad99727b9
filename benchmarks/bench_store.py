"""Store benchmark: decisions written per second, and `audit verify` time for a large chain.

Run: .venv/bin/python benchmarks/bench_store.py [--detections 5000] [--entries 1000000]
Prints figures; asserts nothing (tests assert behaviour, benchmarks measure it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.store import CaseRequest, Detection, PolicyChanges, open_store
from bot.store.audit import GENESIS, canonical_json, entry_hash, seal
from bot.store.clock import to_text
from bot.store.db import Synchronous

VERDICT = {
    "flagged": True,
    "category": "harassment",
    "subcategory": "insult",
    "severity": "high",
    "explanation": "That reads as an insult aimed at someone.",
    "hits": [
        {
            "rule": "h1",
            "category": "harassment",
            "subcategory": "insult",
            "severity": "high",
            "span": [8, 13],
            "text": "idiot",
        }
    ],
    "suppressed": [],
    "addressee": {"mentions": [], "reply_to": None, "second_person": True},
    "rules_version": "r1",
}


async def bench_writes(path: Path, count: int, synchronous: Synchronous) -> None:
    """record_detection = incident + sealed text + audit entry + counter update, one txn each."""
    store = await open_store(path, synchronous=synchronous)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    began = time.perf_counter()
    for n in range(count):
        detection = Detection(
            guild_id=1,
            channel_id=2 + n % 5,
            message_id=10_000 + n,
            author_id=100 + n % 97,
            text=f"you are an idiot, message {n}",
            verdict=VERDICT,
            rules_version="r1",
            created_at=start + timedelta(seconds=n),
        )
        await store.incidents.record_detection(
            detection, policy_updates={f"author:1:{100 + n % 97}": {"score": n}}
        )
    elapsed = time.perf_counter() - began
    report = await store.audit.verify()
    await store.close()
    print(
        f"  synchronous={synchronous:<6} {count} decisions in {elapsed:.2f} s: "
        f"{count / elapsed:,.0f} incidents/s and {report.entries / elapsed:,.0f} audit "
        f"entries/s ({elapsed / count * 1e6:.0f} µs per decision); verify ok={report.ok}"
    )


async def bench_escalating(path: Path, count: int) -> None:
    """The bot's write for an escalating message: incident, policy items, case, escalation."""
    store = await open_store(path, synchronous="FULL")
    start = datetime(2024, 1, 1, tzinfo=UTC)
    began = time.perf_counter()
    for n in range(count):
        detection = Detection(
            guild_id=1,
            channel_id=2,
            message_id=50_000 + n,
            author_id=100 + n % 97,
            text=f"you are an idiot, message {n}",
            verdict=VERDICT,
            rules_version="r1",
            created_at=start + timedelta(seconds=n),
        )
        changes = PolicyChanges(
            1, [("record", f"message:{50_000 + n}", {"n": n}), ("seen", f"m:{n}", "x")]
        )
        case = CaseRequest(pattern="repeat_sender", assigned_to=7, reason="three in a week")
        await store.incidents.record_detection(detection, policy_changes=changes, case=case)
    wrote = time.perf_counter()
    cases = await store.cases.list_open(1)
    reads = 0
    for case_row in cases:
        for incident_id in case_row.incident_ids:
            await store.incidents.get(incident_id)
            reads += 1
    read = time.perf_counter()
    await store.close()
    print(
        f"  {count} escalating decisions in {wrote - began:.2f} s "
        f"({(wrote - began) / count * 1e6:.0f} µs each); {len(cases)} open cases listed and "
        f"their {reads} incidents read one by one in {read - wrote:.3f} s"
    )


def build_chain(path: Path, entries: int) -> None:
    """Write a valid chain of detection-like entries (each sealing a text) straight to SQLite."""
    asyncio.run(_create(path))
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    prev, base = GENESIS, datetime(2024, 1, 1, tzinfo=UTC)
    audit_rows, text_rows = [], []
    for seq in range(1, entries + 1):
        ts = to_text(base + timedelta(seconds=seq))
        digest, nonce = seal(f"you are an idiot, message {seq}")
        details = canonical_json(
            {
                "incident": seq,
                "guild": "1",
                "channel": "2",
                "message": str(10_000 + seq),
                "version": 0,
                "author": str(100 + seq % 97),
                "link": f"https://discord.com/channels/1/2/{10_000 + seq}",
                "rules_version": "r1",
                "verdict": {k: v for k, v in VERDICT.items() if k != "hits"},
                "texts": {"message": digest},
            }
        )
        digest_entry = entry_hash(
            seq=seq,
            ts=ts,
            actor="bot",
            action="detection",
            subject=f"incident:{seq}",
            details_json=details,
            prev=prev,
        )
        audit_rows.append(
            (seq, ts, "bot", "detection", f"incident:{seq}", details, prev, digest_entry)
        )
        text_rows.append(
            (digest, nonce, f"you are an idiot, message {seq}", "message", 100 + seq % 97, ts, seq)
        )
        prev = digest_entry
        if len(audit_rows) == 50_000 or seq == entries:
            conn.executemany("INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)", audit_rows)
            conn.executemany(
                "INSERT INTO texts (digest, nonce, body, kind, author_id,"
                " created_at, audit_seq) VALUES (?, ?, ?, ?, ?, ?, ?)",
                text_rows,
            )
            audit_rows.clear()
            text_rows.clear()
    conn.execute("INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?)", (entries, prev))
    conn.commit()
    conn.close()


async def _create(path: Path) -> None:
    store = await open_store(path)
    await store.close()


async def bench_verify(path: Path) -> None:
    """Time opening (quick_check + migrate) and a full verify."""
    began = time.perf_counter()
    store = await open_store(path)
    opened = time.perf_counter()
    report = await store.audit.verify()
    done = time.perf_counter()
    await store.close()
    size = path.stat().st_size / 1e6
    print(
        f"  {report.entries:,} entries ({size:,.0f} MB): open with quick_check "
        f"{opened - began:.2f} s, audit verify {done - opened:.2f} s "
        f"({report.entries / (done - opened):,.0f} entries/s); ok={report.ok}"
    )


def main() -> None:
    """Run both benchmarks in a temporary directory and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--detections", type=int, default=5000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=None, help="where to put the databases")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        print(
            f"Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}, "
            f"{os.cpu_count()} CPU(s), databases in {tmp}"
        )
        print("Writes (one transaction per decision, WAL):")
        for mode in ("FULL", "NORMAL"):
            asyncio.run(bench_writes(Path(tmp) / f"writes-{mode}.db", args.detections, mode))  # type: ignore[arg-type]
        print("Escalating writes and reads (FULL):")
        asyncio.run(bench_escalating(Path(tmp) / "escalating.db", args.detections // 5))
        print("Verify:")
        chain = Path(tmp) / "chain.db"
        began = time.perf_counter()
        build_chain(chain, args.entries)
        print(f"  (built {args.entries:,} entries in {time.perf_counter() - began:.1f} s)")
        asyncio.run(bench_verify(chain))


if __name__ == "__main__":
    main()
