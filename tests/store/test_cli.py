"""The store commands, run through their argparse handlers against a real file."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import store_cmds
from bot.settings import Settings
from bot.store import open_store

from .conftest import T0, MakeDetection


def run(argv: list[str], db_path: Path, **settings: object) -> int:
    parser = argparse.ArgumentParser(prog="upstander")
    store_cmds.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    config = Settings(_env_file=None, database=db_path, **settings)  # type: ignore[call-arg]
    return int(args.handler(args, config))


@pytest.fixture
def filled(db_path: Path, make_detection: MakeDetection) -> Path:
    # The commands run their own event loop, so these tests (and this fixture) are synchronous.
    async def fill() -> None:
        async with await open_store(db_path) as store:
            for day in range(4):
                await store.incidents.record_detection(
                    make_detection(created_at=T0 + timedelta(days=day), author_id=10 + day)
                )

    asyncio.run(fill())
    return db_path


def test_verify_ok_exits_zero(filled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["audit", "verify"], filled) == 0
    assert "ok, 4 entries" in capsys.readouterr().out


def test_verify_of_tampered_log_exits_one_naming_entry(
    filled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = sqlite3.connect(filled)
    conn.execute("DROP TRIGGER audit_log_no_delete")
    conn.execute("DELETE FROM audit_log WHERE seq = 2")
    conn.commit()
    conn.close()
    assert run(["audit", "verify"], filled) == 1
    assert "FAILED at entry 2" in capsys.readouterr().err


@pytest.mark.parametrize(
    "command", [["audit", "verify"], ["purge"], ["erase", "--member", "1"], ["audit", "export"]]
)
def test_missing_database_is_one_clear_line_and_nonzero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    assert run(command, tmp_path / "nope.db") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "does not exist" in err


def test_corrupt_database_is_one_clear_line_and_nonzero(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db_path.write_bytes(b"not a database" * 1000)
    assert run(["audit", "verify"], db_path) == 2
    assert "corrupt" in capsys.readouterr().err


def test_export_jsonl_since_date(filled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["audit", "export", "--since", "2024-05-03"], filled) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [e["seq"] for e in lines] == [3, 4]
    assert lines[0]["action"] == "detection" and lines[0]["ts"].startswith("2024-05-03T")


def test_export_csv_to_file(filled: Path, tmp_path: Path) -> None:
    out = tmp_path / "audit.csv"
    assert run(["audit", "export", "--format", "csv", "--out", str(out)], filled) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == 4 and json.loads(rows[0]["details"])["incident"] == 1
    assert run(["audit", "export", "--out", str(out)], filled) == 2  # never overwrites


def test_erase_and_purge_keep_chain_verifiable(
    filled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["erase", "--member", "10"], filled) == 0
    assert "erased 1 texts of member 10" in capsys.readouterr().out
    assert run(["purge"], filled, retention_days=1) == 0
    assert "purged 3 texts" in capsys.readouterr().out
    assert run(["audit", "verify"], filled) == 0
    assert "4 texts erased" in capsys.readouterr().out


def test_backup_writes_a_copy_that_verifies(filled: Path, tmp_path: Path) -> None:
    dest = tmp_path / "backup.db"
    assert run(["backup", str(dest)], filled) == 0
    assert run(["audit", "verify"], dest) == 0
