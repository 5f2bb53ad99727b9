"""`upstander evidence --member ID | --case ID` and `evidence verify PACK.zip`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bot import pack_verify
from bot.cli.store_cmds import operator
from bot.services.evidence_pack import EvidenceService
from bot.settings import Settings
from bot.store import SqliteStore, StoreError
from bot.store.errors import NotFoundError


def register(subparsers: Any) -> None:
    """Add `evidence` to the `upstander` parser."""
    evidence = subparsers.add_parser(
        "evidence", help="write an evidence pack (zip) for a member or a case, or verify one"
    )
    which = evidence.add_mutually_exclusive_group()
    which.add_argument("--member", type=int, metavar="ID", help="a member's Discord user id")
    which.add_argument("--case", type=int, metavar="ID", help="a case number")
    evidence.add_argument(
        "--guild", type=int, metavar="ID", help="the server (default: the one UPSTANDER_GUILD_IDS)"
    )
    evidence.add_argument(
        "--out", type=Path, default=Path("."), metavar="DIR", help="directory for the zip"
    )
    evidence.set_defaults(handler=cmd_export)
    sub = evidence.add_subparsers(dest="evidence_command", metavar="ACTION")
    verify = sub.add_parser("verify", help="check a pack on its own; exit 1 if altered")
    verify.add_argument("pack", type=Path, metavar="PACK.zip")
    verify.set_defaults(handler=cmd_verify)


def cmd_verify(args: argparse.Namespace, settings: Settings) -> int:
    """The same check as the pack's own verify.py."""
    return pack_verify.main([str(args.pack)])


def _guild(args: argparse.Namespace, settings: Settings) -> int | None:
    if args.guild is not None:
        return int(args.guild)
    if len(settings.guild_ids) == 1:
        return settings.guild_ids[0]
    return None


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    """Write one pack for `--member` or `--case` into `--out` (audited as an export)."""
    from bot.cli.store_cmds import _fail, _with_store
    from bot.gateway.client import routes_from  # discord is imported only when needed

    if args.member is None and args.case is None:
        return _fail("give --member ID or --case ID (or: upstander evidence verify PACK.zip)")
    if not args.out.is_dir():
        return _fail(f"{args.out} is not a directory")

    async def work(store: SqliteStore) -> int:
        guild = _guild(args, settings)
        if args.case is not None:
            try:
                guild = (await store.cases.get(args.case)).guild_id
            except NotFoundError:
                return _fail(f"no case {args.case}", 1)
        if guild is None:
            return _fail("say which server with --guild ID (several or no UPSTANDER_GUILD_IDS)")
        service = EvidenceService(store, routes_from(settings))
        try:
            pack = await service.export(
                guild, member_id=args.member, case_id=args.case, actor=operator()
            )
        except (NotFoundError, StoreError) as exc:
            return _fail(str(exc), 1)
        path = args.out / pack.name
        try:
            path.write_bytes(pack.data)
        except OSError as exc:
            return _fail(f"cannot write {path}: {exc.strerror or exc}")
        print(
            f"wrote {path}: audit head {pack.head_seq}, export recorded as entry {pack.entry.seq}"
            f" (manifest {pack.manifest_sha256[:12]}…). Check it: upstander evidence verify {path}"
        )
        return 0

    return _with_store(settings, work)
