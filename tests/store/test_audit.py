"""The hash chain: verify passes on honest logs and names the first entry that was tampered with."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.store import SqliteStore, open_store
from bot.store.audit import GENESIS, canonical_json, entry_hash

from .conftest import T0, MakeDetection


async def _ten_entries(path: Path) -> None:
    store = await open_store(path)
    for i in range(1, 11):
        await store.audit.record(
            "moderator:1",
            "rules.reload",
            f"rules:{i}",
            {"marker": f"MARKER-{i:04d}", "n": i},
            at=T0,
        )
    await store.close()


def _tamper(path: Path, *statements: str) -> None:
    # What someone with the file and the sqlite3 shell could do: drop the guard, then edit.
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    conn.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    conn.execute("DROP TRIGGER IF EXISTS texts_no_delete")
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


def _rehash_entry_3(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER audit_log_no_update")
    row = conn.execute(
        "SELECT seq, ts, actor, action, subject, prev FROM audit_log WHERE seq = 3"
    ).fetchone()
    details = canonical_json({"marker": "forged", "n": 3})
    forged = entry_hash(
        seq=row[0],
        ts=row[1],
        actor=row[2],
        action=row[3],
        subject=row[4],
        details_json=details,
        prev=row[5],
    )
    conn.execute("UPDATE audit_log SET details = ?, hash = ? WHERE seq = 3", (details, forged))
    conn.commit()
    conn.close()


async def test_entry_hash_equals_sha256_of_canonical_record() -> None:
    import hashlib

    record = {
        "seq": 1,
        "ts": "2024-05-01T12:00:00.000000+00:00",
        "actor": "bot",
        "action": "détection",
        "subject": "incident:1",
        "prev": GENESIS,
        "details": {"b": [1, "ü"], "a": None},
    }
    expected = hashlib.sha256(canonical_json(record).encode()).hexdigest()
    assert (
        entry_hash(
            seq=1,
            ts=record["ts"],
            actor="bot",
            action="détection",  # type: ignore[arg-type]
            subject="incident:1",
            details_json=canonical_json(record["details"]),
            prev=GENESIS,
        )
        == expected
    )


async def test_honest_log_verifies(store: SqliteStore, make_detection: MakeDetection) -> None:
    for _ in range(5):
        await store.incidents.record_detection(make_detection())
    await store.audit.record("operator:x", "rules.reload", "rules", {"version": "r2"})
    report = await store.audit.verify()
    assert report.ok, report.problems
    assert (report.entries, report.head_seq, report.texts_erased) == (6, 6, 0)


async def test_empty_log_verifies(store: SqliteStore) -> None:
    report = await store.audit.verify()
    assert report.ok and report.entries == 0


async def test_audit_rows_cannot_be_updated_or_deleted_through_sql(
    store: SqliteStore, db_path: Path
) -> None:
    await store.audit.record("bot", "x", "y")
    conn = sqlite3.connect(db_path)
    for statement in ("UPDATE audit_log SET actor = 'me'", "DELETE FROM audit_log"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute(statement)
    conn.close()


@pytest.mark.parametrize(
    ("tamper", "first_bad", "says"),
    [
        (
            lambda p: _tamper(
                p,
                "UPDATE audit_log SET details = replace(details, 'MARKER-0004',"
                " 'MARKER-9999') WHERE seq = 4",
            ),
            4,
            "entry 4 changed",
        ),
        (
            lambda p: _tamper(p, "UPDATE audit_log SET actor = 'moderator:2' WHERE seq = 7"),
            7,
            "entry 7 changed",
        ),
        (lambda p: _tamper(p, "DELETE FROM audit_log WHERE seq = 5"), 5, "entry 5 removed"),
        (
            lambda p: _tamper(p, "DELETE FROM audit_log WHERE seq IN (2, 3)"),
            2,
            "entries 2..3 removed",
        ),
        (
            lambda p: _tamper(p, "DELETE FROM audit_log WHERE seq = 10"),
            10,
            "entries 10..10 removed from the end",
        ),
        (
            lambda p: _tamper(
                p,
                "UPDATE audit_log SET seq = -3 WHERE seq = 3",
                "UPDATE audit_log SET seq = 3 WHERE seq = 6",
                "UPDATE audit_log SET seq = 6 WHERE seq = -3",
            ),
            3,
            "entry 3 changed or moved",
        ),
        (_rehash_entry_3, 3, "entry 3 changed or replaced"),
    ],
    ids=[
        "details-edited",
        "actor-edited",
        "row-deleted",
        "two-rows-deleted",
        "last-row-deleted",
        "rows-swapped",
        "entry-rehashed",
    ],
)
async def test_tampering_fails_verify_and_names_first_entry(
    db_path: Path, tamper: Callable[[Path], None], first_bad: int, says: str
) -> None:
    await _ten_entries(db_path)
    tamper(db_path)
    async with await open_store(db_path) as store:
        report = await store.audit.verify()
    assert not report.ok
    assert report.first_bad_seq == first_bad
    assert any(says in problem for problem in report.problems), report.problems


async def test_byte_edited_in_database_file_fails_verify_naming_entry(db_path: Path) -> None:
    await _ten_entries(db_path)
    assert not Path(f"{db_path}-wal").exists() or Path(f"{db_path}-wal").stat().st_size == 0
    raw = bytearray(db_path.read_bytes())
    offset = raw.find(b"MARKER-0006")
    assert offset > 0 and raw.find(b"MARKER-0006", offset + 1) == -1
    raw[offset + len("MARKER-000")] = ord("9")
    db_path.write_bytes(bytes(raw))
    async with await open_store(db_path) as store:
        report = await store.audit.verify()
    assert report.first_bad_seq == 6
    assert "entry 6 changed" in report.problems[0]


async def test_byte_edited_in_message_text_fails_verify_naming_entry(
    db_path: Path, make_detection: MakeDetection
) -> None:
    async with await open_store(db_path) as store:
        for n in range(3):
            await store.incidents.record_detection(make_detection(text=f"secret-words-{n}"))
    raw = bytearray(db_path.read_bytes())
    offset = raw.find(b"secret-words-1")
    raw[offset] = ord("S")
    db_path.write_bytes(bytes(raw))
    async with await open_store(db_path) as store:
        report = await store.audit.verify()
    assert report.first_bad_seq == 2
    assert "a text recorded by entry 2 was altered" in report.problems[0]


async def test_deleted_text_row_fails_verify(db_path: Path, make_detection: MakeDetection) -> None:
    async with await open_store(db_path) as store:
        await store.incidents.record_detection(make_detection())
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("DROP TRIGGER texts_no_delete")
    conn.execute("DELETE FROM texts")
    conn.commit()
    conn.close()
    async with await open_store(db_path) as store:
        report = await store.audit.verify()
    assert report.first_bad_seq == 1
    assert "was deleted" in report.problems[0]


async def test_erased_texts_are_counted_not_failed(
    store: SqliteStore, make_detection: MakeDetection
) -> None:
    await store.incidents.record_detection(make_detection())
    await store.incidents.record_detection(make_detection(author_id=77))
    assert await store.erase_member(77, actor="operator:test") == 1
    report = await store.audit.verify()
    assert report.ok, report.problems
    assert report.texts_erased == 1


async def test_export_since_filters_by_time(store: SqliteStore) -> None:
    from datetime import timedelta

    for day in range(5):
        await store.audit.record("bot", "tick", "clock", {"day": day}, at=T0 + timedelta(days=day))
    got = [e.details["day"] async for e in store.audit.entries(T0 + timedelta(days=3))]
    assert got == [3, 4]
