"""Store commands: `audit verify|export`, `erase --member`, `purge`, `backup`.

All of them use the database named by UPSTANDER_DATABASE (`settings.database`).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import getpass
import json
import sys
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from bot.settings import Settings
from bot.store import SqliteStore, StoreError, open_store
from bot.store.audit import canonical_json

EXPORT_FIELDS = ("seq", "ts", "actor", "action", "subject", "details", "prev", "hash")


def register(subparsers: Any) -> None:
    """Add the store commands to the `upstander` parser."""
    audit_cmd = subparsers.add_parser("audit", help="verify or export the audit log")
    audit_sub = audit_cmd.add_subparsers(dest="audit_command", metavar="ACTION")
    audit_sub.required = True
    verify = audit_sub.add_parser("verify", help="check the hash chain; exit 1 if altered")
    verify.set_defaults(handler=cmd_verify)
    export = audit_sub.add_parser("export", help="write audit entries as JSON lines or CSV")
    export.add_argument(
        "--since",
        type=parse_since,
        metavar="DATE",
        help="only entries at or after DATE (YYYY-MM-DD or ISO-8601, UTC)",
    )
    export.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    export.add_argument("--out", type=Path, metavar="FILE", help="write here, not to stdout")
    export.set_defaults(handler=cmd_export)

    erase = subparsers.add_parser("erase", help="erase a member's stored texts (audited)")
    erase.add_argument(
        "--member", type=int, required=True, metavar="ID", help="the member's Discord user id"
    )
    erase.set_defaults(handler=cmd_erase)

    purge = subparsers.add_parser("purge", help="apply retention now (UPSTANDER_RETENTION_DAYS)")
    purge.set_defaults(handler=cmd_purge)

    backup = subparsers.add_parser("backup", help="copy the live database to a new file")
    backup.add_argument("dest", type=Path, metavar="DEST")
    backup.set_defaults(handler=cmd_backup)


def parse_since(text: str) -> datetime:
    """A date or ISO-8601 time; without a zone it is taken as UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date; use YYYY-MM-DD or an ISO-8601 time"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def operator() -> str:
    """Who ran the command, for the audit entry."""
    try:
        return f"operator:{getpass.getuser()}"
    except Exception:  # no user name in some containers
        return "operator:unknown"


def _fail(message: str, code: int = 2) -> int:
    print(f"upstander: {message}", file=sys.stderr)
    return code


def _with_store(settings: Settings, work: Callable[[SqliteStore], Awaitable[int]]) -> int:
    path = Path(settings.database)
    if not path.exists():
        return _fail(f"database {path} does not exist (set UPSTANDER_DATABASE)")

    async def run() -> int:
        store = await open_store(path)
        try:
            return await work(store)
        finally:
            await store.close()

    try:
        return asyncio.run(run())
    except StoreError as exc:
        return _fail(str(exc))


def cmd_verify(args: argparse.Namespace, settings: Settings) -> int:
    """`upstander audit verify`: exit 0 if the chain holds, 1 naming the first bad entry."""

    async def work(store: SqliteStore) -> int:
        report = await store.audit.verify()
        if not report.ok:
            print(f"audit verify: FAILED at entry {report.first_bad_seq}", file=sys.stderr)
            for problem in report.problems:
                print(f"  {problem}", file=sys.stderr)
            return 1
        print(
            f"audit verify: ok, {report.entries} entries, head {report.head_seq} "
            f"{report.head_hash}, {report.texts_erased} texts erased"
        )
        return 0

    return _with_store(settings, work)


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    """`upstander audit export`: entries as JSON lines or CSV, to stdout or --out."""

    async def work(store: SqliteStore) -> int:
        with ExitStack() as stack:
            out: IO[str] = sys.stdout
            if args.out is not None:
                try:
                    out = stack.enter_context(args.out.open("x", encoding="utf-8", newline=""))
                except OSError as exc:
                    return _fail(f"cannot write {args.out}: {exc.strerror or exc}")
            writer = csv.writer(out) if args.format == "csv" else None
            if writer:
                writer.writerow(EXPORT_FIELDS)
            count = 0
            async for entry in store.audit.entries(args.since):
                record = entry.to_dict()
                if writer:
                    record["details"] = canonical_json(record["details"])
                    writer.writerow([record[name] for name in EXPORT_FIELDS])
                else:
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
                count += 1
        if args.out is not None:
            print(f"exported {count} entries to {args.out}", file=sys.stderr)
        return 0

    return _with_store(settings, work)


def cmd_erase(args: argparse.Namespace, settings: Settings) -> int:
    """`upstander erase --member ID`: erase a member's texts; the chain still verifies."""

    async def work(store: SqliteStore) -> int:
        count = await store.erase_member(args.member, actor=operator())
        print(f"erased {count} texts of member {args.member}")
        return 0

    return _with_store(settings, work)


def cmd_purge(args: argparse.Namespace, settings: Settings) -> int:
    """`upstander purge`: erase message texts older than the retention period now."""

    async def work(store: SqliteStore) -> int:
        count = await store.purge(settings.retention_days, actor=operator())
        print(f"purged {count} texts older than {settings.retention_days} days")
        return 0

    return _with_store(settings, work)


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    """`upstander backup DEST`: a consistent hot copy via SQLite's online backup API."""

    async def work(store: SqliteStore) -> int:
        await store.backup(args.dest)
        print(f"backed up {settings.database} to {args.dest}")
        return 0

    return _with_store(settings, work)
